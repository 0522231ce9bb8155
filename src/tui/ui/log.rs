//! The generation log, newest first.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::audio::format_duration;
use crate::tui::state::log::{EntryState, LogEntry};
use crate::tui::state::{AppState, Focus};
use crate::tui::ui::{focused, pane, scroll_to, truncate, wrap_indented, wrap_words};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let is_focused = focused(state, Focus::Log);
    let title = match state.log.active_count() {
        0 => " Generations ".to_string(),
        n => format!(" Generations · {n} running "),
    };
    let block = pane(title, is_focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_span = (0, 1);
    if state.log.is_empty() {
        lines.extend(
            wrap_words("Nothing generated yet; press g", width)
                .into_iter()
                .map(|l| Line::styled(l, theme.dim())),
        );
    }
    for (i, entry) in state.log.entries().enumerate() {
        let start = lines.len();
        let mut entry_lines = entry_lines(entry, state, width);
        if i == state.log.selected_index() {
            entry_lines[0] =
                std::mem::take(&mut entry_lines[0]).patch_style(theme.selected(is_focused));
            selected_span = (start, entry_lines.len());
        }
        lines.extend(entry_lines);
    }
    let first = scroll_to(selected_span.0, selected_span.1, inner.height as usize);
    frame.render_widget(Paragraph::new(lines).scroll((first as u16, 0)), inner);
}

/// An entry's mark, status word, style and time so far (or taken).
pub(super) fn status(
    entry: &LogEntry,
    state: &AppState,
) -> (&'static str, String, Style, Option<Duration>) {
    let theme = state.theme;
    let spin = SPINNER[state.spinner % SPINNER.len()];
    match &entry.state {
        EntryState::Queued => ("…", "queued".to_string(), theme.dim(), None),
        EntryState::Running { since } => (
            spin,
            "running".to_string(),
            theme.running(),
            Some(state.clock.saturating_sub(*since)),
        ),
        EntryState::Cancelling { since } => (
            spin,
            "cancelling".to_string(),
            theme.running(),
            Some(state.clock.saturating_sub(*since)),
        ),
        EntryState::Finished { status, took, .. } => {
            ("✓", status.to_string(), theme.success(), Some(*took))
        }
        EntryState::Failed { took, .. } => ("✗", "failed".to_string(), theme.error(), Some(*took)),
        EntryState::Cancelled { took, .. } => {
            ("⊘", "cancelled".to_string(), theme.warning(), Some(*took))
        }
    }
}

fn entry_lines(entry: &LogEntry, state: &AppState, width: usize) -> Vec<Line<'static>> {
    let theme = state.theme;
    let (mark, status, style, took) = status(entry, state);
    let head = format!(
        "{mark} #{} {status}{}",
        entry.number,
        took.map(|t| format!(" {}", elapsed(t))).unwrap_or_default()
    );
    let about = format!("  {} · {}", entry.genre, entry.target);
    let mut lines = vec![
        Line::styled(truncate(&head, width), style),
        Line::styled(truncate(&about, width), theme.dim()),
    ];
    match &entry.state {
        EntryState::Queued | EntryState::Running { .. } | EntryState::Cancelling { .. } => {
            if let Some(p) = &entry.progress {
                lines.push(Line::styled(
                    truncate(&format!("  {p}"), width),
                    theme.dim(),
                ));
            }
        }
        EntryState::Finished { message, files, .. } => {
            lines.extend(wrap_indented(message, width, Style::new()));
            for f in entry.written() {
                let name = f.file_name().map_or_else(
                    || f.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                // An audio file shows the length it really has.
                let length = files
                    .iter()
                    .find(|o| o.path == f)
                    .and_then(|o| o.audio.as_ref())
                    .map(|a| format!(" · {}", format_duration(a.duration_seconds)))
                    .unwrap_or_default();
                let text = truncate(&format!("  → {name}{length}"), width);
                lines.push(Line::styled(text, theme.label()));
            }
        }
        // A failure's reason is what the user needs to act on: all of it.
        EntryState::Failed { error, .. } => {
            lines.extend(wrap_indented(error, width, theme.error()))
        }
        EntryState::Cancelled { may_be_billed, .. } => {
            if *may_be_billed {
                lines.extend(wrap_indented(BILLED_ANYWAY, width, theme.warning()));
            }
        }
    }
    lines
}

/// A gcp generation cancelled after its request left: Vertex AI may have
/// made the audio, and billed it, even so.
pub(super) const BILLED_ANYWAY: &str =
    "cancelled after it was sent to Vertex AI: it may have been billed";

/// `4s`, `1m05s`.
pub(super) fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

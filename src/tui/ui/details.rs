//! Everything about one generation in the log: where it ran, how long it
//! took, its message, the full path of each file it wrote, the text the
//! model returned, or the whole error.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::generate::Mode;
use crate::tui::state::AppState;
use crate::tui::state::log::{EntryState, LogEntry};
use crate::tui::theme::Theme;
use crate::tui::ui::popup::centered;
use crate::tui::ui::{ScrollView, log, take, wrap_words};
use crate::worker::RequestId;

const LABEL_WIDTH: usize = 10;

pub fn render(frame: &mut Frame, area: Rect, id: RequestId, scroll: u16, state: &AppState) {
    let view = view(area, id, state);
    let number = state
        .log
        .get(id)
        .map_or(String::new(), |e| format!(" #{}", e.number));
    let title = if view.max_scroll > 0 {
        format!(" Generation{number} · ↑↓ scroll · Esc close ")
    } else {
        format!(" Generation{number} · Esc close ")
    };
    view.render(frame, title, scroll, state.theme);
}

pub(super) fn view(area: Rect, id: RequestId, state: &AppState) -> ScrollView {
    let theme = state.theme;
    let width = (area.width * 8 / 10).max(76).min(area.width);
    let inner_width = width.saturating_sub(2) as usize;
    let lines = match state.log.get(id) {
        Some(entry) => entry_lines(entry, state, inner_width),
        None => vec![Line::styled(
            "This generation is no longer in the log.",
            theme.dim(),
        )],
    };
    // As tall as the text, at most the screen less a line above and below.
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, width, height);
    ScrollView::new(rect, lines)
}

/// The popup's lines, already wrapped to `width`: the rows a take of the
/// library shows (see `take::Made`), with what only this session knows
/// (the project, how long it ran, its progress or error).
fn entry_lines(entry: &LogEntry, state: &AppState, width: usize) -> Vec<Line<'static>> {
    let theme = state.theme;
    let target = &entry.target;
    let (mark, status, style, took) = log::status(entry, state);
    let written = state.session_take(entry);
    let mut lines = Vec::new();
    if let Some(take) = written {
        lines.extend(take::sound_lines(state, take, width, take::WAVE_ROWS));
    }
    let mut field = |label: &str, value: String, style: Style| {
        lines.extend(labelled(label, &value, width, style, theme));
    };
    field("Status", format!("{mark} {status}"), style);
    // What went wrong comes first: it is what the user acts on.
    match &entry.state {
        EntryState::Failed { error, .. } => {
            section(&mut lines, "Error", theme);
            lines.extend(block(error, width, theme.error()));
            lines.push(Line::from(""));
        }
        EntryState::Cancelled {
            may_be_billed: true,
            ..
        } => {
            section(&mut lines, "Billing", theme);
            lines.extend(block(super::log::BILLED_ANYWAY, width, theme.warning()));
            lines.push(Line::from(""));
        }
        _ => {}
    }
    let mut field = |label: &str, value: String, style: Style| {
        lines.extend(labelled(label, &value, width, style, theme));
    };
    for (label, value) in take::Made::of_entry(entry, written).rows() {
        let value = match label {
            "Mode" if target.mode == Mode::Simulate => "simulate (nothing was sent)".to_string(),
            "Mode" => "gcp (Vertex AI)".to_string(),
            _ => value,
        };
        field(label, value, Style::new());
    }
    if target.mode == Mode::Gcp {
        let project = target
            .project
            .clone()
            .unwrap_or_else(|| "– (not set)".to_string());
        field("Project", project, Style::new());
    }
    if let Some(t) = took {
        field("Elapsed", log::elapsed(t), Style::new());
    }
    if let Some(p) = &entry.progress {
        field("Progress", p.clone(), theme.dim());
    }
    take::lyrics_section(&mut lines, &entry.about.track.text_input, width, theme);

    if let EntryState::Finished {
        message,
        files,
        metadata,
        text,
        ..
    } = &entry.state
    {
        section(&mut lines, "Message", theme);
        lines.extend(block(message, width, Style::new()));
        if !files.is_empty() {
            section(&mut lines, "Files", theme);
            for f in files {
                lines.extend(path_lines(&state.paths.show(&f.path), width, theme.label()));
                let about = format!("    {} · {}", f.mime_type, crate::text::bytes(f.size_bytes));
                lines.push(Line::styled(about, theme.dim()));
                if let Some(a) = &f.audio {
                    lines.push(Line::raw(format!("    {}", a.describe())));
                }
            }
        }
        if let Some(m) = metadata {
            section(&mut lines, "Metadata", theme);
            lines.extend(path_lines(&state.paths.show(m), width, theme.label()));
        }
        take::returned_section(&mut lines, text.as_deref(), width, theme);
    }
    lines
}

/// `Label     value`, the value wrapped under itself.
pub(super) fn labelled(
    label: &str,
    value: &str,
    width: usize,
    style: Style,
    theme: Theme,
) -> Vec<Line<'static>> {
    let room = width.saturating_sub(LABEL_WIDTH);
    wrap_words(value, room)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let label = if i == 0 { label } else { "" };
            Line::from(vec![
                Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.label()),
                Span::styled(part, style),
            ])
        })
        .collect()
}

pub(super) fn section(lines: &mut Vec<Line<'static>>, title: &str, theme: Theme) {
    lines.push(Line::from(""));
    lines.push(Line::styled(
        title.to_string(),
        theme.title(false).add_modifier(Modifier::UNDERLINED),
    ));
}

/// Text indented by two, its own line breaks kept, long lines wrapped.
pub(super) fn block(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    text.lines()
        .flat_map(|line| {
            let parts = wrap_words(line, width.saturating_sub(2));
            if parts.is_empty() {
                vec![Line::from("")]
            } else {
                parts
                    .into_iter()
                    .map(|p| Line::styled(format!("  {p}"), style))
                    .collect()
            }
        })
        .collect()
}

/// A full path (`~` for the home folder, as `Paths::show` gives it),
/// indented by two and cut into lines at the width, never shortened: it is
/// there to be read or copied.
pub(super) fn path_lines(path: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    crate::text::chunks(path, width.saturating_sub(2))
        .into_iter()
        .map(|c| Line::styled(format!("  {c}"), style))
        .collect()
}

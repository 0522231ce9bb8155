//! The Generations pane: this session's generations, newest first, then
//! the takes already in the output folder.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::audio::format_duration;
use crate::generate::Mode;
use crate::library::{Sort, TakeState, TakeSummary, format_time};
use crate::text;
use crate::tui::state::history::Row;
use crate::tui::state::library::sort_label;
use crate::tui::state::log::{EntryState, LogEntry};
use crate::tui::state::{AppState, Focus};
use crate::tui::ui::form::short_model;
use crate::tui::ui::popup::input_spans;
use crate::tui::ui::title::Title;
use crate::tui::ui::{focused, pane, scroll_to, truncate_words, wrap_indented, wrap_words};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let is_focused = focused(state, Focus::Log);
    let block = pane(title(state).line(area.width as usize), is_focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let library = &state.library;
    let show_filter = library.filtering || library.is_filtered();
    let [list_area, filter_area] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::from(show_filter)),
    ])
    .areas(inner);
    if show_filter {
        let mut spans = vec![Span::styled("/ ", theme.key())];
        spans.extend(input_spans(
            library.filter().text(),
            library.filter().cursor(),
            library.filtering,
            theme,
        ));
        frame.render_widget(Paragraph::new(Line::from(spans)), filter_area);
    }
    let width = list_area.width as usize;
    let height = list_area.height as usize;
    let rows = state.history_rows();
    if rows.is_empty() {
        let text = if let Some(e) = &library.error {
            format!("The output folder could not be read: {e}")
        } else if library.is_filtered() {
            "No take matches the filter; Esc clears it".to_string()
        } else if !library.listed {
            "Reading the output folder…".to_string()
        } else {
            "Nothing generated yet; press g".to_string()
        };
        let style = if library.error.is_some() {
            theme.error()
        } else {
            theme.dim()
        };
        let lines: Vec<Line> = wrap_words(&text, width)
            .into_iter()
            .map(|l| Line::styled(l, style))
            .collect();
        frame.render_widget(Paragraph::new(lines), list_area);
        return;
    }
    // Only the rows around the selection are laid out: every row takes a
    // line at least, so a screenful either side is enough, whatever the
    // library holds.
    let selected = state.history_selected.min(rows.len() - 1);
    let from = selected.saturating_sub(height);
    let to = (selected + height + 1).min(rows.len());
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_span = (0, 1);
    for (i, row) in rows.iter().enumerate().take(to).skip(from) {
        let start = lines.len();
        let mut row_lines = match row {
            Row::Session(entry) => entry_lines(entry, state, width),
            Row::Take(take) => take_lines(take, None, state, width),
        };
        if i == selected {
            row_lines[0] =
                std::mem::take(&mut row_lines[0]).patch_style(theme.selected(is_focused));
            selected_span = (start, row_lines.len());
        }
        lines.extend(row_lines);
    }
    let first = scroll_to(selected_span.0, selected_span.1, height);
    frame.render_widget(Paragraph::new(lines).scroll((first as u16, 0)), list_area);
}

/// ` Generations · 1 running · 200 of 10,000 takes · by name `; in a
/// narrow pane `200/10,000`, then whole parts left out from the right,
/// never one cut.
fn title(state: &AppState) -> Title {
    let library = &state.library;
    let mut title = Title::new().keep("Generations", Style::new());
    match state.log.active_count() {
        0 => {}
        n => title = title.drop(format!(" · {n} running"), Style::new()),
    }
    if library.listed && library.total > 0 {
        let takes = if library.total == 1 { "take" } else { "takes" };
        title = if library.is_filtered() {
            title.shorten(
                format!(" · {} of {} {takes}", library.matched, library.total),
                format!(" · {}/{}", library.matched, library.total),
                Style::new(),
            )
        } else {
            title.drop(format!(" · {} {takes}", library.total), Style::new())
        };
        if library.sort() != Sort::Time {
            title = title.drop(format!(" · {}", sort_label(library.sort())), Style::new());
        }
    }
    if !library.marked.is_empty() {
        title = title.drop(format!(" · {} marked", library.marked.len()), Style::new());
    }
    title
}

/// A take in two lines: what it is and when, then what it was made with
/// and the start of its words. A take this session made keeps its `#N`.
fn take_lines(
    take: &TakeSummary,
    number: Option<u64>,
    state: &AppState,
    width: usize,
) -> Vec<Line<'static>> {
    let theme = state.theme;
    let playing = state.library.playing.as_ref().filter(|p| p.id == take.id);
    let (mark, style) = match (&take.state, playing) {
        (_, Some(_)) => ("▶", theme.running()),
        (TakeState::Ready, _) => ("♪", theme.success()),
        (TakeState::Simulated, _) => ("○", theme.dim()),
        (TakeState::Missing { .. } | TakeState::Changed { .. }, _) => ("!", theme.warning()),
        (TakeState::Unreadable { .. }, _) => ("✗", theme.error()),
        (TakeState::NotUploaded, _) => ("↑", theme.warning()),
    };
    let marked = if state.library.is_marked(&take.id) {
        "◆"
    } else {
        " "
    };
    // A take of this session shows its time of day only: the day is
    // today's.
    let (lead, when) = match number {
        Some(n) => (format!("{mark}{marked}#{n} "), time_of_day(take.time)),
        None => (format!("{mark}{marked}"), short_time(take.time)),
    };
    let name = take_name(take);
    // In a narrow pane (80 columns share it three ways) the name has the
    // first line to itself and the time goes below: cut, names are what
    // made takes look alike.
    let narrow = width < NARROW;
    let head = match (playing, &take.state) {
        // What needs attention comes first: playing, or files gone.
        (Some(p), _) => format!(
            "{lead}playing {} · {name}",
            elapsed(state.clock.saturating_sub(p.since))
        ),
        (None, TakeState::Ready) if narrow => format!("{lead}{name}"),
        (None, TakeState::Ready) => format!("{lead}{when} {name}"),
        (None, TakeState::Simulated) if narrow => format!("{lead}{name} · simulated"),
        (None, TakeState::Simulated) => format!("{lead}{when} {name} · simulated"),
        (None, problem) if narrow => format!("{lead}{problem} · {name}"),
        (None, problem) => format!("{lead}{problem} · {when} {name}"),
    };
    let model = take.model.map(|m| {
        if narrow {
            short_model(m).to_string()
        } else {
            m.to_string()
        }
    });
    let about = about_line(
        narrow.then_some(when.as_str()),
        take.duration_seconds,
        model,
        take.seed,
        take.temperature,
        &take.lyrics,
    );
    vec![
        Line::styled(fit_parts(&head, width), style),
        Line::styled(fit_parts(&about, width), theme.dim()),
    ]
}

/// A row's ` · `-separated parts as fit `width` columns: whole ones from
/// the start, then the first that does not fit cut at a word (`“City
/// lights…`), or left out for an ellipsis when too little of it would show
/// (`17:13 · seed 4…`, never `seed 4 · t…`).
fn fit_parts(line: &str, width: usize) -> String {
    /// Fewer columns than this say nothing of a part.
    const LEAST: usize = 6;
    let line = &*text::one_line(line);
    if text::width(line) <= width {
        return line.to_string();
    }
    let mut parts = line.split(" · ");
    let mut out = truncate_words(parts.next().unwrap_or_default(), width);
    for part in parts {
        let room = width.saturating_sub(text::width(&out) + 3);
        if text::width(part) < room {
            out = format!("{out} · {part}");
            continue;
        }
        if room >= LEAST {
            out = format!("{out} · {}", truncate_words(part, room));
        } else if text::width(&out) < width {
            out.push('…');
        }
        break;
    }
    out
}

/// Below this width a row puts its time on the second line.
const NARROW: usize = 40;

/// What a take is called in a row: its preset, with the genre when the
/// preset's name does not say it (a preset's genre changed in the form),
/// or the genre alone.
fn take_name(take: &TakeSummary) -> String {
    match &take.preset {
        Some(p) if !p.to_lowercase().contains(&take.genre.to_lowercase()) => {
            format!("{p} · {}", take.genre)
        }
        Some(p) => p.clone(),
        None => take.genre.clone(),
    }
}

/// `   0:30 · lyria-002 · seed 7 · t 0.7 · “first words…”`: what was made
/// with what, as far as it is known. A narrow row starts with when it was
/// made, then what tells takes apart (seed, words) before what seldom
/// does (length, model, temperature).
fn about_line(
    when: Option<&str>,
    duration: Option<f64>,
    model: Option<String>,
    seed: Option<u64>,
    temperature: Option<f64>,
    lyrics: &str,
) -> String {
    let duration = duration.map(format_duration);
    let model = Some(model.unwrap_or_else(|| "?".to_string()));
    let seed = seed.map(|s| format!("seed {s}"));
    let temperature = temperature.map(|t| format!("t {t}"));
    let lyrics = (!lyrics.is_empty()).then(|| format!("“{lyrics}”"));
    let about: Vec<String> = match when {
        Some(when) => [
            Some(when.to_string()),
            seed,
            lyrics,
            duration,
            model,
            temperature,
        ]
        .into_iter()
        .flatten()
        .collect(),
        None => [duration, model, seed, temperature, lyrics]
            .into_iter()
            .flatten()
            .collect(),
    };
    format!("   {}", about.join(" · "))
}

/// `11-30 14:02`: the year is in the details; the list keeps room for the
/// name.
fn short_time(unix: i64) -> String {
    let when = format_time(unix);
    when.get(5..).unwrap_or(&when).to_string()
}

/// `14:02`.
fn time_of_day(unix: i64) -> String {
    let when = format_time(unix);
    when.get(11..).unwrap_or(&when).to_string()
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

/// A generation of this session: once it wrote a take, that take as the
/// library shows it, under its `#N`; before, or when it wrote none, what
/// it is doing and what it was asked for.
fn entry_lines(entry: &LogEntry, state: &AppState, width: usize) -> Vec<Line<'static>> {
    if let Some(take) = state.session_take(entry) {
        return take_lines(take, Some(entry.number), state, width);
    }
    let theme = state.theme;
    let (mark, status, style, took) = status(entry, state);
    let simulate = if entry.target.mode == Mode::Simulate {
        " · simulate"
    } else {
        ""
    };
    // While it runs, how long it has run says more than when it began.
    let when = if entry.is_active() {
        took.map(|t| format!(" {}", elapsed(t))).unwrap_or_default()
    } else {
        format!(
            " {}",
            time_of_day(state.epoch + entry.queued_at.as_secs() as i64)
        )
    };
    let head = format!(
        "{mark} #{} {status}{when} · {}{simulate}",
        entry.number,
        entry.about.name(),
    );
    let about = about_line(
        None,
        None,
        Some(entry.target.model.to_string()),
        entry.about.seed,
        Some(entry.about.temperature),
        &entry.about.lyrics,
    );
    let mut lines = vec![
        Line::styled(fit_parts(&head, width), style),
        Line::styled(fit_parts(&about, width), theme.dim()),
    ];
    match &entry.state {
        EntryState::Queued | EntryState::Running { .. } | EntryState::Cancelling { .. } => {
            if let Some(p) = &entry.progress {
                lines.push(Line::styled(
                    truncate_words(&format!("   {p}"), width),
                    theme.dim(),
                ));
            }
        }
        // Finished without a metadata file: the message says why.
        EntryState::Finished { message, .. } => {
            lines.extend(wrap_indented(message, width, Style::new()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_keeps_whole_parts_and_cuts_only_at_words() {
        let about = "   17:13 · seed 4 · lyria-002 · t 0.5";
        assert_eq!(fit_parts(about, 24), "   17:13 · seed 4…");
        let about = "   12:00 · “City lights are calling”";
        assert_eq!(fit_parts(about, 24), "   12:00 · “City lights…");
        assert_eq!(
            fit_parts("○ #1 rock · simulated", 40),
            "○ #1 rock · simulated"
        );
    }
}

//! A take of the library in full: its waveform and levels, what made it
//! (track and settings), its words and its files; and two takes compared,
//! their settings side by side with the differences marked and their
//! waveforms one above the other.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::audio::{format_duration, format_level};
use crate::domain::model::{Model, TrackConfig};
use crate::generate::Mode;
use crate::library::{Take, TakeId, TakeState, TakeSummary, format_time};
use crate::text::{pad, truncate_words};
use crate::tui::state::AppState;
use crate::tui::state::library::{Loaded, Sound};
use crate::tui::state::log::LogEntry;
use crate::tui::theme::Theme;
use crate::tui::ui::ScrollView;
use crate::tui::ui::details::{block, labelled, path_lines, section};
use crate::tui::ui::popup::centered;
use crate::tui::ui::waveform::braille;

/// Rows of braille for a take's waveform: 4 dots each, so 16 levels.
pub(super) const WAVE_ROWS: usize = 4;
/// Rows for each of the two waveforms in the compare view.
const COMPARE_WAVE_ROWS: usize = 3;

pub fn render_take(frame: &mut Frame, area: Rect, id: &TakeId, scroll: u16, state: &AppState) {
    let view = take_view(area, id, state);
    let title = if view.max_scroll > 0 {
        format!(" Take {id} · ↑↓ scroll · Esc close ")
    } else {
        format!(" Take {id} · Esc close ")
    };
    view.render(frame, title, scroll, state.theme);
}

pub fn render_compare(
    frame: &mut Frame,
    area: Rect,
    ids: (&TakeId, &TakeId),
    scroll: u16,
    state: &AppState,
) {
    let view = compare_view(area, ids, state);
    let title = if view.max_scroll > 0 {
        " Compare · ↑↓ scroll · Esc close ".to_string()
    } else {
        " Compare · Esc close ".to_string()
    };
    view.render(frame, title, scroll, state.theme);
}

/// As tall as the text, at most the screen less a line above and below.
fn fit(area: Rect, lines: Vec<Line<'static>>) -> ScrollView {
    let width = popup_width(area);
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    ScrollView::new(centered(area, width, height), lines)
}

fn popup_width(area: Rect) -> u16 {
    (area.width * 9 / 10).max(76).min(area.width)
}

fn summary<'a>(state: &'a AppState, id: &TakeId) -> Option<&'a TakeSummary> {
    state
        .library
        .get(id)
        .or_else(|| state.library.take(id).map(|t| &t.summary))
}

pub(super) fn take_view(area: Rect, id: &TakeId, state: &AppState) -> ScrollView {
    let theme = state.theme;
    let width = popup_width(area).saturating_sub(2) as usize;
    let mut lines = Vec::new();
    let Some(s) = summary(state, id) else {
        lines.push(Line::styled("This take is no longer listed.", theme.dim()));
        return fit(area, lines);
    };
    lines.extend(sound_lines(state, s, width, WAVE_ROWS));
    let mut field = |label: &str, value: String, style: Style| {
        lines.extend(labelled(label, &value, width, style, theme));
    };
    field("State", s.state.to_string(), state_style(&s.state, theme));
    if let Some(p) = state.library.playing.as_ref().filter(|p| p.id == *id) {
        let elapsed = state.clock.saturating_sub(p.since);
        let text = format!(
            "playing with {} · {}",
            p.player,
            format_duration(elapsed.as_secs_f64())
        );
        field("Player", text, theme.running());
    }
    let take = match state.library.loaded(id) {
        Some(Loaded::Ready(t)) => Some(t.as_ref()),
        Some(Loaded::Failed(e)) => {
            field("Error", e.clone(), theme.error());
            None
        }
        Some(Loaded::Reading) | None => None,
    };
    let made = Made::of_take(s, take);
    for (label, value) in made.rows() {
        field(label, value, Style::new());
    }
    if let Some(t) = take.and_then(|t| t.result.timings.as_ref()) {
        let took = std::time::Duration::from_millis(t.total_ms);
        field("Elapsed", super::log::elapsed(took), Style::new());
    }
    let Some(take) = take else {
        if matches!(state.library.loaded(id), Some(Loaded::Reading) | None) {
            lines.push(Line::styled("  reading the take…", theme.dim()));
        }
        return fit(area, lines);
    };
    if let Some(track) = &made.track {
        lyrics_section(&mut lines, &track.text_input, width, theme);
    }
    if !take.result.message.trim().is_empty() {
        section(&mut lines, "Message", theme);
        lines.extend(block(&take.result.message, width, Style::new()));
    }
    if !take.files.is_empty() {
        section(&mut lines, "Files", theme);
        for f in &take.files {
            match &f.found {
                Some(p) if !f.changed => {
                    lines.extend(path_lines(&state.paths.show(p), width, theme.label()))
                }
                found if f.changed => {
                    let shown = found.as_ref().unwrap_or(&f.recorded.path);
                    lines.extend(path_lines(&state.paths.show(shown), width, theme.warning()));
                    lines.push(Line::styled(
                        "    changed or damaged: not what was recorded",
                        theme.warning(),
                    ));
                }
                _ => {
                    lines.extend(path_lines(
                        &state.paths.show(&f.recorded.path),
                        width,
                        theme.warning(),
                    ));
                    lines.push(Line::styled("    gone from the disk", theme.warning()));
                }
            }
            let about = format!(
                "    {} · {}",
                f.recorded.mime_type,
                crate::text::bytes(f.recorded.size_bytes)
            );
            lines.push(Line::styled(about, theme.dim()));
        }
    }
    section(&mut lines, "Metadata", theme);
    lines.extend(path_lines(
        &state.paths.show(&s.metadata_path),
        width,
        theme.label(),
    ));
    returned_section(&mut lines, take.result.text.as_deref(), width, theme);
    fit(area, lines)
}

/// The words a generation was asked to use, or that there were none.
pub(super) fn lyrics_section(
    lines: &mut Vec<Line<'static>>,
    text: &str,
    width: usize,
    theme: Theme,
) {
    section(lines, "Lyrics", theme);
    if text.trim().is_empty() {
        lines.push(Line::styled("  none", theme.dim()));
    } else {
        lines.extend(block(text, width, Style::new()));
    }
}

/// The text a model returned with the audio (Lyria 3: the lyrics it sang).
pub(super) fn returned_section(
    lines: &mut Vec<Line<'static>>,
    text: Option<&str>,
    width: usize,
    theme: Theme,
) {
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        section(lines, "Text returned by the model", theme);
        lines.extend(block(text, width, Style::new()));
    }
}

/// The waveform and levels, or why there are none.
pub(super) fn sound_lines(
    state: &AppState,
    s: &TakeSummary,
    width: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let theme = state.theme;
    let note = |text: &str, style: Style| vec![Line::styled(format!("  {text}"), style)];
    match (&s.state, state.library.sound(&s.id)) {
        (_, Some(Sound::Ready(a))) => {
            let mut lines = braille(&a.waveform, width, rows, theme.running());
            lines.push(Line::styled(a.info.describe(), theme.dim()));
            lines
        }
        (_, Some(Sound::Failed(e))) => note(&format!("no waveform: {e}"), theme.error()),
        (_, Some(Sound::Reading)) => note("reading the audio…", theme.dim()),
        (TakeState::Simulated, None) => note("simulated: no audio", theme.dim()),
        (TakeState::Missing { .. }, None) => {
            note("the audio is gone from the disk", theme.warning())
        }
        (TakeState::Changed { .. }, None) => note(
            "the audio no longer matches what was recorded (changed or damaged)",
            theme.warning(),
        ),
        (TakeState::Unreadable { reason }, None) => note(reason, theme.error()),
        (TakeState::Ready | TakeState::NotUploaded, None) => {
            note("reading the audio…", theme.dim())
        }
    }
}

fn state_style(state: &TakeState, theme: Theme) -> Style {
    match state {
        TakeState::Ready => theme.success(),
        TakeState::Simulated => Style::new(),
        TakeState::Missing { .. } | TakeState::Changed { .. } => theme.warning(),
        TakeState::Unreadable { .. } => theme.error(),
        TakeState::NotUploaded => theme.warning(),
    }
}

/// What made a generation, as a details view lists it: read from a take
/// on disk, or known from this session's log (the track it was asked
/// with), so both views show the same rows.
pub(super) struct Made {
    pub time: Option<i64>,
    pub preset: Option<String>,
    pub genre: String,
    pub model: Option<Model>,
    pub mode: Option<Mode>,
    pub seed: Option<u64>,
    pub temperature: Option<f64>,
    /// The length measured in the audio.
    pub measured: Option<f64>,
    pub track: Option<TrackConfig>,
    pub location: Option<String>,
    pub samples: Option<i64>,
    pub cost: Option<String>,
    /// Its file could not be read: an unknown seed is not a random one.
    pub unreadable: bool,
}

impl Made {
    /// A take of the library; the rows past its summary once it is read.
    pub(super) fn of_take(s: &TakeSummary, take: Option<&Take>) -> Made {
        let track = take.and_then(|t| t.track().ok());
        let settings = take.and_then(|t| t.result.settings.as_ref());
        let samples = settings.map(|s| s.sample_count);
        Made {
            time: Some(s.time),
            preset: s.preset.clone(),
            genre: s.genre.clone(),
            model: s.model,
            mode: s.mode,
            seed: s.seed,
            temperature: s.temperature,
            measured: s.duration_seconds,
            location: settings.map(|s| s.location.clone()),
            cost: track.as_ref().map(|_| cost_text(s, samples.unwrap_or(1))),
            samples,
            track,
            unreadable: matches!(s.state, TakeState::Unreadable { .. }),
        }
    }

    /// A generation of this session: the track and settings it was sent
    /// with, and what its take (once written) measured.
    pub(super) fn of_entry(entry: &LogEntry, take: Option<&TakeSummary>) -> Made {
        let track = entry.about.track.as_ref().clone();
        let samples = track.sample_count.unwrap_or(1);
        Made {
            time: take.map(|t| t.time),
            preset: entry.about.preset.clone(),
            genre: entry.about.genre.clone(),
            model: Some(entry.target.model),
            mode: Some(entry.target.mode),
            seed: entry.about.seed,
            temperature: Some(entry.about.temperature),
            measured: take.and_then(|t| t.duration_seconds),
            location: Some(entry.target.location.clone()),
            samples: Some(samples),
            cost: take.map(|t| cost_text(t, samples)),
            track: Some(track),
            unreadable: false,
        }
    }

    /// Label by label; the same rows, in the same order, for a take, a
    /// generation of this session and each side of the compare view.
    pub(super) fn rows(&self) -> Vec<(&'static str, String)> {
        let dash = || "–".to_string();
        let mut rows = Vec::new();
        if let Some(time) = self.time {
            rows.push(("Made", format!("{} UTC", format_time(time))));
        }
        let seed = match self.seed {
            Some(v) => v.to_string(),
            None if self.unreadable => dash(),
            None => "random".to_string(),
        };
        rows.extend([
            ("Preset", self.preset.clone().unwrap_or_else(dash)),
            ("Genre", self.genre.clone()),
            ("Model", self.model.map_or_else(dash, |m| m.to_string())),
            ("Mode", self.mode.map_or_else(dash, |m| m.to_string())),
            ("Seed", seed),
            (
                "Temp.",
                self.temperature.map_or_else(dash, |t| t.to_string()),
            ),
            (
                "Length",
                self.measured
                    .map_or_else(dash, |d| format!("{} measured", format_duration(d))),
            ),
        ]);
        let Some(track) = &self.track else {
            return rows;
        };
        let st = &track.structure;
        rows.extend([
            ("Asked", format!("{} s", track.duration_seconds)),
            (
                "Structure",
                format!(
                    "intro {} · {} verses · {} choruses · bridge {} · outro {}",
                    yes_no(st.intro),
                    st.verse_count,
                    st.chorus_count,
                    yes_no(st.bridge),
                    yes_no(st.outro)
                ),
            ),
            (
                "Styles",
                if track.style_references.is_empty() {
                    dash()
                } else {
                    track
                        .style_references
                        .iter()
                        .map(|r| format!("{}: {}", r.kind, r.value))
                        .collect::<Vec<_>>()
                        .join("; ")
                },
            ),
            ("Avoid", track.negative_prompt.clone().unwrap_or_else(dash)),
            ("Location", self.location.clone().unwrap_or_else(dash)),
            ("Samples", self.samples.map_or_else(dash, |n| n.to_string())),
        ]);
        if let Some(cost) = &self.cost {
            rows.push(("Cost", cost.clone()));
        }
        rows
    }
}

fn settings_rows(s: &TakeSummary, take: Option<&Take>) -> Vec<(&'static str, String)> {
    Made::of_take(s, take).rows()
}

/// What the take cost in gcp mode; for a simulated one, what gcp mode
/// would have cost — the figure the prompt pane showed before it ran (the
/// file keeps the Python tool's simulated estimate, which is another).
fn cost_text(s: &TakeSummary, samples: i64) -> String {
    match (s.mode, s.model) {
        (Some(Mode::Simulate), Some(model)) => format!(
            "none (gcp: ~${:.4})",
            crate::domain::cost::vertex(model, samples).estimated_total_usd
        ),
        (Some(Mode::Simulate), None) => "none".to_string(),
        _ => format!("${:.4}", s.cost_usd),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The levels of a take, for the compare table.
fn level_rows(state: &AppState, id: &TakeId) -> Vec<(&'static str, String)> {
    match state.library.sound(id) {
        Some(Sound::Ready(a)) => vec![
            ("Peak", format!("{} dBFS", format_level(a.info.peak_dbfs))),
            ("RMS", format!("{} dBFS", format_level(a.info.rms_dbfs))),
        ],
        _ => vec![("Peak", "–".to_string()), ("RMS", "–".to_string())],
    }
}

pub(super) fn compare_view(area: Rect, (a, b): (&TakeId, &TakeId), state: &AppState) -> ScrollView {
    let theme = state.theme;
    let width = popup_width(area).saturating_sub(2) as usize;
    let mut lines = Vec::new();
    let (Some(sa), Some(sb)) = (summary(state, a), summary(state, b)) else {
        lines.push(Line::styled(
            "A compared take is no longer listed.",
            theme.dim(),
        ));
        return fit(area, lines);
    };
    let ta = state.library.take(a).map(|t| t.as_ref());
    let tb = state.library.take(b).map(|t| t.as_ref());
    let mut left = settings_rows(sa, ta);
    let mut right = settings_rows(sb, tb);
    left.extend(level_rows(state, a));
    right.extend(level_rows(state, b));
    let lyrics = |t: Option<&Take>, s: &TakeSummary| {
        t.map_or_else(
            || s.lyrics.clone(),
            |t| {
                t.track()
                    .map_or_else(|_| s.lyrics.clone(), |tr| one_line(&tr.text_input))
            },
        )
    };
    left.push(("Lyrics", lyrics(ta, sa)));
    right.push(("Lyrics", lyrics(tb, sb)));
    // Label, then two columns of equal width.
    let label_w = 11;
    let col = width.saturating_sub(label_w + 3) / 2;
    let header = format!(
        "{}A {} │ B {}",
        pad("", label_w),
        pad(
            &truncate_words(a.as_str(), col.saturating_sub(2)),
            col.saturating_sub(2)
        ),
        truncate_words(b.as_str(), col.saturating_sub(2)),
    );
    lines.push(Line::styled(
        header,
        theme.title(false).add_modifier(Modifier::BOLD),
    ));
    let differs = theme.warning().add_modifier(Modifier::BOLD);
    let mut differences = 0;
    for ((label, va), (_, vb)) in left.iter().zip(&right) {
        let same = va == vb;
        differences += usize::from(!same);
        let style = if same { Style::new() } else { differs };
        let mark = if same { " " } else { "≠" };
        // A row that differs is shown whole, wrapped: the difference may
        // be at its end ("… · outro no").
        let (wa, wb) = if same {
            (vec![truncate_words(va, col)], vec![truncate_words(vb, col)])
        } else {
            (
                crate::text::wrap_words(va, col),
                crate::text::wrap_words(vb, col),
            )
        };
        for i in 0..wa.len().max(wb.len()).max(1) {
            let label = if i == 0 {
                format!("{mark}{}", pad(label, label_w - 1))
            } else {
                pad("", label_w)
            };
            lines.push(Line::from(vec![
                Span::styled(label, theme.label()),
                Span::styled(pad(wa.get(i).map_or("", String::as_str), col), style),
                Span::styled(" │ ", theme.dim()),
                Span::styled(wb.get(i).cloned().unwrap_or_default(), style),
            ]));
        }
    }
    let summary_line = match differences {
        0 => "Same settings; only the generation differs.".to_string(),
        1 => "1 difference, marked ≠".to_string(),
        n => format!("{n} differences, marked ≠"),
    };
    lines.push(Line::styled(summary_line, theme.dim()));
    for (name, s) in [("A", sa), ("B", sb)] {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!("{name} {}", s.id),
            theme.title(false).add_modifier(Modifier::UNDERLINED),
        ));
        lines.extend(sound_lines(state, s, width, COMPARE_WAVE_ROWS));
    }
    fit(area, lines)
}

/// Lyrics on one line, for a table cell.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

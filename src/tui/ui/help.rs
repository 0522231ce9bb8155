//! The `?` help, generated from the keymap tables.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use strum::VariantArray;

use crate::tui::keymap::{self, Binding, Context};
use crate::tui::state::AppState;
use crate::tui::state::popup::Popup;
use crate::tui::theme::Theme;
use crate::tui::ui::ScrollView;
use crate::tui::ui::popup::centered;

const KEY_WIDTH: usize = 18;

pub fn render(frame: &mut Frame, area: Rect, scroll: u16, state: &AppState) {
    let view = view(area, state);
    let title = match search(state) {
        Some((query, typing)) if typing || !query.is_empty() => {
            let cursor = if typing { "▏" } else { "" };
            format!(" Help · search: {query}{cursor} · Enter keep · Esc clear ")
        }
        _ => " Help · / search · ↑↓ PgUp/PgDn scroll · Esc close ".to_string(),
    };
    view.render(frame, title, scroll, state.theme);
}

/// The help's search text and whether it is being typed.
fn search(state: &AppState) -> Option<(&str, bool)> {
    match state.popups.last() {
        Some(Popup::Help { search, typing, .. }) => Some((search.text(), *typing)),
        _ => None,
    }
}

pub(super) fn view(area: Rect, state: &AppState) -> ScrollView {
    let lines = help_lines(state);
    let lines = match search(state) {
        Some((query, _)) if !query.trim().is_empty() => matching(lines, query.trim(), state.theme),
        _ => lines,
    };
    let rect = centered(
        area,
        (area.width * 8 / 10).max(76),
        area.height.saturating_sub(2),
    );
    ScrollView::new(rect, lines)
}

/// The entries that contain `query` (ignoring ASCII case), under their
/// section titles, with the match highlighted.
fn matching(lines: Vec<Line<'static>>, query: &str, theme: Theme) -> Vec<Line<'static>> {
    let needle = query.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut title: Option<Line<'static>> = None;
    // A section whose title matches is shown whole.
    let mut whole_section = false;
    for line in lines {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        if !text.starts_with("  ") {
            // A section title (or the intro, or a blank between sections).
            whole_section = !text.is_empty() && text.to_ascii_lowercase().contains(&needle);
            title = (!text.is_empty()).then(|| highlight(line, &needle, theme));
            continue;
        }
        if !whole_section && !text.to_ascii_lowercase().contains(&needle) {
            continue;
        }
        if let Some(t) = title.take() {
            if !out.is_empty() {
                out.push(Line::from(""));
            }
            out.push(t);
        }
        out.push(highlight(line, &needle, theme));
    }
    if out.is_empty() {
        out.push(Line::styled(
            format!("Nothing in the help matches \"{query}\"."),
            theme.dim(),
        ));
    }
    out
}

fn highlight(line: Line<'static>, needle: &str, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for span in line.spans {
        let text = span.content.to_string();
        let lower = text.to_ascii_lowercase();
        let mut at = 0;
        // ASCII lower-casing keeps byte offsets, so they index `text` too.
        while let Some(found) = lower[at..].find(needle) {
            let start = at + found;
            let end = start + needle.len();
            if start > at {
                spans.push(Span::styled(text[at..start].to_string(), span.style));
            }
            spans.push(Span::styled(
                text[start..end].to_string(),
                span.style.patch(theme.selected(true)),
            ));
            at = end;
        }
        if at < text.len() {
            spans.push(Span::styled(text[at..].to_string(), span.style));
        }
    }
    Line::from(spans)
}

fn help_lines(state: &AppState) -> Vec<Line<'static>> {
    let theme = state.theme;
    let mut lines = vec![
        // Short enough for a 60-column tmux split.
        Line::from("Fill in the track, check the prompt, press g to generate."),
        Line::from(""),
    ];
    // The keys of the pane the help was asked from come first.
    let here = state.pane_context();
    let title = format!("Here: {}", here.title());
    section(&mut lines, &title, keymap::bindings(here), theme);
    for (keys, desc) in keymap::typing_notes(here) {
        lines.push(entry(keys, desc, theme));
    }
    lines.push(Line::from(""));
    section(&mut lines, "Everywhere", keymap::always_bindings(), theme);
    lines.push(Line::from(""));
    section(
        &mut lines,
        "In every pane",
        keymap::global_bindings(),
        theme,
    );
    lines.push(Line::from(""));
    for ctx in Context::VARIANTS.iter().copied().filter(|c| *c != here) {
        section(&mut lines, ctx.title(), keymap::bindings(ctx), theme);
        for (keys, desc) in keymap::typing_notes(ctx) {
            lines.push(entry(keys, desc, theme));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::styled(
        "Files",
        theme.title(false).add_modifier(Modifier::UNDERLINED),
    ));
    for (label, path) in [
        ("log file", &state.paths.log_path),
        ("presets", &state.paths.presets_dir),
        ("output", &state.paths.output_dir),
        ("drafts", &state.paths.drafts_dir),
        ("config file", &state.paths.config_file),
    ] {
        lines.push(entry(label, &state.paths.show(path), theme));
    }
    lines
}

fn section(lines: &mut Vec<Line<'static>>, title: &str, bindings: &[Binding], theme: Theme) {
    lines.push(Line::styled(
        title.to_string(),
        theme.title(false).add_modifier(Modifier::UNDERLINED),
    ));
    for b in bindings {
        lines.push(entry(&b.label(), b.desc, theme));
    }
}

fn entry(keys: &str, desc: &str, theme: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {keys:<KEY_WIDTH$}"), theme.key()),
        Span::raw(desc.to_string()),
    ])
}

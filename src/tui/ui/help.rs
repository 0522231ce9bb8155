//! The `?` help, generated from the keymap tables.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use strum::VariantArray;

use crate::tui::keymap::{self, Binding, Context};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::ui::popup::centered;
use crate::tui::ui::{ScrollView, pane};

const KEY_WIDTH: usize = 18;

pub fn render(frame: &mut Frame, area: Rect, scroll: u16, state: &AppState) {
    let ScrollView {
        rect,
        lines,
        max_scroll,
    } = view(area, state);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(pane(
                " Help · ↑↓ PgUp/PgDn scroll · Esc close ",
                true,
                state.theme,
            ))
            .scroll((scroll.min(max_scroll), 0)),
        rect,
    );
}

pub(super) fn view(area: Rect, state: &AppState) -> ScrollView {
    let lines = help_lines(state);
    let rect = centered(
        area,
        (area.width * 8 / 10).max(76),
        area.height.saturating_sub(2),
    );
    let inner_height = rect.height.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(inner_height) as u16;
    ScrollView {
        rect,
        lines,
        max_scroll,
    }
}

fn help_lines(state: &AppState) -> Vec<Line<'static>> {
    let theme = state.theme;
    let mut lines = vec![
        Line::from("Compose a track in the form, watch the prompt, press g to generate."),
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
    ] {
        lines.push(entry(label, &path.display().to_string(), theme));
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

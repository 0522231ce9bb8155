//! The footer: the latest notice, or else the keys that work where the
//! focus is, from the keymap. Only whole items are shown (one that does not
//! fit is skipped for the next), each by its first
//! key, and "? help" stays at the right edge; the help lists every key.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::action::Action;
use crate::tui::keymap::{self, Binding, Context};
use crate::tui::state::{AppState, NoticeKind};
use crate::tui::theme::Theme;
use crate::tui::ui::truncate_words;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    if let Some(notice) = &state.notice {
        let style = match notice.kind {
            NoticeKind::Info => theme.success(),
            NoticeKind::Error => theme.error(),
        };
        let text = truncate_words(&format!(" {}", notice.text), area.width as usize);
        frame.render_widget(Paragraph::new(Line::styled(text, style)), area);
        return;
    }
    let ctx = state.context();
    let own = keymap::bindings(ctx);
    let globals: &[Binding] = if ctx.has_globals() {
        keymap::global_bindings()
    } else {
        &[]
    };
    // `?` in the panes; F1 where `?` would be typed. Other popups close
    // with Esc, and F1 works there too (the help says so).
    let help = if ctx.has_globals() {
        globals.iter().find(|b| b.action == Action::Help)
    } else if ctx.is_typing() && ctx != Context::HelpSearch {
        keymap::always_bindings()
            .iter()
            .find(|b| b.action == Action::Help)
    } else {
        None
    };
    let mut items: Vec<(String, &str)> = Vec::new();
    if own.iter().any(|b| b.action == Action::Up) {
        items.push(("↑↓".to_string(), "move"));
    }
    for b in own.iter().chain(globals) {
        // Cancelling is offered while something runs; the room goes to
        // the keys on a take the rest of the time.
        if b.action == Action::CancelGeneration && !state.log.any_active() {
            continue;
        }
        // Paging, pane numbers and sorting are in the help; the footer
        // keeps room for what the pane does.
        if !matches!(
            b.action,
            Action::Up
                | Action::Down
                | Action::Help
                | Action::PageUp
                | Action::PageDown
                | Action::First
                | Action::Last
                | Action::FocusPane(_)
                | Action::Sort
        ) {
            items.push((b.keys[0].label(), b.desc));
        }
    }
    let help_item = help.map(|b| item(&b.keys[0].label(), b.desc, theme));
    let help_width = help_item.as_ref().map_or(0, |s| spans_width(s)) as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(help_width)]).areas(area);
    let mut spans = Vec::new();
    let mut used = 0;
    for (keys, desc) in items {
        let next = item(&keys, desc, theme);
        let w = spans_width(&next);
        // A long item that does not fit leaves room for shorter ones
        // after it (`g generate` matters more than a long description).
        if used + w > left.width as usize {
            continue;
        }
        used += w;
        spans.extend(next);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    if let Some(help) = help_item {
        frame.render_widget(Paragraph::new(Line::from(help)), right);
    }
}

fn item(keys: &str, desc: &str, theme: Theme) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!(" {keys}"), theme.key()),
        Span::raw(format!(" {desc} ")),
    ]
}

fn spans_width(spans: &[Span]) -> usize {
    spans.iter().map(Span::width).sum()
}

//! The tab bar of the one-pane layout: each pane by its number, the one
//! shown by its name as well when all names do not fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::state::{AppState, Focus};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let item = |i: usize, f: Focus, named: bool| {
        let text = if named {
            format!(" {} {} ", i + 1, f.name())
        } else {
            format!(" {} ", i + 1)
        };
        if f == state.focus {
            Span::styled(text, theme.selected(true))
        } else {
            Span::styled(text, theme.dim())
        }
    };
    let full: Vec<Span> = Focus::ORDER
        .iter()
        .enumerate()
        .map(|(i, f)| item(i, *f, true))
        .collect();
    let width: usize = full.iter().map(Span::width).sum();
    let spans = if width <= area.width as usize {
        full
    } else {
        Focus::ORDER
            .iter()
            .enumerate()
            .map(|(i, f)| item(i, *f, *f == state.focus))
            .collect()
    };
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

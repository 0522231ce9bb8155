//! The status bar: mode, project, location and model, always.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::state::AppState;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let key = &state.settings.key;
    let project = key.project.as_deref().unwrap_or("–");
    let running = state.log.active_count();
    let mut spans = vec![
        Span::styled(" music-gen ", theme.bar().add_modifier(Modifier::BOLD)),
        Span::raw(format!(
            " {} · project {project} · {} · {}",
            key.mode, key.location, state.settings.model
        )),
    ];
    if running > 0 {
        spans.push(Span::styled(
            format!(" · {running} running"),
            theme.running(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

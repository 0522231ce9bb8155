//! The exact prompt the form would send, and what it would cost.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::cost;
use crate::domain::prompt::build_prompt;
use crate::generate::Mode;
use crate::text;
use crate::tui::state::{AppState, Focus};
use crate::tui::ui::{focused, pane};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let track = state.form.track();
    let estimate = match state.settings.key.mode {
        Mode::Simulate => cost::simulate(track.duration_seconds),
        Mode::Gcp => cost::vertex(state.model(), track.sample_count.unwrap_or(1)),
    };
    let title = Line::from(vec![
        Span::raw(" Prompt · est. "),
        Span::styled(estimate.total_display(), theme.success()),
        Span::raw(" "),
    ]);
    let prompt = build_prompt(track);
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = text::wrap_lines(&prompt, width)
        .into_iter()
        .map(Line::from)
        .collect();
    let scroll = state
        .prompt_scroll
        .min(lines.len().saturating_sub(1) as u16);
    frame.render_widget(
        Paragraph::new(lines)
            .block(pane(title, focused(state, Focus::Prompt), theme))
            .scroll((scroll, 0)),
        area,
    );
}

//! The exact prompt the form would send, and what it would cost. It scrolls
//! in the rows it wraps to, so every line can be reached at any width.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

use crate::domain::cost;
use crate::domain::prompt::build_prompt;
use crate::text;
use crate::tui::action::Action;
use crate::tui::keymap::{self, Context};
use crate::tui::state::{AppState, Focus};
use crate::tui::ui::title::Title;
use crate::tui::ui::{focused, pane};

/// The prompt wrapped to the pane's inner width by display width, so wide
/// characters (CJK, emoji) never spill over the border.
fn paragraph(state: &AppState, area: Rect) -> Paragraph<'static> {
    let prompt = build_prompt(state.form.track());
    let width = usize::from(area.inner(Margin::new(1, 1)).width);
    let lines: Vec<Line> = text::wrap_lines(&prompt, width)
        .into_iter()
        .map(Line::from)
        .collect();
    Paragraph::new(lines)
}

/// The wrapped rows, the rows shown and the furthest scroll in `area`.
fn measure(area: Rect, paragraph: &Paragraph) -> (u16, u16, u16) {
    let inner = area.inner(Margin::new(1, 1));
    let rows = paragraph.line_count(inner.width) as u16;
    let shown = inner.height.max(1);
    (rows, shown, rows.saturating_sub(shown))
}

/// How far the prompt scrolls in `area`, and a page of it.
pub fn limits(area: Rect, state: &AppState) -> (u16, u16) {
    let (_, shown, max) = measure(area, &paragraph(state, area));
    (max, shown)
}

/// How to scroll the prompt, long and short, with the keys the keymap
/// gives: ` · 4 then ↑↓ scroll` from another pane, ` · ↑↓ scroll` in it.
fn scroll_hint(is_focused: bool) -> Option<(String, String)> {
    let up = keymap::first_key(Context::Prompt, &Action::Up)?;
    let down = keymap::first_key(Context::Prompt, &Action::Down)?;
    if is_focused {
        return Some((format!(" · {up}{down} scroll"), format!(" · {up}{down}")));
    }
    let n = Focus::ORDER.iter().position(|f| *f == Focus::Prompt)? + 1;
    let focus = keymap::first_key(Context::Presets, &Action::FocusPane(n as u8))?;
    Some((
        format!(" · {focus} then {up}{down} scroll"),
        format!(" · {focus} {up}{down}"),
    ))
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let track = state.form.track();
    // What the chosen model would cost in gcp mode, in simulate mode too:
    // that is what the user is deciding on.
    let estimate = cost::vertex(state.model(), track.sample_count.unwrap_or(1));
    let text = paragraph(state, area);
    let (rows, shown, max) = measure(area, &text);
    let scroll = state.prompt_scroll.min(max);
    let title = Title::new()
        .keep("Prompt", Style::new())
        .shorten(" · est.", " ~", Style::new())
        .keep(format!(" {}", estimate.total_display()), theme.success());
    let is_focused = focused(state, Focus::Prompt);
    let mut block = pane(title.line(area.width as usize), is_focused, theme);
    if max > 0 {
        // Which of the prompt's lines are shown, and how to see the rest.
        let lines = format!(
            "lines {}–{} of {rows}",
            scroll + 1,
            (scroll + shown).min(rows)
        );
        let position = Title::new().keep(lines.clone(), theme.dim());
        let width = area.width as usize;
        let hint = scroll_hint(is_focused)
            .map(|(long, short)| {
                position
                    .clone()
                    .shorten(long, short, theme.dim())
                    .line(width)
            })
            .filter(|l| l.width() + 2 <= width);
        block = block.title_bottom(hint.unwrap_or_else(|| position.line(width)));
    }
    frame.render_widget(text.block(block).scroll((scroll, 0)), area);
    if max > 0 {
        let mut bar = ScrollbarState::new(max as usize + 1).position(scroll as usize);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None)
                .style(theme.dim()),
            area.inner(Margin::new(0, 1)),
            &mut bar,
        );
    }
}

//! Rendering: pure functions of the state. Nothing here changes the state
//! or touches the terminal beyond the frame it is given.

mod details;
mod footer;
mod form;
mod help;
mod log;
mod popup;
mod presets;
mod prompt;
mod status;
mod title;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

// Widths in terminal columns, shared with the CLI's tables.
use crate::text::{truncate, wrap_words};
use crate::tui::state::popup::Popup;
use crate::tui::state::{AppState, Focus};
use crate::tui::theme::Theme;

/// The smallest size the full layout is drawn at.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn render(frame: &mut Frame, state: &AppState) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [status_area, body, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    status::render(frame, status_area, state);
    footer::render(frame, footer_area, state);

    let left_width = (area.width * 3 / 10).clamp(26, 40);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(0)]).areas(body);
    // The list takes what its presets need, the details the rest.
    let filter_line =
        u16::from(state.presets.filtering || !state.presets.filter().text().is_empty());
    let wanted = state.presets.visible().len() as u16 + 2 + filter_line;
    let list_height = wanted.clamp(6, body.height.saturating_sub(8));
    let [list_area, details_area] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(0)]).areas(left);
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(58), Constraint::Min(0)]).areas(right);
    let [form_area, lyrics_area] =
        Layout::horizontal([Constraint::Percentage(52), Constraint::Min(0)]).areas(top);
    let [prompt_area, log_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Min(0)]).areas(bottom);

    presets::render_list(frame, list_area, state);
    presets::render_details(frame, details_area, state);
    form::render_fields(frame, form_area, state);
    form::render_lyrics(frame, lyrics_area, state);
    prompt::render(frame, prompt_area, state);
    log::render(frame, log_area, state);
    for p in &state.popups {
        popup::render(frame, area, p, state);
    }
}

/// How far the topmost popup can scroll when drawn in `area`, if it scrolls.
pub fn popup_scroll_limit(state: &AppState, area: Rect) -> Option<u16> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    match state.popups.last()? {
        Popup::Help { .. } => Some(help::view(area, state).max_scroll),
        Popup::Details { id, .. } => Some(details::view(area, *id, state).max_scroll),
        _ => None,
    }
}

/// Below 80×24 the panes would be unreadable; this says so at any size,
/// down to 1×1.
fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "Terminal too small: {}×{}. music-gen needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
        area.width, area.height
    );
    let lines = vec![
        Line::from(text),
        Line::from("Enlarge the window, or press Ctrl-C to quit."),
    ];
    let height = (lines.len() as u16 * 2).min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    let centered = Rect::new(area.x, y, area.width, area.height - (y - area.y));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).centered().wrap(Wrap { trim: true }),
        centered,
    );
}

/// A scrolling popup laid out in a screen area: where it goes, its lines,
/// and how far it can scroll.
struct ScrollView {
    rect: Rect,
    lines: Vec<Line<'static>>,
    max_scroll: u16,
}

/// A pane's frame: bold and coloured when focused.
fn pane<'a>(title: impl Into<Line<'a>>, focused: bool, theme: Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(focused))
        .title(title.into().style(theme.title(focused)))
}

fn focused(state: &AppState, focus: Focus) -> bool {
    state.popups.is_empty() && state.focus == focus
}

/// The first line index to show so that `selected` (spanning `len` lines)
/// is inside a window of `height` lines.
fn scroll_to(selected_start: usize, selected_len: usize, height: usize) -> usize {
    // Show the whole item when it fits, else its first line: that is where
    // an item says what it is.
    (selected_start + selected_len)
        .saturating_sub(height)
        .min(selected_start)
}

/// `text` under a row, indented by two and wrapped at spaces (a word
/// longer than the line is cut).
fn wrap_indented(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap_words(text, width.saturating_sub(2))
        .into_iter()
        .map(|l| Line::styled(format!("  {l}"), style))
        .collect()
}

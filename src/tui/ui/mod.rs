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
mod tabs;
mod take;
mod title;
mod variations;
pub mod waveform;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

// Widths in terminal columns, shared with the CLI's tables.
// Cut at a word's end (`truncate` only for names told apart in a list).
use crate::text::{truncate, truncate_words, wrap_words};
use crate::tui::state::popup::Popup;
use crate::tui::state::{AppState, Focus, ViewLimits};
use crate::tui::theme::Theme;

/// The smallest size the full layout is drawn at; below it, one pane at a
/// time with a tab bar.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// The smallest size anything is drawn at.
pub const COMPACT_MIN_WIDTH: u16 = 40;
pub const COMPACT_MIN_HEIGHT: u16 = 12;

/// Where each pane goes; `None` for a pane not shown (compact or zoomed,
/// only the focused pane is).
#[derive(Debug, Default, Clone, Copy)]
pub struct Panes {
    pub status: Rect,
    pub tabs: Option<Rect>,
    pub footer: Rect,
    pub presets: Option<Rect>,
    pub details: Option<Rect>,
    pub form: Option<Rect>,
    pub lyrics: Option<Rect>,
    pub prompt: Option<Rect>,
    pub log: Option<Rect>,
}

/// Whether the screen shows one pane at a time.
pub fn single_pane(state: &AppState, area: Rect) -> bool {
    state.zoom || area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

fn fits(area: Rect) -> bool {
    area.width >= COMPACT_MIN_WIDTH && area.height >= COMPACT_MIN_HEIGHT
}

pub fn layout(state: &AppState, area: Rect) -> Panes {
    let [status, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut panes = Panes {
        status,
        footer,
        ..Panes::default()
    };
    if single_pane(state, area) {
        let [tabs, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
        panes.tabs = Some(tabs);
        let slot = match state.focus {
            Focus::Presets => &mut panes.presets,
            Focus::Form => &mut panes.form,
            Focus::Lyrics => &mut panes.lyrics,
            Focus::Prompt => &mut panes.prompt,
            Focus::Log => &mut panes.log,
        };
        *slot = Some(body);
        return panes;
    }
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
    // The pane being typed in gets the wider half.
    let form_share = if state.form.is_editing_lyrics() {
        40
    } else {
        52
    };
    let [form_area, lyrics_area] =
        Layout::horizontal([Constraint::Percentage(form_share), Constraint::Min(0)]).areas(top);
    let [prompt_area, log_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Min(0)]).areas(bottom);
    panes.presets = Some(list_area);
    panes.details = Some(details_area);
    panes.form = Some(form_area);
    panes.lyrics = Some(lyrics_area);
    panes.prompt = Some(prompt_area);
    panes.log = Some(log_area);
    panes
}

pub fn render(frame: &mut Frame, state: &AppState) {
    draw(frame, state);
    guard(frame.buffer_mut());
}

/// The last word on what reaches the terminal: a cell holding a control
/// character or a bidirectional override (text from a preset, a take or a
/// server that no pane made visible) shows `�` instead. ratatui drops
/// control characters itself, but not the overrides, which make text read
/// otherwise than it is.
fn guard(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(crate::text::needs_escape) {
            cell.set_symbol("�");
        }
    }
}

fn draw(frame: &mut Frame, state: &AppState) {
    let area = frame.area();
    if !fits(area) {
        too_small(frame, area);
        return;
    }
    let panes = layout(state, area);
    status::render(frame, panes.status, state);
    footer::render(frame, panes.footer, state);
    if let Some(r) = panes.tabs {
        tabs::render(frame, r, state);
    }
    if let Some(r) = panes.presets {
        presets::render_list(frame, r, state);
    }
    if let Some(r) = panes.details {
        presets::render_details(frame, r, state);
    }
    if let Some(r) = panes.form {
        form::render_fields(frame, r, state);
    }
    if let Some(r) = panes.lyrics {
        form::render_lyrics(frame, r, state);
    }
    if let Some(r) = panes.prompt {
        prompt::render(frame, r, state);
    }
    if let Some(r) = panes.log {
        log::render(frame, r, state);
    }
    for p in &state.popups {
        popup::render(frame, area, p, state);
    }
}

/// How far things can scroll in a frame drawn in `area`: what the state
/// needs to keep its scroll positions within reach and to page.
pub fn view_limits(state: &AppState, area: Rect) -> ViewLimits {
    if !fits(area) {
        return ViewLimits::default();
    }
    let panes = layout(state, area);
    let (prompt_max, prompt_page) = panes.prompt.map_or((0, 1), |r| prompt::limits(r, state));
    let popup = match state.popups.last() {
        Some(Popup::Help { .. }) => Some(help::view(area, state)),
        Some(Popup::Details { id, .. }) => Some(details::view(area, *id, state)),
        Some(Popup::Take { id, .. }) => Some(take::take_view(area, id, state)),
        Some(Popup::Compare { a, b, .. }) => Some(take::compare_view(area, (a, b), state)),
        _ => None,
    };
    let page = |r: Option<Rect>| r.map_or(1, |r| r.height.saturating_sub(2).max(1));
    ViewLimits {
        prompt_max,
        prompt_page,
        popup_max: popup.as_ref().map(|v| v.max_scroll),
        popup_page: page(popup.map(|v| v.rect)),
        list_page: page(panes.presets.or(panes.log).or(panes.form)),
    }
}

/// How far the topmost popup can scroll when drawn in `area`, if it scrolls.
pub fn popup_scroll_limit(state: &AppState, area: Rect) -> Option<u16> {
    view_limits(state, area).popup_max
}

/// Below 40×12 even one pane would be unreadable; this says so at any
/// size, down to 1×1.
fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "Terminal too small: {}×{}. music-gen needs at least \
         {COMPACT_MIN_WIDTH}×{COMPACT_MIN_HEIGHT}.",
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

impl ScrollView {
    /// `lines` in a bordered popup at `rect`: it scrolls as far as the last
    /// line reaching the bottom border.
    fn new(rect: Rect, lines: Vec<Line<'static>>) -> ScrollView {
        let inner_height = rect.height.saturating_sub(2) as usize;
        let max_scroll = lines.len().saturating_sub(inner_height) as u16;
        ScrollView {
            rect,
            lines,
            max_scroll,
        }
    }

    /// Draws the popup over what is under it, scrolled by `scroll` rows
    /// (at most to its end).
    fn render(self, frame: &mut Frame, title: String, scroll: u16, theme: Theme) {
        frame.render_widget(Clear, self.rect);
        frame.render_widget(
            Paragraph::new(self.lines)
                .block(pane(title, true, theme))
                .scroll((scroll.min(self.max_scroll), 0)),
            self.rect,
        );
    }
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

//! The preset list and the selected preset's details.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::presets::PresetSummary;
use crate::text;
use crate::tui::state::presets::PresetSort;
use crate::tui::state::{AppState, Focus};
use crate::tui::ui::title::Title;
use crate::tui::ui::{focused, pane, scroll_to, truncate, truncate_words};

/// The narrowest genre column worth showing.
const GENRE_MIN: usize = 8;

pub fn render_list(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let is_focused = focused(state, Focus::Presets);
    let list = &state.presets;
    let visible = list.visible();
    let count = if list.filter().text().is_empty() {
        list.len().to_string()
    } else {
        format!("{} of {}", visible.len(), list.len())
    };
    let mut title = Title::new().keep(format!("Presets ({count})"), Style::new());
    if list.sort() != PresetSort::Name {
        title = title.drop(format!(" by {}", list.sort().label()), Style::new());
    }
    let block = pane(title.line(area.width as usize), is_focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let show_filter = list.filtering || !list.filter().text().is_empty();
    let rows = inner.height.saturating_sub(u16::from(show_filter)) as usize;
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if !list.is_listed() {
        lines.push(Line::styled("Reading presets…", theme.dim()));
    } else if visible.is_empty() {
        lines.push(Line::styled("No preset matches", theme.dim()));
    }
    // Each row is `›! name genre`. Genres show only beside whole names and
    // with room to be read (8 columns, or the longest genre if shorter);
    // otherwise the names get the row, and the genre is in the details.
    let longest = |f: fn(&PresetSummary) -> usize| visible.iter().map(|p| f(p)).max();
    let longest_name = longest(|p| text::width(&p.name)).unwrap_or(0);
    let genre_wanted = longest(|p| text::width(genre(p)))
        .unwrap_or(0)
        .min(GENRE_MIN);
    let with_genre = genre_wanted > 0 && 3 + longest_name + 1 + genre_wanted <= width;
    let name_width = if with_genre {
        longest_name
    } else {
        width.saturating_sub(3)
    };
    let first = scroll_to(list.selected_index(), 1, rows);
    for (i, p) in visible.iter().enumerate().skip(first).take(rows) {
        let selected = i == list.selected_index();
        let pointer = if selected { "›" } else { " " };
        let (mark, style) = match &p.error {
            Some(_) => ("!", theme.error()),
            None => (" ", Style::new()),
        };
        let name = text::pad(&truncate(&p.name, name_width), name_width);
        let text = if with_genre {
            let genre_room = width.saturating_sub(3 + name_width + 1);
            let genre = truncate_words(genre(p), genre_room);
            format!("{pointer}{mark} {name} {genre}")
        } else {
            format!("{pointer}{mark} {name}")
        };
        let mut line = Line::from(vec![Span::styled(text, style)]);
        if selected {
            line = line.patch_style(theme.selected(is_focused));
        }
        lines.push(line);
    }
    let list_area = Rect {
        height: rows as u16,
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), list_area);

    if show_filter {
        let filter = list.filter();
        let y = inner.y + inner.height.saturating_sub(1);
        let mut spans = vec![Span::styled("/", theme.key())];
        spans.extend(super::popup::input_spans(
            filter.text(),
            filter.cursor(),
            list.filtering,
            theme,
        ));
        frame.render_widget(
            Paragraph::new(Line::from(spans)),
            Rect::new(inner.x, y, inner.width, 1.min(inner.height)),
        );
    }
}

/// The genre column: the preset's genre, or why it cannot be used.
fn genre(p: &PresetSummary) -> &str {
    match &p.error {
        Some(_) => "broken",
        None => p.genre.as_deref().unwrap_or_default(),
    }
}

pub fn render_details(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let block = pane(" Details ", false, theme);
    // Wrapped here, by columns: ratatui's wrapping can put a wide character
    // over the pane's border.
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let add = |lines: &mut Vec<Line>, s: &str, style: Style| {
        lines.extend(
            text::wrap_lines(s, width)
                .into_iter()
                .map(|l| Line::styled(l, style)),
        );
    };
    if let Some(p) = state.presets.selected() {
        add(
            &mut lines,
            &p.name,
            Style::new().add_modifier(Modifier::BOLD),
        );
        if let Some(error) = &p.error {
            add(&mut lines, "Cannot be used:", theme.error());
            add(&mut lines, error, theme.error());
        }
        if let Some(d) = &p.description {
            add(&mut lines, d, Style::new());
        }
        if let Some(tips) = state
            .presets
            .details(&p.name)
            .and_then(|l| l.preset.tips.clone())
        {
            const LABEL: &str = "Tips: ";
            let start = lines.len();
            add(&mut lines, &format!("{LABEL}{tips}"), Style::new());
            if let Some(rest) = lines[start].to_string().strip_prefix(LABEL) {
                lines[start] = Line::from(vec![
                    Span::styled(LABEL, theme.label()),
                    Span::raw(rest.to_string()),
                ]);
            }
        }
        for w in &p.warnings {
            add(&mut lines, w, theme.warning());
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

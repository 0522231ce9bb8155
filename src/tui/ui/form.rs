//! The track form and the lyrics editor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

use crate::domain::model::Model;
use crate::domain::model::TEXT_MAX_CHARS;
use crate::domain::validate::FieldError;
use crate::text;
use crate::tui::state::form::{Field, Row, row_key};
use crate::tui::state::{AppState, Focus};
use crate::tui::ui::title::Title;
use crate::tui::ui::{focused, pane, scroll_to, truncate_words, wrap_indented, wrap_words};

const LABEL_WIDTH: usize = 12;

pub fn render_fields(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let is_focused = focused(state, Focus::Form);
    let form = &state.form;
    let problems = form.problems(&state.settings);
    let mut title = Title::new().keep("Track", Style::new());
    if let Some(p) = form.source() {
        title = title.cut(format!(" · {}", p.name), Style::new());
        if form.is_modified() {
            title = title.shorten(" (modified)", " *", theme.warning());
        }
    }
    if !problems.is_empty() {
        title = title.keep(format!(" {} to fix", problems.len()), theme.error());
    }
    let mut block = pane(title.line(area.width as usize), is_focused, theme);
    let inner = block.inner(area);

    let width = inner.width as usize;
    let value_width = width.saturating_sub(LABEL_WIDTH);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_span = (0, 1);
    for (i, row) in form.rows().into_iter().enumerate() {
        let start = lines.len();
        let selected = i == form.row();
        let error = row_key(row).and_then(|k| problems.iter().find(|e| e.field == k));
        let (label, value) = match row {
            Row::Field(f) => (
                f.label().to_string(),
                form.value_text(f, state.settings.model),
            ),
            Row::Style(s) => (format!("Style {}", s + 1), form.style_text(s)),
            Row::AddStyle => (String::new(), "+ add style reference".to_string()),
        };
        let label_style = if error.is_some() {
            theme.error()
        } else {
            theme.label()
        };
        let edit = form.edit.as_ref().filter(|_| selected);
        let mut spans = vec![Span::styled(format!("{label:<LABEL_WIDTH$}"), label_style)];
        match edit {
            Some(edit) => spans.extend(super::popup::input_spans(
                edit.input.text(),
                edit.input.cursor(),
                true,
                theme,
            )),
            None => {
                let value = Span::raw(fit_value(&value, value_width));
                spans.push(if selected {
                    value.style(theme.selected(is_focused))
                } else {
                    value
                });
            }
        }
        lines.push(Line::from(spans));
        if let Some(edit) = edit {
            let (text, style) = match &edit.error {
                Some(e) => (e.clone(), theme.error()),
                None => (edit.field.allowed().to_string(), theme.dim()),
            };
            lines.extend(wrap_indented(&text, width, style));
        } else if let Some(error) = error {
            lines.extend(wrap_indented(&error_text(error, row), width, theme.error()));
        } else if row == Row::Field(Field::Duration) {
            // The model decides the length; the duration shapes the prompt.
            lines.extend(wrap_indented(
                &length_note(state.model()),
                width,
                theme.dim(),
            ));
        }
        if selected {
            selected_span = (start, lines.len() - start);
        }
    }
    let height = inner.height as usize;
    let first = scroll_to(selected_span.0, selected_span.1, height);
    // Rows out of sight are said on the bottom border, with a scrollbar
    // on the right one as the prompt has: at 80×24 the model options are
    // below the fold.
    let total = lines.len();
    let below = total.saturating_sub(first + height);
    if let Some(text) = more_rows(first, below) {
        block = block.title_bottom(Line::styled(text, theme.dim()));
    }
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines).scroll((first as u16, 0)), inner);
    let max = total.saturating_sub(height);
    if max > 0 {
        let mut bar = ScrollbarState::new(max + 1).position(first);
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

/// A value as it fits `width` columns: a remark in parentheses gives way
/// first (`lyria-002 (default)` → `lyria-002`, `180 s (3:00)` → `180 s`),
/// then whole words.
fn fit_value(value: &str, width: usize) -> String {
    let value = &*text::one_line(value);
    if text::width(value) <= width {
        return value.to_string();
    }
    let bare = match value.rsplit_once(" (") {
        Some((head, tail)) if tail.ends_with(')') => head,
        _ => value,
    };
    truncate_words(bare, width)
}

/// ` ↓ 4 more `, ` ↑↓ `, ` ↑ 3 more `: rows of the form out of sight.
fn more_rows(above: usize, below: usize) -> Option<String> {
    match (above, below) {
        (0, 0) => None,
        (0, n) => Some(format!(" ↓ {n} more ")),
        (n, 0) => Some(format!(" ↑ {n} more ")),
        (a, b) => Some(format!(" ↑ {a} · ↓ {b} more ")),
    }
}

/// The core's message, plus what is allowed when it does not say so.
fn error_text(error: &FieldError, row: Row) -> String {
    match row {
        Row::Field(f) if !error.message.contains(f.allowed()) => {
            format!("✗ {} ({})", error.message, f.allowed())
        }
        _ => format!("✗ {}", error.message),
    }
}

pub fn render_lyrics(frame: &mut Frame, area: Rect, state: &AppState) {
    let theme = state.theme;
    let is_focused = focused(state, Focus::Lyrics);
    let form = &state.form;
    let chars = form.track().text_input.chars().count();
    let count_style = if chars > TEXT_MAX_CHARS {
        theme.error()
    } else {
        theme.dim()
    };
    let mut title = Title::new().keep("Lyrics", Style::new());
    if form.is_editing_lyrics() {
        title = title.drop(" editing", Style::new());
    }
    let title = title
        .keep(format!(" {chars}/{TEXT_MAX_CHARS}"), count_style)
        .line(area.width as usize);
    let block = pane(title, is_focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Said where the words are written: the default model plays them no
    // part of the song (they still go into the prompt, unchanged).
    let model = state.model();
    let note: Vec<Line> = if model.sings() {
        Vec::new()
    } else {
        let text = format!(
            "Not sung by {model}; {} sings them",
            short_model(Model::Lyria3Pro)
        );
        wrap_words(&text, inner.width as usize)
            .into_iter()
            .map(|l| Line::styled(l, theme.warning()))
            .collect()
    };
    // Below three rows of words the note gives way.
    let rows = if inner.height as usize >= note.len() + 3 {
        note.len() as u16
    } else {
        0
    };
    let [words, below] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(rows)]).areas(inner);
    frame.render_widget(form.lyrics(), words);
    frame.render_widget(Paragraph::new(note), below);
}

/// What a model does with the length, said where it is chosen: the
/// duration shapes the prompt, and only Lyria 3 Pro follows it.
fn length_note(model: Model) -> String {
    let pro = short_model(Model::Lyria3Pro);
    match model {
        Model::Lyria2 => format!("{} gives ~30 s; {pro} follows this", short_model(model)),
        Model::Lyria3Clip => format!("{} gives 30 s; {pro} follows this", short_model(model)),
        Model::Lyria3Pro => format!("{pro}: sung, up to ~3 min"),
    }
}

/// A model's name without `-preview`, where a narrow pane has no room for
/// it.
pub(super) fn short_model(model: Model) -> &'static str {
    model.id().trim_end_matches("-preview")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_drops_its_remark_before_a_word_is_cut() {
        assert_eq!(fit_value("lyria-002 (default)", 13), "lyria-002");
        assert_eq!(fit_value("180 s (3:00)", 8), "180 s");
        assert_eq!(fit_value("180 s (3:00)", 12), "180 s (3:00)");
        assert_eq!(fit_value("style: smooth jazz", 15), "style: smooth…");
    }
}

//! The track form and the lyrics editor.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::model::Model;
use crate::domain::model::TEXT_MAX_CHARS;
use crate::domain::validate::FieldError;
use crate::tui::state::form::{Field, Row, row_key};
use crate::tui::state::{AppState, Focus};
use crate::tui::ui::title::Title;
use crate::tui::ui::{focused, pane, scroll_to, truncate, wrap_indented};

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
    let block = pane(title.line(area.width as usize), is_focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

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
                let value = Span::raw(truncate(&value, value_width));
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
            let note = format!("{}: {}", state.model(), returns(state.model()));
            lines.extend(wrap_indented(&note, width, theme.dim()));
        }
        if selected {
            selected_span = (start, lines.len() - start);
        }
    }
    let first = scroll_to(selected_span.0, selected_span.1, inner.height as usize);
    frame.render_widget(Paragraph::new(lines).scroll((first as u16, 0)), inner);
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
    let mut block = pane(title, is_focused, theme);
    if state.model() == Model::Lyria2 {
        // Still sent, and the prompt unchanged; the model sings none.
        let note = Title::new()
            .shorten("lyria-002 sings no words", "no vocals", theme.dim())
            .line(area.width as usize);
        block = block.title_bottom(note);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(form.lyrics(), inner);
}

/// What a model gives back, said where the length is chosen.
fn returns(model: Model) -> &'static str {
    match model {
        Model::Lyria2 => "~30 s instrumental (WAV)",
        Model::Lyria3Clip => "a 30 s clip (MP3)",
        Model::Lyria3Pro => "a song with vocals, up to ~3 min (MP3)",
    }
}

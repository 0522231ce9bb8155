//! The track form: every TrackConfig field as a row, the style references,
//! and the lyrics in a multi-line editor. Values are checked by the core's
//! validation on every render, so an error shows at its field as soon as it
//! exists and disappears as soon as it is fixed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};
use strum::VariantArray;

use crate::domain::drafts::{Draft, differs_from_preset};
use crate::domain::model::{
    CHORUSES_MAX, CHORUSES_MIN, DURATION_MAX, DURATION_MIN, Model, PresetConfig, SAMPLES_MAX,
    SAMPLES_MIN, StyleReference, TrackConfig, VERSES_MAX, VERSES_MIN,
};
use crate::domain::pyfloat;
use crate::domain::validate::FieldError;
use crate::generate::{GenerationSettings, Mode};
use crate::tui::state::input::LineInput;
use crate::tui::state::undo::{EditKind, History, Snapshot};
use crate::tui::theme::Theme;

/// A form row's field: the core's track field, so an error found by the
/// core's validation lands on its row without a name to keep in step.
pub use crate::domain::model::TrackField as Field;

/// The fields with a row of their own; the lyrics have their editor and the
/// style references a row each.
fn field_rows() -> impl Iterator<Item = Field> {
    Field::VARIANTS
        .iter()
        .copied()
        .filter(|f| !matches!(f, Field::TextInput | Field::StyleReferences))
}

// The form's words for each field: how it is labelled and what it takes.
impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Genre => "Genre",
            Field::Duration => "Duration",
            Field::Intro => "Intro",
            Field::Verses => "Verses",
            Field::Choruses => "Choruses",
            Field::Bridge => "Bridge",
            Field::Outro => "Outro",
            Field::Temperature => "Temperature",
            Field::Model => "Model",
            Field::NegativePrompt => "Negative",
            Field::Seed => "Seed",
            Field::Samples => "Samples",
            Field::TextInput => "Lyrics",
            Field::StyleReferences => "Styles",
        }
    }

    /// What the field accepts, shown while editing and next to an error.
    pub fn allowed(self) -> &'static str {
        match self {
            Field::Genre => "1 to 100 characters",
            Field::Duration => "60 to 240 seconds",
            Field::Verses => "1 to 5",
            Field::Choruses => "1 to 4",
            Field::Temperature => "0.0 to 1.0",
            Field::NegativePrompt => "what to avoid; empty for nothing (lyria-002)",
            Field::Seed => "a whole number; empty for random (lyria-002)",
            Field::Samples => "1 to 4; empty for 1 (lyria-002)",
            Field::Intro | Field::Bridge | Field::Outro => "yes or no",
            Field::Model => "default, lyria-002, lyria-3-clip-preview, lyria-3-pro-preview",
            Field::TextInput => "up to 10,000 characters",
            Field::StyleReferences => "TYPE: VALUE",
        }
    }

    fn is_typed(self) -> bool {
        matches!(
            self,
            Field::Genre
                | Field::Duration
                | Field::Verses
                | Field::Choruses
                | Field::Temperature
                | Field::NegativePrompt
                | Field::Seed
                | Field::Samples
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Field(Field),
    Style(usize),
    AddStyle,
}

/// A field being typed into; the value is applied only when it parses.
#[derive(Debug, Clone)]
pub struct FieldEdit {
    pub field: Field,
    pub input: LineInput,
    pub error: Option<String>,
}

/// What Enter on a row asks of the app beyond the form itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activated {
    Done,
    EditStyle(usize),
    AddStyle,
}

pub struct TrackForm {
    track: TrackConfig,
    lyrics: TextArea<'static>,
    /// The editor's undo and redo, a step per group of edits.
    history: History,
    row: usize,
    pub edit: Option<FieldEdit>,
    lyrics_editing: bool,
    /// The words were put in whole (a draft, a take, a test) and not yet
    /// edited: the editor opens with the cursor at their end.
    lyrics_put: bool,
    /// The preset the form was loaded from or saved as; its description and
    /// tips go with a save under the same name.
    source: Option<PresetConfig>,
    theme: Theme,
}

impl TrackForm {
    pub fn new(theme: Theme) -> TrackForm {
        let mut form = TrackForm {
            track: TrackConfig::new("", ""),
            lyrics: editor(theme, ""),
            history: History::default(),
            row: 0,
            edit: None,
            lyrics_editing: false,
            lyrics_put: false,
            source: None,
            theme,
        };
        form.show_cursor(false);
        form
    }

    pub fn track(&self) -> &TrackConfig {
        &self.track
    }

    pub fn lyrics(&self) -> &TextArea<'static> {
        &self.lyrics
    }

    pub fn source(&self) -> Option<&PresetConfig> {
        self.source.as_ref()
    }

    pub fn set_source(&mut self, preset: PresetConfig) {
        self.source = Some(preset);
    }

    /// Applies a preset's style; the words and the duration are the user's
    /// and stay, since a preset has neither.
    pub fn load_preset(&mut self, preset: &PresetConfig) {
        let mut track = preset.to_track(self.track.text_input.clone());
        track.duration_seconds = self.track.duration_seconds;
        self.track = track;
        self.source = Some(preset.clone());
        self.edit = None;
        self.clamp_row();
    }

    /// Puts back a saved draft: the whole track, lyrics included, and the
    /// preset it came from.
    pub fn restore(&mut self, track: TrackConfig, source: Option<PresetConfig>) {
        let text = track.text_input.clone();
        self.track = track;
        self.source = source;
        self.edit = None;
        self.set_lyrics(&text);
        self.clamp_row();
    }

    /// Whether the form differs from the preset it was loaded from (the
    /// words and the duration are not part of a preset).
    pub fn is_modified(&self) -> bool {
        self.source
            .as_ref()
            .is_some_and(|p| differs_from_preset(p, &self.track))
    }

    /// Whether clearing the form would lose something: edits to its
    /// preset, words, or a form filled in from nothing.
    pub fn has_work(&self) -> bool {
        Draft::new(self.track.clone(), self.source.clone()).has_work()
    }

    /// Starts over from an empty track.
    pub fn clear(&mut self) {
        *self = TrackForm::new(self.theme);
    }

    pub fn rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = field_rows().map(Row::Field).collect();
        rows.extend((0..self.track.style_references.len()).map(Row::Style));
        rows.push(Row::AddStyle);
        rows
    }

    pub fn row(&self) -> usize {
        self.row
    }

    pub fn current(&self) -> Row {
        let rows = self.rows();
        rows[self.row.min(rows.len() - 1)]
    }

    pub fn move_by(&mut self, delta: isize) {
        self.row = self.row.saturating_add_signed(delta);
        self.clamp_row();
    }

    fn clamp_row(&mut self) {
        self.row = self.row.min(self.rows().len() - 1);
    }

    /// Moves to the row a validation error names; false for the lyrics,
    /// which have no row.
    pub fn focus_error(&mut self, field: &str) -> bool {
        let rows = self.rows();
        match rows
            .iter()
            .position(|r| row_key(*r).is_some_and(|k| k == field))
        {
            Some(i) => {
                self.row = i;
                true
            }
            None => false,
        }
    }

    pub fn value_text(&self, field: Field, default_model: Model) -> String {
        let t = &self.track;
        let yes_no = |b: bool| if b { "[x] yes" } else { "[ ] no" }.to_string();
        match field {
            Field::Genre => t.genre.clone(),
            Field::Duration => format!(
                "{} s ({}:{:02})",
                t.duration_seconds,
                t.duration_seconds.div_euclid(60),
                t.duration_seconds.rem_euclid(60)
            ),
            Field::Intro => yes_no(t.structure.intro),
            Field::Verses => t.structure.verse_count.to_string(),
            Field::Choruses => t.structure.chorus_count.to_string(),
            Field::Bridge => yes_no(t.structure.bridge),
            Field::Outro => yes_no(t.structure.outro),
            Field::Temperature => pyfloat::repr(t.temperature),
            Field::Model => match t.model {
                Some(m) => m.id().to_string(),
                None => format!("{default_model} (default)"),
            },
            Field::NegativePrompt => t.negative_prompt.clone().unwrap_or_else(|| "–".to_string()),
            Field::Seed => t
                .seed
                .map_or_else(|| "random".to_string(), |s| s.to_string()),
            Field::Samples => t
                .sample_count
                .map_or_else(|| "1 (default)".to_string(), |n| n.to_string()),
            Field::TextInput => t.text_input.clone(),
            Field::StyleReferences => t.style_references.len().to_string(),
        }
    }

    /// The text a typed field starts its edit with: the value, or nothing
    /// when it is unset.
    fn edit_text(&self, field: Field) -> String {
        let t = &self.track;
        match field {
            Field::Genre => t.genre.clone(),
            Field::Duration => t.duration_seconds.to_string(),
            Field::Verses => t.structure.verse_count.to_string(),
            Field::Choruses => t.structure.chorus_count.to_string(),
            Field::Temperature => pyfloat::repr(t.temperature),
            Field::NegativePrompt => t.negative_prompt.clone().unwrap_or_default(),
            Field::Seed => t.seed.map(|s| s.to_string()).unwrap_or_default(),
            Field::Samples => t.sample_count.map(|n| n.to_string()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    pub fn activate(&mut self) -> Activated {
        match self.current() {
            Row::Style(i) => Activated::EditStyle(i),
            Row::AddStyle => Activated::AddStyle,
            Row::Field(f) if f.is_typed() => {
                self.edit = Some(FieldEdit {
                    field: f,
                    input: LineInput::new(self.edit_text(f)),
                    error: None,
                });
                Activated::Done
            }
            Row::Field(_) => {
                self.adjust(1);
                Activated::Done
            }
        }
    }

    /// Left/right on a row: steps numbers within their range, flips
    /// switches, cycles the model.
    pub fn adjust(&mut self, step: i64) {
        let Row::Field(field) = self.current() else {
            return;
        };
        let t = &mut self.track;
        let s = &mut t.structure;
        match field {
            Field::Duration => {
                t.duration_seconds =
                    (t.duration_seconds + 10 * step).clamp(DURATION_MIN, DURATION_MAX)
            }
            Field::Verses => s.verse_count = (s.verse_count + step).clamp(VERSES_MIN, VERSES_MAX),
            Field::Choruses => {
                s.chorus_count = (s.chorus_count + step).clamp(CHORUSES_MIN, CHORUSES_MAX)
            }
            Field::Intro => s.intro = !s.intro,
            Field::Bridge => s.bridge = !s.bridge,
            Field::Outro => s.outro = !s.outro,
            // In tenths, so 0.7 + 0.1 is 0.8 and not 0.7999999999999999.
            Field::Temperature => {
                let tenths = ((t.temperature * 10.0).round() as i64 + step).clamp(0, 10);
                t.temperature = tenths as f64 / 10.0;
            }
            Field::Samples => {
                let n = (t.sample_count.unwrap_or(1) + step).clamp(SAMPLES_MIN, SAMPLES_MAX);
                t.sample_count = Some(n);
            }
            Field::Model => {
                let choices: [Option<Model>; 4] = [
                    None,
                    Some(Model::Lyria2),
                    Some(Model::Lyria3Clip),
                    Some(Model::Lyria3Pro),
                ];
                let at = choices.iter().position(|m| *m == t.model).unwrap_or(0) as i64;
                t.model = choices[(at + step).rem_euclid(choices.len() as i64) as usize];
            }
            Field::Genre
            | Field::NegativePrompt
            | Field::Seed
            | Field::TextInput
            | Field::StyleReferences => {}
        }
    }

    pub fn edit_key(&mut self, key: KeyEvent) {
        if let Some(edit) = &mut self.edit
            && edit.input.handle(key)
        {
            edit.error = None;
        }
    }

    pub fn edit_paste(&mut self, text: &str) {
        if let Some(edit) = &mut self.edit {
            edit.input.insert_str(text);
            edit.error = None;
        }
    }

    pub fn cancel_edit(&mut self) {
        self.edit = None;
    }

    /// Applies the value being typed if it parses; otherwise keeps the
    /// field open with the reason.
    pub fn commit_edit(&mut self) {
        let Some(edit) = &mut self.edit else {
            return;
        };
        let text = edit.input.text().trim().to_string();
        let field = edit.field;
        let whole = || {
            text.parse::<i64>()
                .map_err(|_| format!("type a whole number ({})", field.allowed()))
        };
        let t = &mut self.track;
        let applied: Result<(), String> = match field {
            Field::Genre => {
                t.genre = text.clone();
                Ok(())
            }
            Field::Duration => whole().map(|n| t.duration_seconds = n),
            Field::Verses => whole().map(|n| t.structure.verse_count = n),
            Field::Choruses => whole().map(|n| t.structure.chorus_count = n),
            Field::Samples if text.is_empty() => {
                t.sample_count = None;
                Ok(())
            }
            Field::Samples => whole().map(|n| t.sample_count = Some(n)),
            Field::Temperature => match text.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    t.temperature = x;
                    Ok(())
                }
                _ => Err(format!("type a number ({})", field.allowed())),
            },
            Field::NegativePrompt => {
                t.negative_prompt = (!text.is_empty()).then(|| text.clone());
                Ok(())
            }
            Field::Seed if text.is_empty() => {
                t.seed = None;
                Ok(())
            }
            Field::Seed => text
                .parse::<u64>()
                .map(|n| t.seed = Some(n))
                .map_err(|_| format!("type a whole number from 0 ({})", field.allowed())),
            Field::Intro
            | Field::Bridge
            | Field::Outro
            | Field::Model
            | Field::TextInput
            | Field::StyleReferences => Ok(()),
        };
        match applied {
            Ok(()) => self.edit = None,
            Err(e) => edit.error = Some(e),
        }
    }

    pub fn set_style(&mut self, index: Option<usize>, style: StyleReference) {
        match index {
            Some(i) if i < self.track.style_references.len() => {
                self.track.style_references[i] = style;
            }
            _ => {
                self.track.style_references.push(style);
                self.row = field_rows().count() + self.track.style_references.len() - 1;
            }
        }
    }

    pub fn remove_current_style(&mut self) -> bool {
        let Row::Style(i) = self.current() else {
            return false;
        };
        self.track.style_references.remove(i);
        self.clamp_row();
        true
    }

    pub fn style_text(&self, index: usize) -> String {
        self.track
            .style_references
            .get(index)
            .map(|s| format!("{}: {}", s.kind, s.value))
            .unwrap_or_default()
    }

    pub fn is_editing_lyrics(&self) -> bool {
        self.lyrics_editing
    }

    pub fn set_lyrics_editing(&mut self, on: bool) {
        // Typing into restored words continues them, as in any editor
        // that reopens a file where it was left.
        if on && std::mem::take(&mut self.lyrics_put) {
            self.lyrics.move_cursor(CursorMove::Bottom);
            self.lyrics.move_cursor(CursorMove::End);
        }
        self.lyrics_editing = on;
        self.history.close();
        self.show_cursor(on);
    }

    /// The editor's cursor shows only while typing in it.
    fn show_cursor(&mut self, on: bool) {
        let style = if on {
            self.theme.cursor()
        } else {
            Style::new()
        };
        self.lyrics.set_cursor_style(style);
        self.lyrics.set_cursor_line_style(Style::new());
    }

    /// A key in the editor. Ctrl-U deletes to the line start as in every
    /// one-line field (the editor's own Ctrl-U would undo).
    pub fn lyrics_key(&mut self, key: KeyEvent) {
        let before = self.snapshot();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let changed = match key.code {
            KeyCode::Char('u') if ctrl => self.lyrics.delete_line_by_head(),
            _ => self.lyrics.input(key),
        };
        if changed {
            self.history
                .record(edit_kind(key), before, self.snapshot().cursor);
            self.sync_lyrics();
        } else {
            // A move: what is typed next is a step of its own.
            self.history.close();
        }
    }

    /// Ctrl-Z in the editor: takes back the last group of edits.
    pub fn lyrics_undo(&mut self) -> bool {
        let now = self.snapshot();
        match self.history.undo(now) {
            Some(back) => self.put_back(back),
            None => false,
        }
    }

    /// Ctrl-R in the editor: puts back what the last undo took.
    pub fn lyrics_redo(&mut self) -> bool {
        let now = self.snapshot();
        match self.history.redo(now) {
            Some(forward) => self.put_back(forward),
            None => false,
        }
    }

    fn snapshot(&self) -> Snapshot {
        let cursor = self.lyrics.cursor();
        Snapshot {
            lines: self.lyrics.lines().to_vec(),
            cursor: (cursor.0, cursor.1),
        }
    }

    fn put_back(&mut self, s: Snapshot) -> bool {
        self.lyrics = editor(self.theme, &s.lines.join("\n"));
        let at = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        self.lyrics
            .move_cursor(CursorMove::Jump(at(s.cursor.0), at(s.cursor.1)));
        self.show_cursor(self.lyrics_editing);
        self.sync_lyrics();
        true
    }

    pub fn lyrics_paste(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let before = self.snapshot();
        if self.lyrics.insert_str(text) {
            self.history
                .record(EditKind::Other, before, self.snapshot().cursor);
            self.sync_lyrics();
        }
    }

    /// Puts in new words whole (a draft, a take): a new text, with a
    /// history of its own.
    pub fn set_lyrics(&mut self, text: &str) {
        self.lyrics = editor(self.theme, text);
        self.history = History::default();
        self.lyrics_put = !text.is_empty();
        self.show_cursor(self.lyrics_editing);
        self.sync_lyrics();
    }

    fn sync_lyrics(&mut self) {
        self.track.text_input = self.lyrics.lines().join("\n");
    }

    /// Every problem that would stop a generation: the core's validation,
    /// the options the chosen model cannot take and, in gcp mode, a location
    /// the model is not served at.
    pub fn problems(&self, settings: &GenerationSettings) -> Vec<FieldError> {
        let mut errors = match self.track.validate() {
            Ok(()) => Vec::new(),
            Err(e) => e.0,
        };
        let model = self.track.model.unwrap_or(settings.model);
        if let Err(e) = self.track.options().check_model(model) {
            errors.push(e);
        }
        if settings.key.mode == Mode::Gcp
            && let Err(e) = model.check_location(&settings.key.location)
        {
            errors.push(e);
        }
        errors
    }
}

fn editor(theme: Theme, text: &str) -> TextArea<'static> {
    // split, not lines: a last empty line is part of the words.
    let mut lyrics = TextArea::from(text.split('\n'));
    lyrics.set_placeholder_text("Enter to write lyrics");
    lyrics.set_placeholder_style(theme.dim());
    lyrics.set_selection_style(theme.cursor());
    // Lyrics lines are long; scrolling sideways would hide their start.
    lyrics.set_wrap_mode(WrapMode::WordOrGlyph);
    // The form keeps the history, by groups (see `undo`).
    lyrics.set_max_histories(0);
    lyrics
}

/// How a key in the editor groups with the edits around it.
fn edit_kind(key: KeyEvent) -> EditKind {
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let ctrl = key.modifiers == KeyModifiers::CONTROL;
    match key.code {
        KeyCode::Char(c) if plain => EditKind::Type(c),
        KeyCode::Enter if plain => EditKind::Type('\n'),
        KeyCode::Tab if plain => EditKind::Type('\t'),
        KeyCode::Backspace if plain => EditKind::DeleteBack,
        KeyCode::Char('h') if ctrl => EditKind::DeleteBack,
        KeyCode::Delete if plain => EditKind::DeleteForward,
        KeyCode::Char('d') if ctrl => EditKind::DeleteForward,
        _ => EditKind::Other,
    }
}

/// The validation name of the value a row shows.
pub fn row_key(row: Row) -> Option<String> {
    match row {
        Row::Field(f) => Some(f.to_string()),
        Row::Style(i) => Some(Field::style_type(i)),
        Row::AddStyle => None,
    }
}

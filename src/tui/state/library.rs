//! Past takes from the output folder, as the Generations pane lists them:
//! what tells takes apart, precomputed once per take so that filtering
//! and drawing 10,000 of them costs no parsing; a `/` filter over genre,
//! preset, lyrics and model; sorting by time or name; the takes marked
//! for comparison; the waveforms read so far; what is playing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::audio::Analysis;
use crate::tui::state::input::LineInput;

pub use crate::library::Take;

/// Lyrics words shown in a row.
const LYRICS_WORDS: usize = 6;

/// A take as the list shows it.
#[derive(Debug, Clone)]
pub struct TakeRow {
    pub take: Arc<Take>,
    /// `2026-11-30 08:14` (UTC), or empty when the file does not say.
    pub when: String,
    /// The preset it started from, else its genre.
    pub name: String,
    pub lyrics_head: String,
    /// Lower-case genre, preset, lyrics and model: what `/` searches.
    haystack: String,
}

impl TakeRow {
    pub fn new(take: Arc<Take>) -> TakeRow {
        let result = &take.result;
        let when = result
            .created_at
            .as_deref()
            .map(short_time)
            .unwrap_or_default();
        let name = result
            .preset
            .clone()
            .unwrap_or_else(|| result.genre.clone());
        let lyrics = result
            .track
            .as_ref()
            .map(|t| t.text_input.as_str())
            .unwrap_or_default();
        let lyrics_head = first_words(lyrics, LYRICS_WORDS);
        let model = take.model().map(|m| m.to_string()).unwrap_or_default();
        let haystack = format!(
            "{}\n{}\n{}\n{}",
            result.genre,
            result.preset.as_deref().unwrap_or_default(),
            lyrics,
            model
        )
        .to_lowercase();
        TakeRow {
            take,
            when,
            name,
            lyrics_head,
            haystack,
        }
    }

    pub fn id(&self) -> &str {
        &self.take.id
    }

    /// Every word of the filter is somewhere in the take.
    fn matches(&self, words: &[String]) -> bool {
        words.iter().all(|w| self.haystack.contains(w.as_str()))
    }
}

/// `2026-11-30T08:14:02Z` → `2026-11-30 08:14`.
fn short_time(rfc3339: &str) -> String {
    let t = rfc3339.replacen('T', " ", 1);
    t.chars().take(16).collect()
}

/// The first `n` words on one line, `…` when there are more.
fn first_words(text: &str, n: usize) -> String {
    let mut words = text.split_whitespace();
    let head: Vec<&str> = words.by_ref().take(n).collect();
    let mut out = head.join(" ");
    if words.next().is_some() {
        out.push('…');
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Newest first.
    #[default]
    Time,
    /// By preset or genre, then newest first.
    Name,
}

impl SortBy {
    pub fn label(self) -> &'static str {
        match self {
            SortBy::Time => "newest first",
            SortBy::Name => "by name",
        }
    }
}

/// The waveform and levels of a take's first audio file, read by the
/// worker when first asked for.
#[derive(Debug, Clone)]
pub enum Sound {
    Reading,
    Ready(Arc<Analysis>),
    Failed(String),
}

/// The take being played, and since when (the app's clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playing {
    pub id: String,
    pub player: String,
    pub since: Duration,
}

#[derive(Debug, Default)]
pub struct Library {
    rows: Vec<TakeRow>,
    /// Indices into `rows` that pass the filter, in the sort order.
    visible: Vec<usize>,
    /// False until the first listing arrives.
    pub listed: bool,
    /// Why the folder could not be read, if it could not.
    pub error: Option<String>,
    filter: LineInput,
    pub filtering: bool,
    sort: SortBy,
    /// Up to two take ids, in the order marked.
    pub marked: Vec<String>,
    sounds: HashMap<String, Sound>,
    pub playing: Option<Playing>,
}

impl Library {
    /// Replaces every take (the first listing, or a re-read).
    pub fn set_takes(&mut self, takes: Vec<Arc<Take>>) {
        self.rows = takes.into_iter().map(TakeRow::new).collect();
        self.listed = true;
        self.error = None;
        let ids: std::collections::HashSet<&str> = self.rows.iter().map(TakeRow::id).collect();
        self.marked.retain(|id| ids.contains(id.as_str()));
        self.sounds.retain(|id, _| ids.contains(id.as_str()));
        self.refresh();
    }

    /// Adds or replaces takes (another process wrote them, or their files
    /// changed) and forgets those whose metadata is gone.
    pub fn update(&mut self, changed: Vec<Arc<Take>>, gone: &[String]) {
        self.rows.retain(|r| !gone.contains(&r.take.id));
        self.marked.retain(|id| !gone.contains(id));
        for take in changed {
            // The files changed: the old waveform may be wrong.
            self.sounds.remove(&take.id);
            let row = TakeRow::new(take);
            match self.rows.iter_mut().find(|r| r.take.id == row.take.id) {
                Some(old) => *old = row,
                None => self.rows.push(row),
            }
        }
        self.refresh();
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&TakeRow> {
        self.rows.iter().find(|r| r.take.id == id)
    }

    /// The take whose metadata file is `path`: how a finished generation
    /// of this session finds its take.
    pub fn by_metadata(&self, path: &std::path::Path) -> Option<&TakeRow> {
        self.rows.iter().find(|r| r.take.metadata_path == path)
    }

    /// The takes that pass the filter, in order.
    pub fn visible(&self) -> impl Iterator<Item = &TakeRow> {
        self.visible.iter().map(|&i| &self.rows[i])
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    pub fn visible_at(&self, i: usize) -> Option<&TakeRow> {
        self.visible.get(i).map(|&i| &self.rows[i])
    }

    pub fn filter(&self) -> &LineInput {
        &self.filter
    }

    /// Whether `/` has narrowed the list.
    pub fn is_filtered(&self) -> bool {
        !self.filter.text().trim().is_empty()
    }

    /// Changes the filter text through `f` and applies it.
    pub fn edit_filter(&mut self, f: impl FnOnce(&mut LineInput) -> bool) -> bool {
        let changed = f(&mut self.filter);
        if changed {
            self.refresh();
        }
        changed
    }

    pub fn clear_filter(&mut self) {
        self.filter = LineInput::default();
        self.filtering = false;
        self.refresh();
    }

    /// Whether a session entry with this genre and model passes the filter.
    pub fn passes(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.words().iter().all(|w| lower.contains(w.as_str()))
    }

    fn words(&self) -> Vec<String> {
        self.filter
            .text()
            .to_lowercase()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    pub fn sort(&self) -> SortBy {
        self.sort
    }

    pub fn toggle_sort(&mut self) {
        self.sort = match self.sort {
            SortBy::Time => SortBy::Name,
            SortBy::Name => SortBy::Time,
        };
        self.refresh();
    }

    fn refresh(&mut self) {
        let words = self.words();
        // The id starts with the time it was made, so it orders takes that
        // carry no timestamp too.
        let time_key = |r: &TakeRow| (r.take.result.created_at.clone(), r.take.id.clone());
        match self.sort {
            SortBy::Time => self.rows.sort_by_key(|r| std::cmp::Reverse(time_key(r))),
            SortBy::Name => self.rows.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then_with(|| time_key(b).cmp(&time_key(a)))
            }),
        }
        self.visible = (0..self.rows.len())
            .filter(|&i| self.rows[i].matches(&words))
            .collect();
    }

    /// Marks a take for comparison, or unmarks it; a third mark replaces
    /// the oldest. Returns how many are marked.
    pub fn toggle_mark(&mut self, id: &str) -> usize {
        if let Some(i) = self.marked.iter().position(|m| m == id) {
            self.marked.remove(i);
        } else {
            if self.marked.len() == 2 {
                self.marked.remove(0);
            }
            self.marked.push(id.to_string());
        }
        self.marked.len()
    }

    pub fn is_marked(&self, id: &str) -> bool {
        self.marked.iter().any(|m| m == id)
    }

    pub fn sound(&self, id: &str) -> Option<&Sound> {
        self.sounds.get(id)
    }

    pub fn set_sound(&mut self, id: String, sound: Sound) {
        self.sounds.insert(id, sound);
    }

    /// The path a take's sound is read from and played: its first audio
    /// file.
    pub fn audio_path(&self, id: &str) -> Option<PathBuf> {
        self.get(id)
            .and_then(|r| r.take.result.files.first())
            .map(|f| f.path.clone())
    }
}

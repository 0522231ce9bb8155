//! Past takes from the output folder, as the Generations pane lists them:
//! a page of the worker's summaries (what tells takes apart, computed once
//! per take), so 10,000 takes cost what one page does; a `/` filter with
//! the library's own query words (genre, preset, lyrics, model) and the
//! sort, both applied by the worker; the takes marked for comparison; the
//! takes and waveforms read so far; what is playing.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::audio::Analysis;
use crate::library::{Page, Query, Sort, Take, TakeId, TakeSummary};
use crate::tui::state::input::LineInput;

/// How the sort toggle names an order.
pub fn sort_label(sort: Sort) -> &'static str {
    match sort {
        Sort::Time => "newest first",
        Sort::Name => "by name",
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

/// A take read whole (track, settings, files), for its details, the
/// compare view, `e` and `r`.
#[derive(Debug, Clone)]
pub enum Loaded {
    Reading,
    Ready(Arc<Take>),
    Failed(String),
}

/// The take being played, by which player, and since when (the app's
/// clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playing {
    pub id: TakeId,
    pub player: String,
    pub since: Duration,
}

/// Takes asked for at a time; more are asked for as the selection nears
/// the end of what is listed.
pub const PAGE: usize = 200;

/// Takes asked for first when the terminal's height is not known; with it,
/// no more than fit on the screen (a take is two rows, so half its
/// height: the pane zoomed shows no more), so the first listing reads
/// only files whose takes are seen and the app opens on 10,000 takes about
/// as fast as on 10 (docs/benchmarks.md). The rest come a page at a time
/// as above.
pub const FIRST_PAGE: usize = 50;

/// The fewest takes a first listing asks for, however short the terminal.
const MIN_FIRST_PAGE: usize = 10;

#[derive(Debug)]
pub struct Library {
    /// The page listed: the takes that pass the filter, in the sort order.
    takes: Vec<TakeSummary>,
    /// Takes in the folder, and how many the filter matched.
    pub total: usize,
    pub matched: usize,
    /// How many the next listing asks for.
    limit: usize,
    /// How many a listing asks for first (after a new filter or sort too).
    first_page: usize,
    /// False until the first listing arrives.
    pub listed: bool,
    /// Whether the folder's watch was asked for (after the first listing).
    pub watched: bool,
    /// Why the folder could not be read, if it could not.
    pub error: Option<String>,
    filter: LineInput,
    pub filtering: bool,
    sort: Sort,
    /// Up to two take ids, in the order marked.
    pub marked: Vec<TakeId>,
    loaded: HashMap<TakeId, Loaded>,
    sounds: HashMap<TakeId, Sound>,
    pub playing: Option<Playing>,
}

impl Default for Library {
    fn default() -> Library {
        Library {
            takes: Vec::new(),
            total: 0,
            matched: 0,
            limit: FIRST_PAGE,
            first_page: FIRST_PAGE,
            listed: false,
            watched: false,
            error: None,
            filter: LineInput::default(),
            filtering: false,
            sort: Sort::default(),
            marked: Vec::new(),
            loaded: HashMap::new(),
            sounds: HashMap::new(),
            playing: None,
        }
    }
}

impl Library {
    /// Sizes the first listing to a terminal `rows` tall.
    pub fn fit_first_page(&mut self, rows: u16) {
        self.first_page = usize::from(rows / 2).clamp(MIN_FIRST_PAGE, FIRST_PAGE);
        self.limit = self.first_page;
    }

    /// What to ask the worker for: the filter, the order, and one page
    /// more than the selection has reached.
    pub fn query(&self) -> Query {
        Query {
            filter: self.is_filtered().then(|| self.filter.text().to_string()),
            sort: self.sort,
            limit: Some(self.limit),
            since: None,
        }
    }

    /// Takes a listing. A take read whole or measured before is kept only
    /// if its summary did not change (another process may have rewritten
    /// it), and one that is gone is unmarked.
    pub fn set_page(&mut self, page: Page) {
        let before: HashMap<&TakeId, &TakeSummary> =
            self.takes.iter().map(|t| (&t.id, t)).collect();
        let changed: HashSet<TakeId> = page
            .takes
            .iter()
            .filter(|t| before.get(&t.id).is_some_and(|old| *old != *t))
            .map(|t| t.id.clone())
            .collect();
        // A take missing from where the listing covers (not one pushed off
        // its end by newer ones) is read again when it is next needed: it
        // may be gone, and then its reading fails and it is unmarked.
        let listed: HashSet<&TakeId> = page.takes.iter().map(|t| &t.id).collect();
        let oldest = page.takes.last().map(|t| t.time);
        let dropped = |id: &TakeId| {
            !listed.contains(id)
                && before
                    .get(id)
                    .is_some_and(|t| oldest.is_some_and(|o| t.time >= o))
        };
        let current = |id: &TakeId| !changed.contains(id) && !dropped(id);
        self.loaded.retain(|id, _| current(id));
        self.sounds.retain(|id, _| current(id));
        self.total = page.total;
        self.matched = page.matched;
        self.takes = page.takes;
        self.listed = true;
        self.error = None;
    }

    /// Whether the folder has takes that the page does not show.
    pub fn has_more(&self) -> bool {
        self.takes.len() < self.matched
    }

    /// Asks for another page with the next listing.
    pub fn grow(&mut self) {
        self.limit = self.takes.len() + PAGE;
    }

    /// Takes listed on this page.
    pub fn len(&self) -> usize {
        self.takes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.takes.is_empty()
    }

    pub fn get(&self, id: &TakeId) -> Option<&TakeSummary> {
        self.takes.iter().find(|t| t.id == *id)
    }

    /// The take whose metadata file is `path`: how a finished generation
    /// of this session finds its take.
    pub fn by_metadata(&self, path: &Path) -> Option<&TakeSummary> {
        self.takes.iter().find(|t| t.metadata_path == path)
    }

    /// The takes listed, in order.
    pub fn visible(&self) -> impl Iterator<Item = &TakeSummary> {
        self.takes.iter()
    }

    pub fn filter(&self) -> &LineInput {
        &self.filter
    }

    /// Whether `/` has narrowed the list.
    pub fn is_filtered(&self) -> bool {
        !self.filter.text().trim().is_empty()
    }

    /// Changes the filter text through `f`; true if it changed, and the
    /// caller lists again.
    pub fn edit_filter(&mut self, f: impl FnOnce(&mut LineInput) -> bool) -> bool {
        let changed = f(&mut self.filter);
        if changed {
            self.limit = self.first_page;
        }
        changed
    }

    pub fn clear_filter(&mut self) {
        self.filter = LineInput::default();
        self.filtering = false;
        self.limit = self.first_page;
    }

    /// Whether a session entry that says `text` (its genre and model)
    /// passes the filter's plain words.
    pub fn passes(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.filter
            .text()
            .split_whitespace()
            .map(|w| w.rsplit(':').next().unwrap_or(w).to_lowercase())
            .all(|w| lower.contains(&w))
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub fn toggle_sort(&mut self) {
        self.sort = match self.sort {
            Sort::Time => Sort::Name,
            Sort::Name => Sort::Time,
        };
        self.limit = self.first_page;
    }

    /// Marks a take for comparison, or unmarks it; a third mark replaces
    /// the oldest. Returns how many are marked.
    pub fn toggle_mark(&mut self, id: &TakeId) -> usize {
        if let Some(i) = self.marked.iter().position(|m| m == id) {
            self.marked.remove(i);
        } else {
            if self.marked.len() == 2 {
                self.marked.remove(0);
            }
            self.marked.push(id.clone());
        }
        self.marked.len()
    }

    pub fn is_marked(&self, id: &TakeId) -> bool {
        self.marked.contains(id)
    }

    pub fn loaded(&self, id: &TakeId) -> Option<&Loaded> {
        self.loaded.get(id)
    }

    pub fn take(&self, id: &TakeId) -> Option<&Arc<Take>> {
        match self.loaded.get(id) {
            Some(Loaded::Ready(t)) => Some(t),
            _ => None,
        }
    }

    pub fn set_loaded(&mut self, id: TakeId, loaded: Loaded) {
        self.loaded.insert(id, loaded);
    }

    pub fn sound(&self, id: &TakeId) -> Option<&Sound> {
        self.sounds.get(id)
    }

    pub fn set_sound(&mut self, id: TakeId, sound: Sound) {
        self.sounds.insert(id, sound);
    }

    /// Forgets a take whose files were deleted from here.
    pub fn remove(&mut self, id: &TakeId) {
        self.takes.retain(|t| t.id != *id);
        self.marked.retain(|m| m != id);
        self.loaded.remove(id);
        self.sounds.remove(id);
        self.total = self.total.saturating_sub(1);
        self.matched = self.matched.saturating_sub(1);
    }
}

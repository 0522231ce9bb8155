//! The Generations pane as one list: this session's generations first
//! (newest first, numbered `#N`), then the takes already in the output
//! folder. A session's finished take is listed once, as its `#N` entry,
//! though the library sees its files too.

use std::collections::HashSet;
use std::path::Path;

use crate::library::TakeSummary;
use crate::tui::state::AppState;
use crate::tui::state::log::{EntryState, LogEntry};

#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Session(&'a LogEntry),
    Take(&'a TakeSummary),
}

impl AppState {
    /// Metadata files written by this session's generations.
    fn session_metadata(&self) -> HashSet<&Path> {
        self.log
            .entries()
            .filter_map(|e| match &e.state {
                EntryState::Finished { metadata, .. } => metadata.as_deref(),
                _ => None,
            })
            .collect()
    }

    fn session_rows(&self) -> impl Iterator<Item = &LogEntry> {
        let filtered = self.library.is_filtered();
        self.log.entries().filter(move |e| {
            let a = &e.about;
            !filtered
                || self.library.passes(&format!(
                    "{} {} {} {}",
                    a.genre,
                    a.preset.as_deref().unwrap_or_default(),
                    e.target.model,
                    a.lyrics
                ))
        })
    }

    /// Every row, in the order shown. Cheap: references only.
    pub fn history_rows(&self) -> Vec<Row<'_>> {
        let ours = self.session_metadata();
        self.session_rows()
            .map(Row::Session)
            .chain(
                self.library
                    .visible()
                    .filter(|t| ours.is_empty() || !ours.contains(t.metadata_path.as_path()))
                    .map(Row::Take),
            )
            .collect()
    }

    pub fn history_len(&self) -> usize {
        self.history_rows().len()
    }

    pub fn selected_row(&self) -> Option<Row<'_>> {
        self.history_rows().get(self.history_selected).copied()
    }

    /// The take under the selection: a listed one, or the take a finished
    /// generation of this session wrote.
    pub fn selected_take(&self) -> Option<&TakeSummary> {
        match self.selected_row()? {
            Row::Take(t) => Some(t),
            Row::Session(e) => self.session_take(e),
        }
    }

    /// The take a finished generation of this session wrote: as the
    /// library lists it (which knows when its files go), or as it was
    /// written, until the library sees it.
    pub fn session_take<'a>(&'a self, entry: &'a LogEntry) -> Option<&'a TakeSummary> {
        match &entry.state {
            EntryState::Finished { metadata, take, .. } => metadata
                .as_deref()
                .and_then(|m| self.library.by_metadata(m))
                .or(take.as_deref()),
            _ => None,
        }
    }

    pub fn move_history(&mut self, delta: isize) {
        let n = self.history_len();
        self.history_selected = self
            .history_selected
            .saturating_add_signed(delta)
            .min(n.saturating_sub(1));
    }

    /// Keeps the selection on the take `id` after the list changed.
    pub(super) fn select_take(&mut self, id: &crate::library::TakeId) {
        if let Some(i) = self
            .history_rows()
            .iter()
            .position(|r| matches!(r, Row::Take(t) if t.id == *id))
        {
            self.history_selected = i;
        }
    }

    /// Keeps the selection within the list after it shrank.
    pub(super) fn clamp_history(&mut self) {
        let n = self.history_len();
        self.history_selected = self.history_selected.min(n.saturating_sub(1));
    }
}

//! The preset list: the worker's listing, a `/` filter over name and genre,
//! and the presets already read, for their details and tips.

use std::collections::HashMap;

use crate::domain::presets::{LoadedPreset, PresetSummary};
use crate::tui::state::input::LineInput;

#[derive(Debug, Default)]
pub struct PresetList {
    items: Vec<PresetSummary>,
    filter: LineInput,
    /// The filter is being typed; letters go to it.
    pub filtering: bool,
    /// Index into [`PresetList::visible`].
    selected: usize,
    loaded: HashMap<String, LoadedPreset>,
    /// False until the first listing arrives.
    listed: bool,
}

impl PresetList {
    pub fn is_listed(&self) -> bool {
        self.listed
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Replaces the listing, keeping the selection on the same name when it
    /// is still there. Files may have changed, so details are read again.
    pub fn set_items(&mut self, items: Vec<PresetSummary>) {
        let keep = self.selected().map(|p| p.name.clone());
        self.items = items;
        self.loaded.clear();
        self.listed = true;
        self.selected = 0;
        if let Some(name) = keep {
            self.select_name(&name);
        }
    }

    pub fn filter(&self) -> &LineInput {
        &self.filter
    }

    pub fn filter_mut(&mut self) -> &mut LineInput {
        self.selected = 0;
        &mut self.filter
    }

    pub fn clear_filter(&mut self) {
        let keep = self.selected().map(|p| p.name.clone());
        self.filter = LineInput::default();
        self.filtering = false;
        if let Some(name) = keep {
            self.select_name(&name);
        }
    }

    fn matches(&self, p: &PresetSummary) -> bool {
        let needle = self.filter.text().trim().to_lowercase();
        needle.is_empty()
            || p.name.to_lowercase().contains(&needle)
            || p.genre
                .as_deref()
                .is_some_and(|g| g.to_lowercase().contains(&needle))
    }

    pub fn visible(&self) -> Vec<&PresetSummary> {
        self.items.iter().filter(|p| self.matches(p)).collect()
    }

    pub fn selected_index(&self) -> usize {
        self.selected
    }

    pub fn selected(&self) -> Option<&PresetSummary> {
        self.visible().get(self.selected).copied()
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.visible().len();
        if n == 0 {
            self.selected = 0;
            return;
        }
        self.selected = self.selected.saturating_add_signed(delta).min(n - 1);
    }

    pub fn select_name(&mut self, name: &str) -> bool {
        match self.visible().iter().position(|p| p.name == name) {
            Some(i) => {
                self.selected = i;
                true
            }
            None => false,
        }
    }

    pub fn first_usable(&self) -> Option<&PresetSummary> {
        self.items.iter().find(|p| !p.is_broken())
    }

    pub fn details(&self, name: &str) -> Option<&LoadedPreset> {
        self.loaded.get(name)
    }

    pub fn remember(&mut self, loaded: LoadedPreset) {
        self.loaded.insert(loaded.preset.name.clone(), loaded);
    }
}

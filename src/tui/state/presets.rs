//! The preset list: the worker's listing in the chosen order, a `/` filter
//! over name, genre and description,
//! and the presets already read, for their details and tips.

use std::collections::HashMap;

use crate::domain::presets::{LoadedPreset, PresetSummary};
use crate::tui::state::input::LineInput;

/// How the list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PresetSort {
    #[default]
    Name,
    Genre,
    /// Loaded into the form most recently first (this session), then the
    /// rest by name.
    Recent,
}

impl PresetSort {
    pub fn next(self) -> PresetSort {
        match self {
            PresetSort::Name => PresetSort::Genre,
            PresetSort::Genre => PresetSort::Recent,
            PresetSort::Recent => PresetSort::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PresetSort::Name => "name",
            PresetSort::Genre => "genre",
            PresetSort::Recent => "recent",
        }
    }
}

#[derive(Debug, Default)]
pub struct PresetList {
    items: Vec<PresetSummary>,
    sort: PresetSort,
    /// Names loaded into the form, the latest last.
    used: Vec<String>,
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
        self.order();
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

    pub fn sort(&self) -> PresetSort {
        self.sort
    }

    /// Orders the list the next way, keeping the selection.
    pub fn cycle_sort(&mut self) {
        let keep = self.selected().map(|p| p.name.clone());
        self.sort = self.sort.next();
        self.order();
        if let Some(name) = keep {
            self.select_name(&name);
        }
    }

    /// Notes that a preset went into the form, for the "recently used"
    /// order.
    pub fn used(&mut self, name: &str) {
        self.used.retain(|n| n != name);
        self.used.push(name.to_string());
        if self.sort == PresetSort::Recent {
            let keep = self.selected().map(|p| p.name.clone());
            self.order();
            if let Some(name) = keep {
                self.select_name(&name);
            }
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.items.iter().any(|p| p.name == name)
    }

    fn order(&mut self) {
        let used = &self.used;
        let recency = |name: &str| std::cmp::Reverse(used.iter().position(|n| n == name));
        match self.sort {
            PresetSort::Name => self.items.sort_by(|a, b| a.name.cmp(&b.name)),
            PresetSort::Genre => self.items.sort_by(|a, b| {
                let genre = |p: &PresetSummary| p.genre.clone().unwrap_or_default().to_lowercase();
                genre(a).cmp(&genre(b)).then_with(|| a.name.cmp(&b.name))
            }),
            // Used ones first, latest first; `None` (never used) sorts last
            // under `Reverse`.
            PresetSort::Recent => self.items.sort_by(|a, b| {
                recency(&a.name)
                    .cmp(&recency(&b.name))
                    .then_with(|| a.name.cmp(&b.name))
            }),
        }
    }

    /// The filter matches name, genre and description.
    fn matches(&self, p: &PresetSummary) -> bool {
        let needle = self.filter.text().trim().to_lowercase();
        let has = |s: Option<&str>| s.is_some_and(|s| s.to_lowercase().contains(&needle));
        needle.is_empty()
            || p.name.to_lowercase().contains(&needle)
            || has(p.genre.as_deref())
            || has(p.description.as_deref())
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

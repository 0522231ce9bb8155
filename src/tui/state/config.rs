//! Keeping what the settings view chooses: each change is written to the
//! config file (by the worker), so the next start begins where this one
//! left off. A setting a flag, the environment or `.env` gives outranks the
//! file at start; the view and the confirmation say so.

use std::path::PathBuf;

use strum::VariantArray;

use crate::generate::GenerationSettings;
use crate::tui::state::popup::Setting;
use crate::tui::state::{AppState, Outbox, Pending};
use crate::worker::{ChosenSettings, Request};

#[derive(Debug)]
pub struct ConfigKeeper {
    /// What the config file holds (or what the start resolved, before the
    /// first change): a change is written only when it differs.
    saved: ChosenSettings,
    /// Settings that come from a layer above the config file at start,
    /// and that layer (`env GOOGLE_CLOUD_PROJECT`).
    pub outranked: Vec<(Setting, String)>,
}

impl ConfigKeeper {
    pub fn new(settings: &GenerationSettings) -> ConfigKeeper {
        ConfigKeeper {
            saved: chosen(settings),
            outranked: Vec::new(),
        }
    }

    /// The layer that outranks the config file for `setting`, if any.
    pub fn outranked_by(&self, setting: Setting) -> Option<&str> {
        self.outranked
            .iter()
            .find(|(s, _)| *s == setting)
            .map(|(_, by)| by.as_str())
    }
}

fn chosen(settings: &GenerationSettings) -> ChosenSettings {
    ChosenSettings {
        mode: settings.key.mode,
        project: settings.key.project.clone(),
        location: settings.key.location.clone(),
        model: settings.model,
    }
}

impl AppState {
    /// After an action: if the settings changed, write them.
    pub(super) fn note_settings(&mut self, out: &mut dyn Outbox) {
        let now = chosen(&self.settings);
        if now == self.config.saved {
            return;
        }
        let changed: Vec<Setting> = Setting::VARIANTS
            .iter()
            .copied()
            .filter(|s| differs(*s, &now, &self.config.saved))
            .collect();
        self.config.saved = now.clone();
        let request = Request::SaveSettings {
            path: self.paths.config_file.clone(),
            settings: now,
        };
        self.request(out, request, Pending::SaveSettings(changed));
    }

    /// The worker wrote the file: say where, and what still outranks it.
    pub(super) fn on_settings_saved(&mut self, changed: &[Setting], path: PathBuf) {
        let outranked: Vec<String> = changed
            .iter()
            .filter_map(|s| {
                let by = self.config.outranked_by(*s)?;
                Some(format!(
                    "{by} still sets {} at start",
                    s.label().to_lowercase()
                ))
            })
            .collect();
        let mut text = format!("Settings saved to {}", self.paths.show(&path));
        if !outranked.is_empty() {
            text = format!("{text}; {}", outranked.join(", "));
        }
        self.info(text);
    }
}

fn differs(setting: Setting, a: &ChosenSettings, b: &ChosenSettings) -> bool {
    match setting {
        Setting::Mode => a.mode != b.mode,
        Setting::Project => a.project != b.project,
        Setting::Location => a.location != b.location,
        Setting::Model => a.model != b.model,
        Setting::RestoreBuiltins => false,
    }
}

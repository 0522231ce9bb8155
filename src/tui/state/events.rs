//! Answers from the worker. An answer to a request nobody waits for any
//! more changes nothing and asks for no redraw.

use crate::domain::presets::StoreError;
use crate::generate::{GenerateError, Mode, Stage};
use crate::library::TakeSummary;
use crate::tui::state::log::EntryState;
use crate::tui::state::popup::{Confirm, Popup};
use crate::tui::state::{AppState, Outbox, Pending, SetupCheck};
use crate::worker::{Event, Request, RequestId, WorkerError};

impl AppState {
    /// Applies a worker event; returns whether the screen needs a redraw.
    pub fn on_event(&mut self, event: Event, out: &mut dyn Outbox) -> bool {
        let redraw = self.on_answer(event, out);
        self.note_draft();
        redraw
    }

    fn on_answer(&mut self, event: Event, out: &mut dyn Outbox) -> bool {
        let id = event.id();
        if !event.is_final() {
            return match self.pending.get(&id) {
                Some(Pending::Generate) => self.on_progress(event),
                Some(_) => self.on_take_progress(event, out),
                None => false,
            };
        }
        let Some(pending) = self.pending.remove(&id) else {
            return false;
        };
        if pending.is_take() {
            return self.on_take_event(pending, event, out);
        }
        match (pending, event) {
            (Pending::List, Event::Presets { presets, .. }) => {
                let first_listing = !self.presets.is_listed();
                self.presets.set_items(presets);
                if let Some(name) = self.select_after_list.take() {
                    self.presets.select_name(&name);
                }
                if first_listing {
                    if let Some(name) = self.form.source().map(|p| p.name.clone()) {
                        self.presets.select_name(&name);
                    }
                    self.load_first_preset(out);
                }
                self.peek_selected(out);
            }
            (Pending::Load { apply, .. }, Event::Preset { preset, .. }) => {
                let config = preset.preset.clone();
                let warnings = preset.warnings.clone();
                self.presets.remember(preset);
                if self.source_after_load.as_ref() == Some(&config.name) {
                    self.source_after_load = None;
                    if self.form.source().is_none() {
                        self.form.set_source(config.clone());
                    }
                }
                if apply && self.latest_apply == Some(id) {
                    let announce = self.first_load != Some(id);
                    self.apply_preset(&config, announce);
                    if let Some(w) = warnings.first() {
                        self.info(format!("Loaded {} ({w})", config.name));
                    }
                }
            }
            (Pending::Save(preset), Event::Saved { name, path, .. }) => {
                self.form.set_source(*preset);
                self.info(format!("Saved preset {name} to {}", self.paths.show(&path)));
                self.select_after_list = Some(name);
                self.request(out, Request::ListPresets, Pending::List);
            }
            (
                Pending::Save(preset),
                Event::Failed {
                    error: WorkerError::Store(StoreError::Exists { .. }),
                    ..
                },
            ) => {
                self.popups.push(Popup::Confirm(Confirm::Overwrite(preset)));
            }
            (Pending::Delete, Event::Deleted { name, .. }) => {
                self.info(format!("Deleted preset {name}"));
                self.request(out, Request::ListPresets, Pending::List);
            }
            (Pending::RestoreDraft, Event::Draft { found, .. }) => self.on_draft(found, out),
            (Pending::SaveDraft, Event::DraftSaved { .. }) => return false,
            (Pending::CheckSetup, Event::SetupChecked { report, .. }) => {
                // Only the newest check counts; a setting changed since
                // made the older one stale.
                if !matches!(self.setup_check, SetupCheck::Running(r) if r == id) {
                    return false;
                }
                let settings_open = matches!(self.popups.last(), Some(Popup::Settings { .. }));
                if !settings_open {
                    if report.ok {
                        self.info("Set-up check: gcp mode would work".to_string());
                    } else {
                        self.error(
                            "Set-up check: gcp mode would not work yet (o, c shows why)"
                                .to_string(),
                        );
                    }
                }
                self.setup_check = SetupCheck::Done(report);
            }
            (Pending::RestoreBuiltins, Event::BuiltinsRestored { report, .. }) => {
                match report.restored.as_slice() {
                    [] => self.info("No built-in preset was missing"),
                    names => self.info(format!("Restored built-in presets: {}", names.join(", "))),
                }
                self.request(out, Request::ListPresets, Pending::List);
            }
            (Pending::SaveSettings(changed), Event::SettingsSaved { path, .. }) => {
                self.on_settings_saved(&changed, path)
            }
            (Pending::SaveSettings(_), Event::Failed { error, .. }) => {
                self.error(format!("Settings not saved: {error}"))
            }
            (Pending::RestoreDraft, Event::Failed { error, .. }) => {
                self.draft.restore_answered = true;
                self.error(format!("No draft restored: {error}"));
                self.load_first_preset(out);
            }
            (Pending::SaveDraft, Event::Failed { error, .. }) => {
                self.error(format!("Draft not saved: {error}"))
            }
            (Pending::Generate, Event::Generated { result, .. }) => {
                self.take_ended();
                let result = *result;
                let mut take = TakeSummary::just_written(&result).map(Box::new);
                // What a result does not record is what was asked for.
                if let (Some(t), Some(e)) = (take.as_mut(), self.log.get(id)) {
                    t.model = t.model.or(Some(e.target.model));
                    t.preset = t.preset.take().or_else(|| e.about.preset.clone());
                }
                self.log_end(id, &format!("{}", result.status), take.as_deref());
                self.log
                    .finish(id, self.clock, |took| EntryState::Finished {
                        status: result.status,
                        message: result.message,
                        files: result.files,
                        metadata: result.metadata_path,
                        text: result.text,
                        take,
                        took,
                    });
            }
            (Pending::Generate, Event::Cancelled { .. }) => {
                let may_be_billed = self.log.get(id).is_some_and(|e| e.sent);
                self.log_end(id, "cancelled", None);
                self.log
                    .finish(id, self.clock, |took| EntryState::Cancelled {
                        took,
                        may_be_billed,
                    });
            }
            (Pending::Generate, Event::Failed { error, .. }) => {
                self.take_ended();
                let error = plain_error(&error);
                self.log_end(id, "failed", None);
                self.log
                    .finish(id, self.clock, |took| EntryState::Failed { error, took });
            }
            (_, Event::Failed { error, .. }) => self.error(plain_error(&error)),
            (pending, event) => {
                tracing::warn!(?pending, ?event, "unexpected worker answer");
                return false;
            }
        }
        true
    }

    /// Writes to the log file how generation `#N` ended, under the number
    /// the user sees (the worker's lines name the request id).
    fn log_end(&self, id: RequestId, how: &str, take: Option<&TakeSummary>) {
        let Some(number) = self.log.get(id).map(|e| e.number) else {
            return;
        };
        match take {
            Some(t) => tracing::info!(request = id, take = %t.id, "generation #{number} {how}"),
            None => tracing::info!(request = id, "generation #{number} {how}"),
        }
    }

    /// A running generation's news: it started, or what it is doing.
    fn on_progress(&mut self, event: Event) -> bool {
        match event {
            Event::Started { id } => self.log.start(id, self.clock),
            Event::Progress { id, stage } => match self.log.get_mut(id) {
                Some(e) => {
                    if matches!(stage, Stage::Sending { .. }) && e.target.mode == Mode::Gcp {
                        e.sent = true;
                    }
                    e.progress = Some(stage.to_string());
                    true
                }
                None => false,
            },
            _ => false,
        }
    }
}

/// The error as a sentence; validation lists each field.
fn plain_error(error: &WorkerError) -> String {
    match error {
        WorkerError::Generate(GenerateError::Invalid(errors)) => format!("invalid track: {errors}"),
        other => other.to_string(),
    }
}

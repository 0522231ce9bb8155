//! The takes in the Generations pane: listing them and following the
//! folder, and what the keys on a take do. Everything that touches a file
//! (reading a take, decoding its audio, playing, opening, deleting) is a
//! request to the worker; the answers come back in `on_take_event`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::domain::model::{Model, TrackConfig};
use crate::generate::vertex::check_location;
use crate::generate::{GenerationSettings, Job, Mode};
use crate::library::{Take, TakeId, TakeState, TakeSummary};
use crate::tui::action::Action;
use crate::tui::state::history::Row;
use crate::tui::state::library::{Loaded, Playing, Sound, sort_label};
use crate::tui::state::popup::{Confirm, Discard, Popup};
use crate::tui::state::{AppState, Focus, Outbox, Pending, SetupCheck};
use crate::worker::{Event, Request, WorkerError};

/// What to do with a take once it is read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterLoad {
    /// Show it (details, compare): its waveform is read next.
    Show,
    /// `e`: into the form, asking first if that would lose edits.
    AskEdit,
    Edit,
    Rerun,
    Play,
}

impl AppState {
    /// Starts following the folder, once: the worker answers with one
    /// `TakesChanged` as soon as the watch is set up (so a take added
    /// between the first listing and the watch is listed too), then one
    /// per burst of changes.
    fn watch_takes(&mut self, out: &mut dyn Outbox) {
        if self.library.watched {
            return;
        }
        self.library.watched = true;
        let dir = self.paths.output_dir.clone();
        self.request(out, Request::WatchTakes { dir }, Pending::Watch);
    }

    /// Asks for the takes as the filter and the sort say; an answer to an
    /// earlier listing is dropped.
    pub(super) fn list_takes(&mut self, out: &mut dyn Outbox) {
        self.pending.retain(|_, p| !matches!(p, Pending::Takes));
        let request = Request::ListTakes {
            dir: self.paths.output_dir.clone(),
            query: self.library.query(),
        };
        self.request(out, request, Pending::Takes);
    }

    /// Keys on the Generations pane.
    pub(super) fn on_log(&mut self, action: Action, out: &mut dyn Outbox) -> Result<bool, Action> {
        match action {
            Action::Up => self.move_rows(-1, out),
            Action::Down => self.move_rows(1, out),
            Action::PageUp => self.move_rows(-self.page(), out),
            Action::PageDown => self.move_rows(self.page(), out),
            Action::First => self.move_rows(isize::MIN / 2, out),
            Action::Last => self.move_rows(isize::MAX / 2, out),
            Action::Activate => return Ok(self.show_selected(out)),
            Action::CancelGeneration => match self.selected_row() {
                Some(Row::Session(e)) if e.is_active() => {
                    let (target, number, sent) = (e.id, e.number, e.sent);
                    out.send(Request::Cancel { target });
                    self.log.cancelling(target);
                    if sent {
                        self.error(format!(
                            "Cancelling generation #{number}: it was already sent to Vertex AI \
                             and may be billed even so"
                        ));
                    } else {
                        self.info(format!("Cancelling generation #{number}"));
                    }
                }
                _ => self.error("The selected generation is not running"),
            },
            Action::Filter => self.library.filtering = true,
            Action::Sort => {
                self.library.toggle_sort();
                self.list_takes(out);
                let order = sort_label(self.library.sort());
                self.info(format!("Takes sorted {order}"));
            }
            Action::Back if self.library.is_filtered() => {
                self.library.clear_filter();
                self.list_takes(out);
            }
            Action::Back if !self.library.marked.is_empty() => self.library.marked.clear(),
            Action::Mark => return Ok(self.mark_selected()),
            Action::Compare => self.compare(out),
            Action::Play => self.play_selected(out),
            Action::EditTake => self.with_take(|s, t| s.load_then(&t.id, AfterLoad::AskEdit, out)),
            Action::Rerun => self.with_take(|s, t| s.load_then(&t.id, AfterLoad::Rerun, out)),
            Action::OpenExternal => self.with_take(|s, t| s.open_take(t, out)),
            Action::CopyPath => self.with_take(|s, t| s.copy_path(t)),
            Action::Delete => self.with_take(|s, t| {
                s.popups
                    .push(Popup::Confirm(Confirm::DeleteTake(t.id.clone())))
            }),
            _ => return Err(action),
        }
        Ok(true)
    }

    /// Typing the filter: each change lists again.
    pub(super) fn on_log_filter(
        &mut self,
        action: Action,
        out: &mut dyn Outbox,
    ) -> Result<bool, Action> {
        match action {
            Action::Edit(key) => {
                if self.library.edit_filter(|f| f.handle(key)) {
                    self.history_selected = 0;
                    self.list_takes(out);
                }
            }
            Action::Paste(text) => {
                self.library.edit_filter(|f| {
                    f.insert_str(&text);
                    true
                });
                self.history_selected = 0;
                self.list_takes(out);
            }
            Action::Up => self.move_rows(-1, out),
            Action::Down => self.move_rows(1, out),
            Action::Activate => self.library.filtering = false,
            Action::Back => {
                self.library.clear_filter();
                self.list_takes(out);
            }
            other => return Err(other),
        }
        Ok(true)
    }

    /// Moves the selection; near the end of a page, asks for the next.
    fn move_rows(&mut self, delta: isize, out: &mut dyn Outbox) {
        self.move_history(delta);
        let near_end = self.history_selected + self.page() as usize + 1 >= self.history_len();
        if near_end && self.library.has_more() && !self.waits_for_takes() {
            self.library.grow();
            self.list_takes(out);
        }
    }

    fn waits_for_takes(&self) -> bool {
        self.pending.values().any(|p| matches!(p, Pending::Takes))
    }

    /// Runs `f` on the selected take, or says why there is none.
    fn with_take(&mut self, f: impl FnOnce(&mut AppState, &TakeSummary)) {
        match self.selected_take().cloned() {
            Some(take) => f(self, &take),
            None => {
                let why = match self.selected_row() {
                    Some(Row::Session(e)) if e.is_active() => "This generation is still running",
                    Some(Row::Session(_)) => "This generation wrote no take",
                    _ => "No take selected",
                };
                self.error(why);
            }
        }
    }

    fn show_selected(&mut self, out: &mut dyn Outbox) -> bool {
        match self.selected_row() {
            Some(Row::Session(e)) => {
                let id = e.id;
                if let Some(take) = self.selected_take().map(|t| t.id.clone()) {
                    self.load_then(&take, AfterLoad::Show, out);
                }
                self.popups.push(Popup::Details { id, scroll: 0 });
                true
            }
            Some(Row::Take(t)) => {
                let id = t.id.clone();
                self.load_then(&id, AfterLoad::Show, out);
                self.popups.push(Popup::Take { id, scroll: 0 });
                true
            }
            None => false,
        }
    }

    fn mark_selected(&mut self) -> bool {
        let Some(id) = self.selected_take().map(|t| t.id.clone()) else {
            self.error("Only a take on disk can be compared");
            return true;
        };
        let marked = self.library.toggle_mark(&id);
        if self.library.is_marked(&id) {
            let next = if marked == 2 {
                "press C to compare"
            } else {
                "mark another, or select one and press C"
            };
            self.info(format!("Marked {id} ({marked} of 2): {next}"));
        } else {
            self.info(format!("Unmarked {id}"));
        }
        true
    }

    /// Two marked takes, or the one marked and the one selected.
    fn compare(&mut self, out: &mut dyn Outbox) {
        let selected = self.selected_take().map(|t| t.id.clone());
        let pair = match (self.library.marked.as_slice(), selected) {
            ([a, b], _) => Some((a.clone(), b.clone())),
            ([a], Some(s)) if *a != s => Some((a.clone(), s)),
            _ => None,
        };
        let Some((a, b)) = pair else {
            self.error("Mark two takes with m (or one, then select another), then press C");
            return;
        };
        self.load_then(&a, AfterLoad::Show, out);
        self.load_then(&b, AfterLoad::Show, out);
        self.popups.push(Popup::Compare { a, b, scroll: 0 });
    }

    /// Reads a take whole, unless it was, then does `then` with it.
    pub(super) fn load_then(&mut self, id: &TakeId, then: AfterLoad, out: &mut dyn Outbox) {
        if let Some(take) = self.library.take(id).cloned() {
            self.after_load(take, then, out);
            return;
        }
        let already = self
            .pending
            .values()
            .any(|p| matches!(p, Pending::LoadTake { take, then: t } if take == id && *t == then));
        if already {
            return;
        }
        if then == AfterLoad::Show {
            self.library.set_loaded(id.clone(), Loaded::Reading);
        }
        let request = Request::LoadTake {
            dir: self.paths.output_dir.clone(),
            id: id.to_string(),
        };
        let pending = Pending::LoadTake {
            take: id.clone(),
            then,
        };
        self.request(out, request, pending);
    }

    fn after_load(&mut self, take: Arc<Take>, then: AfterLoad, out: &mut dyn Outbox) {
        match then {
            AfterLoad::Show => self.read_sound(&take, out),
            AfterLoad::AskEdit => self.ask_edit(&take, out),
            AfterLoad::Edit => self.edit_take(&take, out),
            AfterLoad::Rerun => self.rerun(&take, out),
            AfterLoad::Play => self.play(&take, out),
        }
    }

    /// Decodes the take's audio for its waveform and levels, once.
    fn read_sound(&mut self, take: &Take, out: &mut dyn Outbox) {
        let id = take.id().clone();
        if self.library.sound(&id).is_some() {
            return;
        }
        let Some(path) = take.playable() else {
            return;
        };
        self.library.set_sound(id.clone(), Sound::Reading);
        let request = Request::AnalyzeAudio {
            path: path.to_path_buf(),
        };
        self.request(out, request, Pending::Sound(id));
    }

    /// Puts the take in the form; asks first only when the form holds work
    /// the take would replace (not when it already is that take).
    fn ask_edit(&mut self, take: &Take, out: &mut dyn Outbox) {
        let same = take
            .track()
            .is_ok_and(|t| same_track(&t, self.form.track(), self.settings.model));
        if self.form.has_work() && !same {
            let discard = Discard::Take(take.id().clone());
            self.popups.push(Popup::Confirm(Confirm::Discard(discard)));
        } else {
            self.edit_take(take, out);
        }
    }

    /// `e`: the take's track, lyrics included, and the model it ran on go
    /// into the form.
    fn edit_take(&mut self, take: &Take, out: &mut dyn Outbox) {
        let track = match take.track() {
            Ok(t) => t,
            Err(e) => return self.error(format!("Take {} cannot be loaded: {e}", take.id())),
        };
        // The preset it started from stays the form's, so the title names
        // it and the next take records it: at once when the list has read
        // it, else when its details arrive.
        let preset = take.result.preset.clone();
        let source = preset
            .as_deref()
            .and_then(|name| self.presets.details(name))
            .map(|loaded| loaded.preset.clone());
        let known = source.is_some();
        self.form.restore(track, source);
        self.source_after_load = None;
        if let Some(name) = preset
            && self.presets.select_name(&name)
            && !known
        {
            self.source_after_load = Some(name);
            self.peek_selected(out);
        }
        self.focus = Focus::Form;
        // Its settings too: the location it ran at goes with its model
        // (Lyria 3 runs only at `global`), as `r` and `--config` do.
        match take.result.settings.as_ref().map(|s| &s.location) {
            Some(location) if check_location(location).is_err() => self.error(format!(
                "Loaded take {} into the form; its location is not one (kept {})",
                take.id(),
                self.settings.key.location
            )),
            Some(location) if *location != self.settings.key.location => {
                self.settings.key.location = location.clone();
                self.setup_check = SetupCheck::NotRun;
                self.info(format!(
                    "Loaded take {} into the form; location {location}, as it ran",
                    take.id()
                ));
            }
            _ => self.info(format!("Loaded take {} into the form", take.id())),
        }
    }

    /// `r`: the same track, model and options (the seed too, if it had
    /// one) in the current mode; gcp asks with the cost first.
    fn rerun(&mut self, take: &Take, out: &mut dyn Outbox) {
        if self.settings.key.mode == Mode::Gcp && self.settings.key.project.is_none() {
            self.error(
                "Not sent: gcp mode needs a Google Cloud project. Set a project: o → Project",
            );
            return;
        }
        let track = match take.track() {
            Ok(t) => t,
            Err(e) => return self.error(format!("Take {} cannot run again: {e}", take.id())),
        };
        let mut settings = GenerationSettings {
            output: self.output(),
            ..self.settings.clone()
        };
        if let Some(s) = &take.result.settings {
            settings.key.location = s.location.clone();
        }
        if let Err(errors) = track.validate() {
            self.error(format!("Take {} cannot run again: {errors}", take.id()));
            return;
        }
        let mut job = Job::new(track, settings);
        job.preset = take.result.preset.clone();
        self.dispatch(job, out);
        self.focus = Focus::Log;
    }

    fn play_selected(&mut self, out: &mut dyn Outbox) {
        let playing = self.library.playing.as_ref().map(|p| p.id.clone());
        let selected = self.selected_take().map(|t| t.id.clone());
        match (playing, selected) {
            (Some(p), Some(s)) if p == s => {
                out.send(Request::StopPlayback);
            }
            (Some(_), None) => {
                out.send(Request::StopPlayback);
            }
            _ => self.with_take(|s, t| match &t.state {
                TakeState::Simulated => s.error("A simulated take has no audio to play"),
                TakeState::Unreadable { reason } => {
                    s.error(format!("Take {} cannot be read: {reason}", t.id))
                }
                _ => s.load_then(&t.id, AfterLoad::Play, out),
            }),
        }
    }

    fn play(&mut self, take: &Take, out: &mut dyn Outbox) {
        let Some(path) = take.playable() else {
            if take.files.iter().any(|f| f.changed) {
                self.error(format!(
                    "The audio of {} no longer matches what was recorded (changed or damaged)",
                    take.id()
                ));
            } else {
                self.error(format!("The audio of {} is gone from the disk", take.id()));
            }
            return;
        };
        let request = Request::Play {
            path: path.to_path_buf(),
        };
        self.request(out, request, Pending::Play(take.id().clone()));
        self.info(format!("Starting the player for {}", take.id()));
    }

    /// The take's audio file where it is, else its metadata.
    fn take_path(take: &TakeSummary) -> PathBuf {
        take.files
            .iter()
            .find(|p| p.is_file())
            .cloned()
            .unwrap_or_else(|| take.metadata_path.clone())
    }

    fn open_take(&mut self, take: &TakeSummary, out: &mut dyn Outbox) {
        // A take with audio opens in the desktop's player; one without, its
        // folder.
        let path = match take.state {
            TakeState::Ready | TakeState::NotUploaded => Self::take_path(take),
            _ => take
                .metadata_path
                .parent()
                .map_or_else(|| take.metadata_path.clone(), Path::to_path_buf),
        };
        self.request(out, Request::OpenPath { path }, Pending::Open);
    }

    fn copy_path(&mut self, take: &TakeSummary) {
        let path = Self::take_path(take).display().to_string();
        self.info(format!("Copied {path}"));
        self.clipboard = Some(path);
    }

    pub(super) fn delete_take(&mut self, id: TakeId, out: &mut dyn Outbox) {
        if self.library.playing.as_ref().is_some_and(|p| p.id == id) {
            out.send(Request::StopPlayback);
        }
        let request = Request::DeleteTake {
            dir: self.paths.output_dir.clone(),
            id,
        };
        self.request(out, request, Pending::DeleteTake);
    }

    /// The answer to a take request; returns whether the screen changes.
    pub(super) fn on_take_event(
        &mut self,
        pending: Pending,
        event: Event,
        out: &mut dyn Outbox,
    ) -> bool {
        match (pending, event) {
            (Pending::Takes, Event::Takes { page, .. }) => {
                let keep = match self.selected_row() {
                    Some(Row::Take(t)) => Some(t.id.clone()),
                    _ => None,
                };
                self.library.set_page(page);
                match keep {
                    Some(id) => self.select_take(&id),
                    None => self.clamp_history(),
                }
                self.clamp_history();
                self.watch_takes(out);
            }
            (Pending::Takes, Event::Failed { error, .. }) => {
                self.library.error = Some(error.to_string());
                self.watch_takes(out);
            }
            (Pending::LoadTake { take, then }, Event::Take { take: read, .. }) => {
                let read: Arc<Take> = Arc::from(read);
                self.library.set_loaded(take, Loaded::Ready(read.clone()));
                self.after_load(read, then, out);
            }
            (Pending::LoadTake { take, then }, Event::Failed { error, .. }) => {
                let text = error.to_string();
                // Deleted meanwhile (by hand, by another process): not
                // kept marked, not listed.
                if matches!(
                    error,
                    WorkerError::Library(crate::library::LibraryError::NotFound(_))
                ) {
                    self.library.remove(&take);
                    self.clamp_history();
                }
                if then == AfterLoad::Show {
                    self.library.set_loaded(take, Loaded::Failed(text));
                } else {
                    self.error(text);
                }
            }
            (Pending::Sound(take), Event::Analyzed { analysis, .. }) => {
                self.library
                    .set_sound(take, Sound::Ready(Arc::from(analysis)));
            }
            (Pending::Sound(take), Event::Failed { error, .. }) => {
                self.library
                    .set_sound(take, Sound::Failed(error.to_string()));
            }
            (Pending::Play(take), Event::PlaybackEnded { failure, .. }) => {
                if self.library.playing.as_ref().is_some_and(|p| p.id == take) {
                    self.library.playing = None;
                }
                if let Some(failure) = failure {
                    self.error(format!("Could not play {take}: {failure}"));
                }
            }
            (Pending::Play(_), Event::Failed { error, .. }) => self.error(error.to_string()),
            (Pending::Open, Event::Opened { program, .. }) => {
                self.info(format!("Opened with {program}"));
            }
            (Pending::DeleteTake, Event::TakeDeleted { take, bytes, .. }) => {
                self.library.remove(&take);
                self.clamp_history();
                self.info(format!(
                    "Deleted take {take} ({} freed)",
                    crate::text::bytes(bytes)
                ));
                self.list_takes(out);
            }
            (_, Event::Failed { error, .. }) => self.error(error.to_string()),
            (pending, event) => {
                tracing::warn!(?pending, ?event, "unexpected worker answer");
                return false;
            }
        }
        true
    }

    /// News before the end of a take request: the folder changed, a player
    /// started.
    pub(super) fn on_take_progress(&mut self, event: Event, out: &mut dyn Outbox) -> bool {
        let id = event.id();
        match (self.pending.get(&id), event) {
            (Some(Pending::Watch), Event::TakesChanged { .. }) => {
                self.list_takes(out);
                false
            }
            (Some(Pending::Play(take)), Event::Playing { player, .. }) => {
                let take = take.clone();
                self.info(format!("Playing {take} with {player}; p stops"));
                self.library.playing = Some(Playing {
                    id: take,
                    player,
                    since: self.clock,
                });
                true
            }
            _ => false,
        }
    }
}

/// Whether two tracks would make the same request: an unset model is the
/// default one, an unset sample count is one.
fn same_track(a: &TrackConfig, b: &TrackConfig, default_model: Model) -> bool {
    let settled = |t: &TrackConfig| TrackConfig {
        model: Some(t.model.unwrap_or(default_model)),
        sample_count: Some(t.sample_count.unwrap_or(1)),
        ..t.clone()
    };
    settled(a) == settled(b)
}

//! Keeping the session's draft: when the form or lyrics change, a write is
//! due a moment after the typing stops; quitting writes at once. The state
//! only decides what and when; the worker does the file work.

use std::path::PathBuf;
use std::time::Duration;

use crate::domain::drafts::{self, Draft};
use crate::domain::model::{PresetConfig, TrackConfig};
use crate::tui::state::{AppState, Outbox, Pending};
use crate::worker::{Request, RequestId};

/// How long after the last change the draft is written.
pub const DRAFT_DELAY: Duration = Duration::from_millis(800);

/// What a draft holds; compared to know whether a write is due.
type Snapshot = (TrackConfig, Option<PresetConfig>);

#[derive(Debug)]
pub struct DraftKeeper {
    /// This session's own file.
    pub path: PathBuf,
    dir: PathBuf,
    /// What this session last wrote; `None` until it writes.
    written: Option<Snapshot>,
    /// When the next write is due (on the app's clock).
    due: Option<Duration>,
    /// The start's restore has been answered.
    pub(super) restore_answered: bool,
}

impl DraftKeeper {
    pub fn new(dir: PathBuf) -> DraftKeeper {
        DraftKeeper {
            path: drafts::session_path(&dir),
            dir,
            written: None,
            due: None,
            restore_answered: false,
        }
    }
}

impl AppState {
    pub(super) fn ask_for_draft(&mut self, out: &mut dyn Outbox) {
        let dir = self.draft.dir.clone();
        self.request(out, Request::RestoreDraft { dir }, Pending::RestoreDraft);
    }

    fn draft_snapshot(&self) -> Snapshot {
        (self.form.track().clone(), self.form.source().cloned())
    }

    /// After a change: a write is due a moment from now, unless the draft
    /// on disk already says this or there is nothing to keep yet. A session
    /// that never held work writes no file at all.
    pub(super) fn note_draft(&mut self) {
        if !self.draft.restore_answered {
            return;
        }
        let now = self.draft_snapshot();
        let changed = self.draft.written.as_ref() != Some(&now);
        let worth = self.draft.written.is_some() || Draft::new(now.0, now.1).has_work();
        self.draft.due = (changed && worth).then_some(self.clock + DRAFT_DELAY);
    }

    /// When the app should call [`AppState::flush_draft`].
    pub fn draft_due(&self) -> Option<Duration> {
        self.draft.due
    }

    /// Writes the draft if one is due (or, with `now`, whenever this
    /// session has one to keep: quitting always leaves the newest). Returns
    /// the request to wait for.
    pub fn flush_draft(&mut self, out: &mut dyn Outbox, now: bool) -> Option<RequestId> {
        let due = self.draft.due.take().is_some();
        let snapshot = self.draft_snapshot();
        let keep = self.draft.written.is_some()
            || Draft::new(snapshot.0.clone(), snapshot.1.clone()).has_work();
        if !(due || now && keep) || !self.draft.restore_answered {
            return None;
        }
        let draft = Box::new(Draft::new(snapshot.0.clone(), snapshot.1.clone()));
        self.draft.written = Some(snapshot);
        let path = self.draft.path.clone();
        Some(self.request(out, Request::SaveDraft { path, draft }, Pending::SaveDraft))
    }

    /// The start's answer: the newest draft goes into the form; without
    /// one, the first preset does.
    pub(super) fn on_draft(
        &mut self,
        found: Option<Box<drafts::FoundDraft>>,
        out: &mut dyn Outbox,
    ) {
        self.draft.restore_answered = true;
        match found {
            Some(found) => {
                let drafts::FoundDraft {
                    draft, saved_at, ..
                } = *found;
                self.form.restore(draft.track, draft.source);
                self.latest_apply = None;
                self.first_loaded = true;
                if let Some(name) = self.form.source().map(|p| p.name.clone()) {
                    self.presets.select_name(&name);
                }
                self.info(format!("Restored your draft from {saved_at}"));
            }
            None => self.load_first_preset(out),
        }
        self.note_draft();
    }
}

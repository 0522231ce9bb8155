//! The generation log: one entry per generate request, from queued to its
//! end. Bounded, so a long session does not grow without limit; entries
//! still in flight are never dropped.

use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::model::{Model, TrackConfig};
use crate::generate::result::{OutputFile, Status};
use crate::generate::{Job, Mode};
use crate::library::{TakeSummary, first_words};
use crate::worker::RequestId;

pub const MAX_ENTRIES: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub enum EntryState {
    Queued,
    Running {
        since: Duration,
    },
    /// Cancel was sent; the worker has not confirmed yet.
    Cancelling {
        since: Duration,
    },
    Finished {
        status: Status,
        message: String,
        /// The audio files, with their type and size.
        files: Vec<OutputFile>,
        /// The metadata JSON written next to them.
        metadata: Option<PathBuf>,
        /// Text the model returned with the audio (Lyria 3: the lyrics).
        text: Option<String>,
        /// The take as the library will list it, made from the result
        /// (boxed: it is the largest part of an entry).
        take: Option<Box<TakeSummary>>,
        took: Duration,
    },
    Failed {
        error: String,
        took: Duration,
    },
    Cancelled {
        took: Duration,
        /// The request had been sent to Vertex AI before the cancel, so
        /// Google may have made (and billed) the audio anyway.
        may_be_billed: bool,
    },
}

/// Where a generation runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub mode: Mode,
    pub model: Model,
    pub location: String,
    pub project: Option<String>,
}

impl Target {
    pub fn of(job: &Job) -> Target {
        Target {
            mode: job.settings.key.mode,
            model: job.model(),
            location: job.settings.key.location.clone(),
            project: job.settings.key.project.clone(),
        }
    }
}

/// `simulate`, or the model that is called.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            Mode::Simulate => Mode::Simulate.fmt(f),
            Mode::Gcp => self.model.fmt(f),
        }
    }
}

/// What tells a generation apart from the others, as a take in the
/// library shows it: the preset or genre, seed, temperature and the start
/// of the lyrics (the model is the target's).
#[derive(Debug, Clone, PartialEq)]
pub struct About {
    pub preset: Option<String>,
    pub genre: String,
    pub seed: Option<u64>,
    pub temperature: f64,
    /// The start of the lyrics, on one line.
    pub lyrics: String,
    /// The whole track it was asked with, for its details (boxed: the
    /// lyrics may be long, and entries are many).
    pub track: Box<TrackConfig>,
}

impl About {
    pub fn of(job: &Job) -> About {
        About {
            preset: job.preset.clone(),
            genre: job.track.genre.clone(),
            seed: job.track.seed,
            temperature: job.track.temperature,
            lyrics: first_words(&job.track.text_input),
            track: Box::new(job.track.clone()),
        }
    }

    /// The preset it started from, else its genre.
    pub fn name(&self) -> &str {
        self.preset.as_deref().unwrap_or(&self.genre)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub id: RequestId,
    /// What the user sees: 1 for the session's first generation, then 2, …
    /// (request ids also count listings and saves). The log file and the
    /// status line name a generation by it too.
    pub number: u64,
    pub about: About,
    pub target: Target,
    pub queued_at: Duration,
    pub state: EntryState,
    /// The latest progress line of a running generation.
    pub progress: Option<String>,
    /// A gcp request has left for Vertex AI: from here it may be billed.
    pub sent: bool,
}

impl LogEntry {
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            EntryState::Queued | EntryState::Running { .. } | EntryState::Cancelling { .. }
        )
    }

    /// Every file a finished generation wrote: the audio, then the
    /// metadata.
    pub fn written(&self) -> Vec<&Path> {
        match &self.state {
            EntryState::Finished {
                files, metadata, ..
            } => files
                .iter()
                .map(|f| f.path.as_path())
                .chain(metadata.as_deref())
                .collect(),
            _ => Vec::new(),
        }
    }

    fn started(&self) -> Duration {
        match self.state {
            EntryState::Running { since } | EntryState::Cancelling { since } => since,
            _ => self.queued_at,
        }
    }
}

#[derive(Debug, Default)]
pub struct GenerationLog {
    /// Oldest first.
    entries: VecDeque<LogEntry>,
    pushed: u64,
}

impl GenerationLog {
    /// Adds a queued generation; returns its number.
    pub fn push(&mut self, id: RequestId, about: About, target: Target, now: Duration) -> u64 {
        self.pushed += 1;
        self.entries.push_back(LogEntry {
            id,
            number: self.pushed,
            about,
            target,
            queued_at: now,
            state: EntryState::Queued,
            progress: None,
            sent: false,
        });
        if self.entries.len() > MAX_ENTRIES
            && let Some(i) = self.entries.iter().position(|e| !e.is_active())
        {
            self.entries.remove(i);
        }
        self.pushed
    }

    /// Newest first.
    pub fn entries(&self) -> impl Iterator<Item = &LogEntry> {
        self.entries.iter().rev()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: RequestId) -> Option<&LogEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn get_mut(&mut self, id: RequestId) -> Option<&mut LogEntry> {
        self.entries.iter_mut().find(|e| e.id == id)
    }

    pub fn any_active(&self) -> bool {
        self.entries.iter().any(LogEntry::is_active)
    }

    pub fn active_count(&self) -> usize {
        self.entries.iter().filter(|e| e.is_active()).count()
    }

    pub fn start(&mut self, id: RequestId, now: Duration) -> bool {
        match self.get_mut(id) {
            Some(e) if e.state == EntryState::Queued => {
                e.state = EntryState::Running { since: now };
                true
            }
            _ => false,
        }
    }

    pub fn cancelling(&mut self, id: RequestId) {
        if let Some(e) = self.get_mut(id)
            && e.is_active()
        {
            let since = e.started();
            e.state = EntryState::Cancelling { since };
        }
    }

    /// Ends an entry, measuring from when it started running (or was
    /// queued, if it never did).
    pub fn finish(
        &mut self,
        id: RequestId,
        now: Duration,
        end: impl FnOnce(Duration) -> EntryState,
    ) {
        if let Some(e) = self.get_mut(id) {
            let took = now.saturating_sub(e.started());
            e.state = end(took);
            e.progress = None;
        }
    }
}

//! One take: what a listing shows of it, and all of it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::layers::{self, LayerError};
use crate::domain::model::{Model, TrackConfig};
use crate::domain::result_file;
use crate::generate::result::OutputFile;
use crate::generate::{GenerationResult, Mode, Status};

/// A take's id: its metadata file's stem, e.g. `20260101-120000-rock`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TakeId(pub String);

impl TakeId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TakeId {
    /// Ids in the order their takes were named: a name taken twice in
    /// one second gets `-2`, `-3`, … `-12` (the first has none), so those
    /// compare by number, not by text (where `-12` sorts before `-2`).
    pub fn natural_cmp(&self, other: &TakeId) -> std::cmp::Ordering {
        let (a, an) = numbered(&self.0);
        let (b, bn) = numbered(&other.0);
        a.cmp(b)
            .then(an.cmp(&bn))
            .then_with(|| self.0.cmp(&other.0))
    }
}

/// `rock-12` → (`rock`, 12); a name without a number is the first, 1.
fn numbered(id: &str) -> (&str, u64) {
    if let Some((base, n)) = id.rsplit_once('-')
        && !base.is_empty()
        && !n.is_empty()
        && n.len() <= 6
        && n.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = n.parse()
    {
        return (base, n);
    }
    (id, 1)
}

impl std::fmt::Display for TakeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a take can be listened to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TakeState {
    /// Every audio file is where the metadata says (or beside it).
    Ready,
    /// Simulate mode: a prompt and a cost, no audio.
    Simulated,
    /// Some or all of its audio files were moved or deleted.
    Missing { missing: usize, files: usize },
    /// Some or all of its audio files are there but no longer match the
    /// size and sha256 its metadata recorded: changed or damaged.
    Changed { changed: usize, files: usize },
    /// The metadata file is not one music-gen can read.
    Unreadable { reason: String },
    /// Its upload to the bucket failed: it is whole on this machine, in
    /// the spool folder its `metadata_path` names, until `music-gen
    /// history upload` puts it in the bucket.
    NotUploaded,
}

impl std::fmt::Display for TakeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TakeState::Ready => f.write_str("ready"),
            TakeState::Simulated => f.write_str("simulated"),
            TakeState::Missing { missing, files } if missing == files => {
                f.write_str("audio missing")
            }
            TakeState::Missing { missing, files } => {
                write!(f, "{missing} of {files} files missing")
            }
            TakeState::Changed { changed, files } if changed == files => {
                f.write_str("audio changed")
            }
            TakeState::Changed { changed, files } => {
                write!(f, "{changed} of {files} files changed")
            }
            TakeState::Unreadable { .. } => f.write_str("unreadable"),
            TakeState::NotUploaded => f.write_str("not uploaded"),
        }
    }
}

/// What tells takes apart in a list; small, so 10,000 of them fit in a few
/// megabytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TakeSummary {
    pub id: TakeId,
    pub metadata_path: PathBuf,
    /// Unix seconds: when it was made, from its name or its file.
    pub time: i64,
    /// `None` for an unreadable file.
    pub status: Option<Status>,
    pub mode: Option<Mode>,
    pub genre: String,
    pub preset: Option<String>,
    pub model: Option<Model>,
    pub seed: Option<u64>,
    pub temperature: Option<f64>,
    /// The start of the lyrics, on one line.
    pub lyrics: String,
    /// Every distinct word of the lyrics, lowercased, for filtering.
    #[serde(default)]
    pub words: String,
    /// Measured length of the first audio file.
    pub duration_seconds: Option<f64>,
    /// What the generation cost (estimated, or billed in gcp mode).
    pub cost_usd: f64,
    /// Audio paths as recorded.
    pub files: Vec<PathBuf>,
    /// Their sizes as recorded, so a listing tells a changed file from a
    /// whole one without reading it (empty in a summary kept before
    /// sizes were).
    #[serde(default)]
    pub file_bytes: Vec<u64>,
    pub state: TakeState,
}

/// Longest start of the lyrics a summary keeps.
const LYRICS_SHOWN: usize = 80;
/// Most bytes of distinct words a summary keeps for filtering.
const WORDS_KEPT: usize = 2000;

impl TakeSummary {
    pub(crate) fn of(
        id: TakeId,
        metadata_path: &Path,
        time: i64,
        r: &GenerationResult,
    ) -> TakeSummary {
        let files = r
            .files
            .iter()
            .map(|f| (f.path.as_path(), Some(f.size_bytes)));
        let state = files_state(metadata_path, files, Some(r.status));
        TakeSummary::with_state(id, metadata_path, time, r, state)
    }

    fn with_state(
        id: TakeId,
        metadata_path: &Path,
        time: i64,
        r: &GenerationResult,
        state: TakeState,
    ) -> TakeSummary {
        let text = lyrics_of(r);
        let settings = r.settings.as_ref();
        TakeSummary {
            id,
            metadata_path: metadata_path.to_path_buf(),
            time,
            status: Some(r.status),
            mode: Some(r.mode),
            genre: r.genre.clone(),
            preset: r.preset.clone(),
            model: settings.map(|s| s.model).or(r.model),
            seed: settings
                .and_then(|s| s.seed)
                .or(r.track.as_ref().and_then(|t| t.seed)),
            temperature: Some(r.metadata.temperature),
            lyrics: first_words(&text),
            words: distinct_words(&text),
            duration_seconds: r
                .files
                .first()
                .and_then(|f| f.audio.as_ref())
                .map(|a| a.duration_seconds),
            cost_usd: r.cost_estimate.estimated_total_usd,
            files: r.files.iter().map(|f| f.path.clone()).collect(),
            file_bytes: r.files.iter().map(|f| f.size_bytes).collect(),
            state,
        }
    }

    /// The summary of a take this process has just written, from its
    /// result and without reading the disk: its files are where the
    /// result says, since they were written a moment ago. `None` when no
    /// metadata file was written.
    pub fn just_written(r: &GenerationResult) -> Option<TakeSummary> {
        let path = r.metadata_path.as_deref()?;
        let stem = path.file_stem()?.to_string_lossy().into_owned();
        let time = super::index::time_from_name(&stem)
            .or_else(|| r.created_at.as_deref().and_then(unix_time))
            .unwrap_or(0);
        let state = state_for(r.files.len(), 0, Some(r.status));
        Some(TakeSummary::with_state(TakeId(stem), path, time, r, state))
    }

    /// The summary of a take in a bucket, `missing` of whose audio
    /// objects are gone and `changed` no longer what was recorded.
    pub(crate) fn in_bucket(
        id: TakeId,
        metadata_url: &Path,
        time: i64,
        r: &GenerationResult,
        missing: usize,
        changed: usize,
    ) -> TakeSummary {
        let state = damaged(
            state_for(r.files.len(), missing, Some(r.status)),
            changed,
            r.files.len(),
        );
        TakeSummary::with_state(id, metadata_url, time, r, state)
    }

    /// The summary of a take waiting in a bucket's spool folder.
    pub(crate) fn spooled(
        id: TakeId,
        metadata_path: &Path,
        time: i64,
        r: &GenerationResult,
    ) -> TakeSummary {
        TakeSummary::with_state(id, metadata_path, time, r, TakeState::NotUploaded)
    }

    /// The state again, for a cached summary of a take in a bucket.
    pub(crate) fn restate(&mut self, missing: usize, changed: usize) {
        if !matches!(self.state, TakeState::Unreadable { .. }) {
            self.state = damaged(
                state_for(self.files.len(), missing, self.status),
                changed,
                self.files.len(),
            );
        }
    }

    pub(crate) fn unreadable(
        id: TakeId,
        metadata_path: &Path,
        time: i64,
        reason: String,
    ) -> TakeSummary {
        TakeSummary {
            id,
            metadata_path: metadata_path.to_path_buf(),
            time,
            status: None,
            mode: None,
            genre: String::new(),
            preset: None,
            model: None,
            seed: None,
            temperature: None,
            lyrics: String::new(),
            words: String::new(),
            duration_seconds: None,
            cost_usd: 0.0,
            files: Vec::new(),
            file_bytes: Vec::new(),
            state: TakeState::Unreadable { reason },
        }
    }

    /// Looks at the disk again for the audio files (cached summaries keep
    /// the state they were read with).
    pub(crate) fn recheck_files(&mut self) {
        if matches!(self.state, TakeState::Unreadable { .. }) {
            return;
        }
        let sizes = (self.file_bytes.len() == self.files.len()).then_some(&self.file_bytes);
        let files = self
            .files
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_path(), sizes.map(|s| s[i])));
        self.state = files_state(&self.metadata_path, files, self.status);
    }

    /// The time as `2026-01-01 12:00` (UTC).
    pub fn when(&self) -> String {
        format_time(self.time)
    }
}

/// The lyrics: the recorded track's, else recovered from the prompt (the
/// Python tool's results).
fn lyrics_of(r: &GenerationResult) -> String {
    if let Some(t) = &r.track {
        return t.text_input.clone();
    }
    let mut probe = TrackConfig::new("", r.genre.clone());
    probe.duration_seconds = r.duration_seconds;
    probe.structure = r.metadata.structure.clone();
    probe.style_references = r.metadata.style_references.clone();
    probe.temperature = r.metadata.temperature;
    crate::domain::prompt::lyrics_from(&probe, &r.prompt).unwrap_or_default()
}

/// The start of some lyrics on one line, as a summary shows it.
pub fn first_words(text: &str) -> String {
    let mut out = String::new();
    for w in text.split_whitespace() {
        if out.chars().count() + w.chars().count() + 1 > LYRICS_SHOWN {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn distinct_words(text: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = String::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
    {
        let w = w.to_lowercase();
        if out.len() + w.len() + 1 > WORDS_KEPT {
            break;
        }
        if seen.insert(w.clone()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&w);
        }
    }
    out
}

fn state_for(files: usize, missing: usize, status: Option<Status>) -> TakeState {
    if files == 0 {
        return if status == Some(Status::Completed) {
            TakeState::Missing {
                missing: 0,
                files: 0,
            }
        } else {
            TakeState::Simulated
        };
    }
    if missing == 0 {
        TakeState::Ready
    } else {
        TakeState::Missing { missing, files }
    }
}

/// The state once `changed` of the files that are there no longer match
/// what was recorded (a missing file says more, and comes first).
fn damaged(state: TakeState, changed: usize, files: usize) -> TakeState {
    match state {
        TakeState::Ready if changed > 0 => TakeState::Changed { changed, files },
        state => state,
    }
}

/// The state of a take in a folder from its audio files (each path as
/// recorded, with its recorded size when known): missing where none is
/// found, changed where one is found with another size.
fn files_state<'a>(
    metadata_path: &Path,
    files: impl ExactSizeIterator<Item = (&'a Path, Option<u64>)>,
    status: Option<Status>,
) -> TakeState {
    let count = files.len();
    let (mut missing, mut changed) = (0, 0);
    for (path, recorded) in files {
        match locate(metadata_path, path) {
            None => missing += 1,
            Some((_, len)) if recorded.is_some_and(|r| r != len) => changed += 1,
            Some(_) => {}
        }
    }
    damaged(state_for(count, missing, status), changed, count)
}

/// Where an audio file is now: where it was written, or beside its
/// metadata (the whole folder was moved); `None` when it is gone.
///
/// Only a regular file in the metadata's own folder counts (music-gen
/// always writes a take's audio beside its metadata): a metadata file that
/// names `/etc/shadow`, or a link in the folder pointing out of it, must
/// never make the server send, the player open or a prune count that file.
///
/// The file's size comes with it, from the same `stat`.
fn locate(metadata_path: &Path, recorded: &Path) -> Option<(PathBuf, u64)> {
    let folder = crate::domain::atomic::parent(metadata_path);
    let home = folder.canonicalize().ok()?;
    let inside = |p: &Path| {
        let found = p.canonicalize().ok()?;
        let meta = std::fs::metadata(&found).ok()?;
        (found.parent() == Some(home.as_path()) && meta.is_file()).then_some((found, meta.len()))
    };
    if recorded.is_absolute()
        && let Some(found) = inside(recorded)
    {
        return Some(found);
    }
    inside(&folder.join(recorded.file_name()?))
}

/// All of a take: its metadata as written, and where its files are now.
#[derive(Debug, Clone, PartialEq)]
pub struct Take {
    pub summary: TakeSummary,
    pub result: GenerationResult,
    pub files: Vec<TakeFile>,
}

/// One audio file of a take.
#[derive(Debug, Clone, PartialEq)]
pub struct TakeFile {
    /// What the metadata recorded (path, size, digest, measured audio).
    pub recorded: OutputFile,
    /// Where it is now, `None` if it was moved away or deleted (or, in a
    /// bucket, is not what was recorded).
    pub found: Option<PathBuf>,
    /// It is there, but its size or sha256 is not what the metadata
    /// recorded: changed or damaged since.
    pub changed: bool,
}

impl Take {
    /// A take in a folder: its files where they are now, a file whose
    /// size is not the one recorded marked changed.
    pub(crate) fn new(mut summary: TakeSummary, result: GenerationResult) -> Take {
        let files: Vec<TakeFile> = result
            .files
            .iter()
            .map(|f| {
                let found = locate(&summary.metadata_path, &f.path);
                let changed = found.as_ref().is_some_and(|(_, len)| *len != f.size_bytes);
                let found = found.map(|(path, _)| path);
                TakeFile {
                    recorded: f.clone(),
                    found,
                    changed,
                }
            })
            .collect();
        let changed = files.iter().filter(|f| f.changed).count();
        summary.state = damaged(summary.state, changed, files.len());
        Take {
            summary,
            result,
            files,
        }
    }

    pub fn id(&self) -> &TakeId {
        &self.summary.id
    }

    /// The track that made it, with the model it ran on: recorded whole
    /// since schema 1, rebuilt from the Python tool's keys (lyrics from the
    /// prompt) before that. The same as `--config` on its metadata file.
    pub fn track(&self) -> Result<TrackConfig, LayerError> {
        let value = serde_json::to_value(&self.result).map_err(|e| LayerError::Read {
            origin: None,
            message: e.to_string(),
        })?;
        let (layer, _) = result_file::layer(None, &value)?;
        layers::resolve(&[layer])
    }

    /// The first audio file still on disk.
    pub fn playable(&self) -> Option<&Path> {
        self.files.iter().find_map(|f| f.found.as_deref())
    }

    /// Bytes of the take's files that are on disk, metadata included.
    pub fn bytes_on_disk(&self) -> u64 {
        let meta = std::fs::metadata(&self.summary.metadata_path).map_or(0, |m| m.len());
        meta + self
            .owned_files()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum::<u64>()
    }
}

impl Take {
    /// The audio files on disk that a delete of this take removes: those
    /// named after it (see [`owns`]).
    pub fn owned_files(&self) -> impl Iterator<Item = &Path> {
        self.files
            .iter()
            .filter_map(|f| f.found.as_deref())
            .filter(|p| owns(self.id(), p))
    }
}

/// Whether take `id` owns the audio file at `path`: music-gen (and the
/// Python tool) name a take's audio after its metadata, `ID.ext` or
/// `ID-N.ext` for its N-th sample. A metadata file copied under another
/// name (to keep a track's settings, say) still names the original's
/// audio; deleting the copy must leave that audio to the take it belongs to.
pub(crate) fn owns(id: &TakeId, path: &Path) -> bool {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    match stem.strip_prefix(id.0.as_str()) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('-')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

/// `2026-01-01 12:00` (UTC) from unix seconds.
/// RFC 3339 (as results record `created_at`) → unix seconds.
fn unix_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

pub fn format_time(secs: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(secs) else {
        return "?".to_string();
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.format(&fmt).unwrap_or_else(|_| "?".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_taken_in_one_second_sort_by_their_number() {
        let mut ids: Vec<TakeId> = [
            "20261130-181102-rock-10",
            "20261130-181102-rock-2",
            "20261130-181102-rock",
            "20261130-181102-rock-9",
            "20261130-181102-jazz",
            "20261130-181102-rock-v01",
        ]
        .map(|s| TakeId(s.into()))
        .to_vec();
        ids.sort_by(|a, b| a.natural_cmp(b));
        let names: Vec<&str> = ids.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "20261130-181102-jazz",
                "20261130-181102-rock",
                "20261130-181102-rock-2",
                "20261130-181102-rock-9",
                "20261130-181102-rock-10",
                "20261130-181102-rock-v01",
            ]
        );
    }

    #[test]
    fn a_take_owns_the_audio_named_after_it_and_its_numbered_samples() {
        let id = TakeId("20260101-120000-rock".into());
        for (name, owned) in [
            ("20260101-120000-rock.wav", true),
            ("20260101-120000-rock-2.mp3", true),
            ("20260101-120000-rock-12.wav", true),
            ("20260101-120000-rock-.wav", false),
            ("20260101-120000-rock-2-1.wav", false),
            ("20260101-120000-rockx.wav", false),
            ("20260101-120000-roc.wav", false),
            ("20260102-090000-beta.wav", false),
        ] {
            assert_eq!(owns(&id, Path::new(name)), owned, "{name}");
        }
        // A take named like another's sample owns its own samples too.
        let second = TakeId("20260101-120000-rock-2".into());
        assert!(owns(&second, Path::new("/x/20260101-120000-rock-2-1.wav")));
    }

    #[test]
    fn words_are_distinct_and_lowercase_and_the_start_is_one_line() {
        assert_eq!(
            distinct_words("Hold on,\nhold ON — the night's young"),
            "hold on the night's young"
        );
        let long = "la ".repeat(100);
        let start = first_words(&long);
        assert!(start.ends_with('…') && start.chars().count() <= LYRICS_SHOWN + 1);
        assert_eq!(first_words("a\nb\n\nc"), "a b c");
    }

    #[test]
    fn python_prompts_give_back_their_lyrics() {
        let track = TrackConfig::new("Line one\nLine two", "rock");
        let mut r = GenerationResult::for_job(
            &crate::generate::Job::new(track, Default::default()),
            Status::Simulated,
            String::new(),
            crate::domain::cost::simulate(60),
        );
        r.track = None;
        assert_eq!(lyrics_of(&r), "Line one\nLine two");
        assert_eq!(format_time(0), "1970-01-01 00:00");
    }
}

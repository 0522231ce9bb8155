//! Drafts: the form and lyrics of a TUI session, kept on disk so a quit or
//! an SSH drop loses nothing. Each session writes a file of its own (two
//! TUIs at once never overwrite each other); the next start offers the
//! newest. Writes are atomic, so a crash mid-write leaves the old draft.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::domain::atomic;
use crate::domain::model::{PresetConfig, TrackConfig};

/// Bumped when the file's shape changes; a draft of another version is
/// skipped, not misread.
pub const DRAFT_VERSION: u32 = 1;

/// Drafts beyond this many (the oldest) are removed when a session starts,
/// so a folder used for years stays small.
pub const KEEP_DRAFTS: usize = 20;

const PREFIX: &str = "draft-";
const EXTENSION: &str = "json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub version: u32,
    /// Milliseconds since the Unix epoch; the newest draft wins.
    pub saved_at_ms: u64,
    /// The whole form, lyrics included.
    pub track: TrackConfig,
    /// The preset the form came from, so its name and the modified marker
    /// come back with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<PresetConfig>,
}

impl Draft {
    pub fn new(track: TrackConfig, source: Option<PresetConfig>) -> Draft {
        Draft {
            version: DRAFT_VERSION,
            saved_at_ms: now_ms(),
            track,
            source,
        }
    }

    /// Whether there is anything a user would miss: words, or a form that
    /// is not simply its preset (or, without one, not simply empty).
    pub fn has_work(&self) -> bool {
        !self.track.text_input.trim().is_empty()
            || match &self.source {
                Some(p) => differs_from_preset(p, &self.track),
                None => !self.track.genre.trim().is_empty(),
            }
    }
}

/// Whether the track's preset fields (all but the words and the duration,
/// which a preset does not have) differ from `preset`.
pub fn differs_from_preset(preset: &PresetConfig, track: &TrackConfig) -> bool {
    let as_preset = PresetConfig::from_track(
        preset.name.clone(),
        preset.description.clone(),
        preset.tips.clone(),
        track,
    );
    as_preset != *preset
}

#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("draft {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A draft found on disk, with the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundDraft {
    pub path: PathBuf,
    pub draft: Draft,
    /// When it was saved, as local `HH:MM` (with the date when not today).
    pub saved_at: String,
}

/// The file a new session writes its draft to: unique per process and
/// start time.
pub fn session_path(dir: &Path) -> PathBuf {
    dir.join(format!(
        "{PREFIX}{}-{}.{EXTENSION}",
        now_ms(),
        std::process::id()
    ))
}

/// Writes `draft` atomically to `path`.
pub fn save(path: &Path, draft: &Draft) -> Result<(), DraftError> {
    let bytes = serde_json::to_vec_pretty(draft).expect("a draft serializes");
    atomic::write(path, &bytes).map_err(|source| DraftError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The newest readable draft in `dir` when it holds work (a session that
/// ended with an empty form offers nothing), and removes the oldest drafts
/// beyond [`KEEP_DRAFTS`]. Unreadable or foreign files are skipped (and
/// logged), never fatal: a draft is a convenience.
pub fn newest(dir: &Path) -> Option<FoundDraft> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot list drafts");
            return None;
        }
    };
    let mut found: Vec<(PathBuf, Draft)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| is_draft_file(p))
        .filter_map(|p| match read(&p) {
            Ok(d) => Some((p, d)),
            Err(e) => {
                tracing::warn!(path = %p.display(), error = %e, "skipping unreadable draft");
                None
            }
        })
        .collect();
    found.sort_by_key(|(_, d)| std::cmp::Reverse(d.saved_at_ms));
    for (old, _) in found.iter().skip(KEEP_DRAFTS) {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(path = %old.display(), error = %e, "cannot remove an old draft");
        }
    }
    let (path, draft) = found.into_iter().next().filter(|(_, d)| d.has_work())?;
    let saved_at = local_clock(draft.saved_at_ms / 1000, now_ms() / 1000);
    Some(FoundDraft {
        path,
        draft,
        saved_at,
    })
}

fn is_draft_file(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == EXTENSION)
        && p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(PREFIX))
}

/// A draft is a few kilobytes; anything far larger is not one of ours.
const MAX_DRAFT_BYTES: u64 = 1 << 20;

fn read(path: &Path) -> Result<Draft, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_DRAFT_BYTES {
        return Err(format!("{} bytes is too large for a draft", meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let draft: Draft = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    if draft.version != DRAFT_VERSION {
        return Err(format!("version {} is not {DRAFT_VERSION}", draft.version));
    }
    Ok(draft)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `14:02` in the local time zone, or `Nov 29 14:02` when not today.
fn local_clock(secs: u64, now_secs: u64) -> String {
    let (Some(then), Some(now)) = (local_tm(secs), local_tm(now_secs)) else {
        return "an earlier session".to_string();
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let clock = format!("{:02}:{:02}", then.tm_hour, then.tm_min);
    if (then.tm_year, then.tm_yday) == (now.tm_year, now.tm_yday) {
        clock
    } else {
        let month = MONTHS[then.tm_mon.clamp(0, 11) as usize];
        format!("{month} {} {clock}", then.tm_mday)
    }
}

/// The C library's local time (the `time` crate refuses it in a
/// multi-threaded process; `localtime_r` is thread-safe).
fn local_tm(secs: u64) -> Option<libc::tm> {
    let t = libc::time_t::try_from(secs).ok()?;
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack,
    // and reads `t`; a null return means it failed and `tm` is not used.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        (!libc::localtime_r(&t, &mut tm).is_null()).then_some(tm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(at: u64, lyrics: &str) -> Draft {
        Draft {
            saved_at_ms: at,
            ..Draft::new(TrackConfig::new(lyrics, "rock"), None)
        }
    }

    #[test]
    fn the_newest_draft_wins_and_foreign_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("draft-1-1.json");
        let b = dir.path().join("draft-2-2.json");
        save(&a, &draft(1_000, "older")).unwrap();
        save(&b, &draft(2_000, "newer")).unwrap();
        std::fs::write(dir.path().join("draft-3-3.json"), "{not json").unwrap();
        std::fs::write(dir.path().join("notes.json"), "{}").unwrap();
        let found = newest(dir.path()).unwrap();
        assert_eq!(found.path, b);
        assert_eq!(found.draft.track.text_input, "newer");
        assert!(a.exists(), "the other session's draft stays");
    }

    #[test]
    fn a_newest_draft_without_work_offers_nothing() {
        let dir = tempfile::tempdir().unwrap();
        save(&dir.path().join("draft-1-1.json"), &draft(1_000, "words")).unwrap();
        let empty = Draft {
            saved_at_ms: 2_000,
            ..Draft::new(TrackConfig::new("", ""), None)
        };
        save(&dir.path().join("draft-2-2.json"), &empty).unwrap();
        assert_eq!(newest(dir.path()), None);
    }

    #[test]
    fn old_drafts_beyond_the_limit_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..(KEEP_DRAFTS as u64 + 3) {
            let p = dir.path().join(format!("draft-{i}-0.json"));
            save(&p, &draft(1_000 + i, "x")).unwrap();
        }
        newest(dir.path()).unwrap();
        let left = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(left, KEEP_DRAFTS);
        assert!(!dir.path().join("draft-0-0.json").exists());
    }

    #[test]
    fn no_folder_means_no_draft() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(newest(&dir.path().join("missing")), None);
    }
}

//! Batch generation: many takes from one file. The file's jobs expand into
//! takes ([`spec`]); each take has a stable key, so a journal beside the
//! outputs ([`journal`]) lets a re-run skip what is done and never send
//! twice what may have been billed; every take goes through the worker like
//! `generate`, under one shared [`crate::generate::Limiter`].

pub mod journal;
pub mod recover;
pub mod report;
pub mod spec;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::model::{Model, TrackConfig};
use crate::generate::Mode;
use crate::generate::output::sha256_hex;
use journal::Earlier;

/// One planned generation.
#[derive(Debug, Clone)]
pub struct Take {
    /// Stable across runs of the same file: the request's hash and which
    /// occurrence of that same request this is.
    pub key: String,
    pub label: String,
    /// 1-based job index, and the job's name.
    pub job: usize,
    pub job_name: Option<String>,
    pub track: TrackConfig,
    pub preset: Option<String>,
    pub model: Model,
    /// Estimated, in US dollars (0 in simulate mode: nothing is billed).
    pub cost_usd: f64,
    pub earlier: Earlier,
}

/// What a re-run sends again besides what an earlier run never sent or
/// sent without being billed. Both kinds were (or may have been) billed,
/// so each is sent again only when asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resend {
    /// Sent without an answer (`--resend-uncertain`).
    pub uncertain: bool,
    /// Done, but a file is missing or changed since (`--resend-changed`).
    pub changed: bool,
}

impl Take {
    /// Whether this run sends it.
    pub fn to_send(&self, resend: Resend) -> bool {
        match self.earlier {
            Earlier::Fresh => true,
            Earlier::Broken { .. } => resend.changed,
            Earlier::Uncertain { .. } => resend.uncertain,
            Earlier::Done { .. } => false,
        }
    }
}

/// Hands out keys: a request's hash, then `-1`, `-2`, … for each time the
/// same request comes again (a `repeat:`, or two jobs that ask the same).
#[derive(Default)]
pub struct Keys {
    seen: HashMap<String, u64>,
}

#[derive(Serialize)]
struct Hashed<'a> {
    mode: Mode,
    model: Model,
    track: &'a TrackConfig,
}

/// The hash part of a take's key: what it asks for.
pub fn request_hash(mode: Mode, model: Model, track: &TrackConfig) -> String {
    let json =
        serde_json::to_vec(&Hashed { mode, model, track }).expect("a track always serializes");
    sha256_hex(&json)[..16].to_string()
}

impl Keys {
    pub fn next(&mut self, mode: Mode, model: Model, track: &TrackConfig) -> String {
        let hash = request_hash(mode, model, track);
        let n = self.seen.entry(hash.clone()).or_insert(0);
        *n += 1;
        format!("{hash}-{n}")
    }
}

/// The journal and report of a batch file, named after it, in the output
/// folder: `album.yaml` → `album.batch-journal.jsonl`, `album.batch-report.json`.
pub fn journal_path(out_dir: &Path, file: &Path) -> PathBuf {
    out_dir.join(format!("{}.batch-journal.jsonl", stem(file)))
}

pub fn report_path(out_dir: &Path, file: &Path) -> PathBuf {
    out_dir.join(format!("{}{REPORT_SUFFIX}.json", stem(file)))
}

const REPORT_SUFFIX: &str = ".batch-report";

/// Whether a metadata file's stem is a batch report's, not a take's.
pub fn is_report_name(stem: &str) -> bool {
    stem.ends_with(REPORT_SUFFIX)
}

fn stem(file: &Path) -> String {
    if file == Path::new("-") {
        return "stdin".to_string();
    }
    let s = file
        .file_stem()
        .map(|s| crate::generate::output::slug(&s.to_string_lossy()))
        .unwrap_or_default();
    if s.is_empty() { "batch".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_count_repeats() {
        let t = TrackConfig::new("words", "rock");
        let mut a = Keys::default();
        let k1 = a.next(Mode::Gcp, Model::Lyria2, &t);
        let k2 = a.next(Mode::Gcp, Model::Lyria2, &t);
        assert!(k1.ends_with("-1") && k2.ends_with("-2"));
        assert_eq!(k1[..16], k2[..16]);
        let mut b = Keys::default();
        assert_eq!(b.next(Mode::Gcp, Model::Lyria2, &t), k1);
        assert_ne!(b.next(Mode::Simulate, Model::Lyria2, &t), k2);
        let mut other = t.clone();
        other.temperature = 0.5;
        assert_ne!(b.next(Mode::Gcp, Model::Lyria2, &other)[..16], k1[..16]);
    }

    #[test]
    fn journal_names_follow_the_file() {
        let out = Path::new("/o");
        assert_eq!(
            journal_path(out, Path::new("x/My Album.yaml")),
            Path::new("/o/my-album.batch-journal.jsonl")
        );
        assert_eq!(
            report_path(out, Path::new("-")),
            Path::new("/o/stdin.batch-report.json")
        );
    }
}

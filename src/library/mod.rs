//! The output folder as a library of takes.
//!
//! A take is one generation's metadata file (`STEM.json`) and the audio
//! beside it. Its id is the file stem, so it is the same in every process
//! and across restarts; on the command line any unique prefix names it.
//!
//! Opening a library reads the folder's names only, and not even those
//! while the folder is unchanged since some process last read them (they
//! are kept in `.music-gen-index/names`, checked against the folder's
//! stamp); a take's metadata is read when it is first asked for. What was
//! read is kept in an index file in the folder (`.music-gen-library.json`),
//! checked against each file's size and modification time, so filtering
//! 10,000 takes parses each file once, ever. A take whose audio was moved or deleted, or whose metadata
//! cannot be read, is a [`TakeState`], not an error.
//!
//! Everything here is blocking file work: callers on the async runtime go
//! through the worker ([`crate::worker::Request::ListTakes`] and friends),
//! which runs it on a thread of its own.
//!
//! ```no_run
//! use music_gen::library::{Library, Query};
//! let mut lib = Library::open("/home/me/.local/share/music-gen/tracks".as_ref()).unwrap();
//! let page = lib.list(&Query { limit: Some(20), ..Query::default() });
//! for take in &page.takes {
//!     println!("{} {} {}", take.id, take.genre, take.state);
//! }
//! let take = lib.load(&lib.resolve("20260101").unwrap()).unwrap();
//! ```

mod bucket;
mod index;
mod names;
mod prune;
mod query;
mod take;

use std::path::PathBuf;

pub use bucket::BucketLibrary;
pub use index::{INDEX_FILE, Library};
pub use names::{NAMES_DIR, NAMES_FILE};
pub use prune::{PrunePlan, PruneRule, format_bytes};
pub use query::{Page, Query, Sort, Spent, parse_age};
pub use take::{Take, TakeFile, TakeId, TakeState, TakeSummary, first_words, format_time};

/// Every library a process has opened, by output location; the worker's
/// library thread owns one.
#[derive(Default)]
pub struct Libraries {
    open: std::collections::HashMap<PathBuf, TakeStore>,
}

impl Libraries {
    /// The library at `dir` (a folder or `gs://BUCKET/PREFIX`), opened on
    /// first use and listed again (names only) after, so takes another
    /// process added or removed are seen.
    pub fn get(&mut self, dir: &std::path::Path) -> Result<&mut TakeStore, LibraryError> {
        use std::collections::hash_map::Entry;
        match self.open.entry(dir.to_path_buf()) {
            Entry::Occupied(e) => {
                let lib = e.into_mut();
                lib.rescan()?;
                Ok(lib)
            }
            Entry::Vacant(e) => Ok(e.insert(TakeStore::open(dir)?)),
        }
    }
}

/// The takes of one output location: a folder, or a prefix in a bucket.
/// The worker, the CLI and the server do not know which they have.
pub enum TakeStore {
    Folder(Library),
    Bucket(Box<BucketLibrary>),
}

impl TakeStore {
    /// Opens the library at the output location `dir`: a folder, or a
    /// `gs://` or `s3://` URL (a folder's library does no bucket work).
    pub fn open(dir: &std::path::Path) -> Result<TakeStore, LibraryError> {
        use crate::storage::{Bucket, Location};
        let location = Location::from_path(dir).ok();
        match location.as_ref().and_then(Bucket::for_location) {
            Some(opened) => {
                let (store, at) = opened?;
                Ok(TakeStore::Bucket(Box::new(BucketLibrary::open(at, store)?)))
            }
            None => Ok(TakeStore::Folder(Library::open(dir)?)),
        }
    }

    pub fn rescan(&mut self) -> Result<(), LibraryError> {
        match self {
            TakeStore::Folder(l) => l.rescan(),
            TakeStore::Bucket(b) => b.rescan(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            TakeStore::Folder(l) => l.len(),
            TakeStore::Bucket(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn list(&mut self, query: &Query) -> Result<Page, LibraryError> {
        match self {
            TakeStore::Folder(l) => Ok(l.list(query)),
            TakeStore::Bucket(b) => b.list(query),
        }
    }

    pub fn resolve(&self, given: &str) -> Result<TakeId, LibraryError> {
        match self {
            TakeStore::Folder(l) => l.resolve(given),
            TakeStore::Bucket(b) => b.resolve(given),
        }
    }

    /// All of one take; a bucket's audio is downloaded to the local cache
    /// first, so it can be played and drawn.
    pub fn load(&mut self, id: &TakeId) -> Result<Take, LibraryError> {
        match self {
            TakeStore::Folder(l) => l.load(id),
            TakeStore::Bucket(b) => b.load(id),
        }
    }

    pub fn delete(&mut self, id: &TakeId) -> Result<u64, LibraryError> {
        match self {
            TakeStore::Folder(l) => l.delete(id),
            TakeStore::Bucket(b) => b.delete(id),
        }
    }

    pub fn plan_prune(&mut self, rule: PruneRule, now: i64) -> Result<PrunePlan, LibraryError> {
        match self {
            TakeStore::Folder(l) => Ok(l.plan_prune(rule, now)),
            TakeStore::Bucket(b) => b.plan_prune(rule, now),
        }
    }

    /// Deletes the takes of a plan; returns how many went and the bytes
    /// freed. A take already gone is skipped.
    pub fn prune(&mut self, plan: &PrunePlan) -> Result<(usize, u64), LibraryError> {
        match self {
            TakeStore::Folder(l) => l.prune(plan),
            TakeStore::Bucket(b) => plan.carry_out(|id| b.delete(id)),
        }
    }
}

/// The take an id or a unique prefix of one names, among `ids` (a
/// metadata file's name or path works too).
pub(crate) fn resolve_id<'a>(
    ids: impl Iterator<Item = &'a TakeId> + Clone,
    given: &str,
) -> Result<TakeId, LibraryError> {
    let name = std::path::Path::new(given)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(given);
    let wanted = name.strip_suffix(".json").unwrap_or(name);
    if wanted.is_empty() {
        return Err(LibraryError::NotFound(given.to_string()));
    }
    if let Some(id) = ids.clone().find(|id| id.0 == wanted) {
        return Ok(id.clone());
    }
    let found: Vec<&TakeId> = ids.filter(|id| id.0.starts_with(wanted)).collect();
    match found.as_slice() {
        [] => Err(LibraryError::NotFound(given.to_string())),
        [one] => Ok((*one).clone()),
        many => {
            let mut shown: Vec<String> = many.iter().map(|id| id.0.clone()).collect();
            // Newest first, as `history` lists them.
            shown.sort_by(|a, b| b.cmp(a));
            shown.truncate(AMBIGUOUS_SHOWN);
            Err(LibraryError::Ambiguous {
                prefix: given.to_string(),
                count: many.len(),
                shown,
            })
        }
    }
}

/// The most takes an ambiguous id lists; past these it says how many more.
const AMBIGUOUS_SHOWN: usize = 10;

/// `a, b, c` or `a, …, j and 15 more`: the takes a prefix names, so the
/// user can pick one.
fn listed(shown: &[String], count: usize) -> String {
    let list = shown.join(", ");
    match count.saturating_sub(shown.len()) {
        0 => list,
        more => format!("{list} and {more} more"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no take matches {0:?}; `music-gen history` lists them")]
    NotFound(String),
    #[error("{prefix:?} names {count} takes: {}; give more of the id", listed(shown, *count))]
    Ambiguous {
        prefix: String,
        count: usize,
        shown: Vec<String>,
    },
    #[error("{}: not a take's metadata: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: not a take's metadata: {}", path.display(), too_large_reason(*limit))]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{}: not a take's metadata: {NOT_REGULAR}", path.display())]
    NotRegular { path: PathBuf },
    /// The bucket holding the takes failed (missing, refused, unreachable).
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// A take waiting in the spool folder whose metadata cannot be read.
    #[error("{}: not a take's metadata: {reason}", path.display())]
    Spooled { path: PathBuf, reason: String },
    /// A prune failed part way: what it had deleted is gone.
    #[error("{source}; the prune stopped: {}", prune::deleted_before(deleted, *freed))]
    PruneStopped {
        deleted: Vec<TakeId>,
        freed: u64,
        #[source]
        source: Box<LibraryError>,
    },
}

/// Why a file over the metadata limit is not read.
fn too_large_reason(limit: u64) -> String {
    format!(
        "the file is too large (over {} MiB; a take's metadata is a few KB)",
        limit >> 20
    )
}

const NOT_REGULAR: &str = "not a regular file";

impl LibraryError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> LibraryError {
        LibraryError::Io {
            path: path.into(),
            source,
        }
    }

    /// The file is there but is not a take's metadata (broken, too large,
    /// not a file): shown as such, left alone by a prune.
    pub fn is_not_a_take(&self) -> bool {
        matches!(
            self,
            LibraryError::Unreadable { .. }
                | LibraryError::TooLarge { .. }
                | LibraryError::NotRegular { .. }
                | LibraryError::Spooled { .. }
        )
    }

    /// What went wrong, without the path (a list or an HTTP client shows
    /// which take instead).
    pub fn reason(&self) -> String {
        match self {
            LibraryError::Unreadable { source, .. } => source.to_string(),
            LibraryError::Io { source, .. } => source.to_string(),
            LibraryError::TooLarge { limit, .. } => too_large_reason(*limit),
            LibraryError::NotRegular { .. } => NOT_REGULAR.to_string(),
            LibraryError::Spooled { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }

    /// A mistake in what the user asked for, not a failure of the disk.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            LibraryError::NotFound(_) | LibraryError::Ambiguous { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<TakeId> {
        (0..n)
            .map(|i| TakeId(format!("20261130-1200{i:02}-rock")))
            .collect()
    }

    #[test]
    fn an_ambiguous_prefix_lists_every_take_or_says_how_many_more() {
        let five = ids(5);
        let e = resolve_id(five.iter(), "2026").unwrap_err().to_string();
        for id in &five {
            assert!(e.contains(&id.0), "{e}");
        }
        assert!(
            e.starts_with("\"2026\" names 5 takes: 20261130-120004-rock, "),
            "{e}"
        );
        assert!(!e.contains(" more;"), "{e}");
        let many = ids(25);
        let e = resolve_id(many.iter(), "2026").unwrap_err().to_string();
        assert!(e.contains(" and 15 more; give more of the id"), "{e}");
        assert!(
            e.contains("20261130-120024-rock") && !e.contains("20261130-120014-rock"),
            "{e}"
        );
    }
}

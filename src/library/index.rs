//! The library's index: the folder's take names in order, their summaries
//! read on demand, and the cache file that keeps summaries across runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::domain::atomic;
use crate::generate::GenerationResult;
use crate::library::LibraryError;
use crate::library::names::{self, FolderStamp};
use crate::library::prune::{PrunePlan, PruneRule};
use crate::library::query::{Page, Query, Sort, Spent};
use crate::library::take::{Take, TakeId, TakeSummary};

/// The summaries cache, hidden in the library's folder so it goes where
/// the folder goes and every process shares it.
pub const INDEX_FILE: &str = ".music-gen-library.json";
/// Bumped when [`TakeSummary`] changes shape: an older cache is ignored.
const INDEX_VERSION: u32 = 2;
/// A metadata file larger than this is not one of ours.
const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;

/// One take's name and time: all that opening a library reads.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) id: TakeId,
    pub(super) time: i64,
}

/// A summary as cached, with what says whether it is still current.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    len: u64,
    mtime_ns: u64,
    summary: TakeSummary,
}

#[derive(Serialize, Deserialize)]
struct IndexFile {
    version: u32,
    takes: Vec<Cached>,
}

/// The takes in one output folder, newest first.
pub struct Library {
    dir: PathBuf,
    entries: Vec<Entry>,
    /// The folder's stamp when `entries` were read, if it was settled then
    /// (so a later change is sure to change it).
    scanned: Option<FolderStamp>,
    /// Summaries read so far, by id; the cache file's are added on the
    /// first request that needs every take.
    summaries: HashMap<TakeId, Cached>,
    cache_loaded: bool,
    /// Summaries were read that the cache file does not have yet.
    dirty: bool,
}

impl Library {
    /// Lists the folder's take names; reads no metadata yet. A folder that
    /// does not exist is an empty library.
    pub fn open(dir: &Path) -> Result<Library, LibraryError> {
        let mut lib = Library {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
            scanned: None,
            summaries: HashMap::new(),
            cache_loaded: false,
            dirty: false,
        };
        lib.rescan()?;
        Ok(lib)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many takes the folder holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The ids, newest first.
    pub fn ids(&self) -> impl Iterator<Item = &TakeId> {
        self.entries.iter().map(|e| &e.id)
    }

    /// Reads the folder's names again (another process added or removed a
    /// take); summaries already read are kept. Names unchanged since the
    /// last read, in this process or another (see [`names`]), are not read
    /// again.
    pub fn rescan(&mut self) -> Result<(), LibraryError> {
        // Read before the stamp, as `FolderStamp::settled` needs.
        let now = SystemTime::now();
        let stamp = match FolderStamp::of(&self.dir) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.entries.clear();
                self.scanned = None;
                return Ok(());
            }
            Err(e) => return Err(LibraryError::io(&self.dir, e)),
        };
        if self.scanned == Some(stamp) {
            return Ok(());
        }
        let (entries, current) = match names::load(&self.dir, &stamp) {
            // Kept for this very stamp, which was settled when they were.
            Some(entries) => (entries, true),
            None => {
                let entries = self.read_names()?;
                let settled = stamp.settled(now);
                if settled {
                    names::save(&self.dir, &stamp, &entries);
                }
                (entries, settled)
            }
        };
        self.scanned = current.then_some(stamp);
        self.replace_entries(entries);
        Ok(())
    }

    /// The folder's take names, newest first: one pass over the folder,
    /// with a `stat` only for a file not named as music-gen names takes.
    fn read_names(&self) -> Result<Vec<Entry>, LibraryError> {
        let read = std::fs::read_dir(&self.dir).map_err(|e| LibraryError::io(&self.dir, e))?;
        let mut entries = Vec::new();
        for entry in read {
            let entry = entry.map_err(|e| LibraryError::io(&self.dir, e))?;
            let Ok(mut name) = entry.file_name().into_string() else {
                continue;
            };
            let Some(stem_len) = name.strip_suffix(".json").map(str::len) else {
                continue;
            };
            name.truncate(stem_len);
            if !is_take_stem(&name) || !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let time = time_from_name(&name).unwrap_or_else(|| {
                entry
                    .metadata()
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs() as i64)
            });
            entries.push(Entry {
                id: TakeId(name),
                time,
            });
        }
        // Ids are unique, so an unstable sort gives the one order.
        entries.sort_unstable_by(|a, b| b.time.cmp(&a.time).then_with(|| b.id.natural_cmp(&a.id)));
        Ok(entries)
    }

    fn replace_entries(&mut self, entries: Vec<Entry>) {
        // Summaries of takes that are gone are dropped; on the first scan
        // there are none to drop, and 10,000 ids are not hashed for it.
        if !self.summaries.is_empty() {
            let live: std::collections::HashSet<&TakeId> = entries.iter().map(|e| &e.id).collect();
            let before = self.summaries.len();
            self.summaries.retain(|id, _| live.contains(id));
            self.dirty |= self.summaries.len() != before;
        }
        self.entries = entries;
    }

    fn metadata_path(&self, id: &TakeId) -> PathBuf {
        self.dir.join(format!("{}.json", id.0))
    }

    /// The summary of take `i` (newest first), read now or from the cache.
    fn summary_at(&mut self, i: usize) -> TakeSummary {
        let Entry { id, time } = self.entries[i].clone();
        let path = self.metadata_path(&id);
        let stamp = stamp(&path);
        if let (Some((len, mtime_ns)), Some(c)) = (stamp, self.summaries.get(&id))
            && c.len == len
            && c.mtime_ns == mtime_ns
        {
            let mut s = c.summary.clone();
            s.recheck_files();
            return s;
        }
        let summary = match read_result(&path) {
            Ok(r) => TakeSummary::of(id.clone(), &path, time, &r),
            Err(e) => TakeSummary::unreadable(id.clone(), &path, time, e.reason()),
        };
        if let Some((len, mtime_ns)) = stamp {
            self.summaries.insert(
                id,
                Cached {
                    len,
                    mtime_ns,
                    summary: summary.clone(),
                },
            );
            self.dirty = true;
        }
        summary
    }

    /// The takes `query` asks for. The newest N read N files; anything
    /// else reads every summary, from the cache file where it is current.
    pub fn list(&mut self, query: &Query) -> Page {
        let total = self.entries.len();
        if !query.needs_all() {
            let n = query.limit.unwrap_or(total).min(total);
            let takes = (0..n).map(|i| self.summary_at(i)).collect();
            return Page {
                total,
                matched: total,
                takes,
                spent: None,
            };
        }
        self.load_cache();
        let mut takes: Vec<TakeSummary> = (0..total)
            .map(|i| self.summary_at(i))
            .filter(|s| query.matches(s))
            .collect();
        self.save_cache();
        if query.sort == Sort::Name {
            takes.sort_by(|a, b| a.id.natural_cmp(&b.id));
        }
        let matched = takes.len();
        let spent = Spent::of(takes.iter());
        if let Some(n) = query.limit {
            takes.truncate(n);
        }
        Page {
            total,
            matched,
            takes,
            spent: Some(spent),
        }
    }

    /// The take an id or a unique prefix of one names (a metadata file's
    /// name or path works too).
    pub fn resolve(&self, given: &str) -> Result<TakeId, LibraryError> {
        crate::library::resolve_id(self.entries.iter().map(|e| &e.id), given)
    }

    /// All of one take. Its metadata must be readable.
    pub fn load(&mut self, id: &TakeId) -> Result<Take, LibraryError> {
        let i = self
            .entries
            .iter()
            .position(|e| &e.id == id)
            .ok_or_else(|| LibraryError::NotFound(id.0.clone()))?;
        let path = self.metadata_path(id);
        let result = read_result(&path)?;
        let summary = TakeSummary::of(id.clone(), &path, self.entries[i].time, &result);
        Ok(Take::new(summary, result))
    }

    /// Deletes a take's audio and then its metadata; returns the bytes
    /// freed. Only files inside the library's folder are removed, whatever
    /// a metadata file claims.
    pub fn delete(&mut self, id: &TakeId) -> Result<u64, LibraryError> {
        let path = self.metadata_path(id);
        let audio = match self.load(id) {
            Ok(take) => take.owned_files().map(Path::to_path_buf).collect(),
            // An unreadable file names no audio: it alone goes.
            Err(e) if e.is_not_a_take() => Vec::new(),
            Err(e) => return Err(e),
        };
        let home = self
            .dir
            .canonicalize()
            .map_err(|e| LibraryError::io(&self.dir, e))?;
        let mut freed = 0;
        for file in audio {
            let inside = file
                .canonicalize()
                .ok()
                .and_then(|p| p.parent().map(|d| d == home))
                .unwrap_or(false);
            if !inside {
                tracing::warn!(path = %file.display(), "not deleting a file outside the library");
                continue;
            }
            freed += remove(&file)?;
        }
        freed += remove(&path)?;
        self.entries.retain(|e| &e.id != id);
        if self.summaries.remove(id).is_some() {
            self.dirty = true;
        }
        self.save_cache();
        Ok(freed)
    }

    /// The takes a prune rule would delete, and the space they hold.
    pub fn plan_prune(&mut self, rule: PruneRule, now: i64) -> PrunePlan {
        let candidates: Vec<TakeId> = match rule {
            PruneRule::Keep(n) => self.entries.iter().skip(n).map(|e| e.id.clone()).collect(),
            PruneRule::OlderThan(age) => {
                let cutoff = now.saturating_sub(age.as_secs() as i64);
                self.entries
                    .iter()
                    .filter(|e| e.time < cutoff)
                    .map(|e| e.id.clone())
                    .collect()
            }
        };
        // One read per take: its size, or that it is not a take at all. A
        // JSON file that does not read as one may be the user's own (notes,
        // settings kept in the folder): a prune leaves it alone.
        let mut doomed = Vec::with_capacity(candidates.len());
        let mut bytes = 0;
        for id in candidates {
            bytes += match self.load(&id) {
                Ok(t) => t.bytes_on_disk(),
                Err(e) if e.is_not_a_take() => continue,
                Err(_) => stamp(&self.metadata_path(&id)).map_or(0, |(len, _)| len),
            };
            doomed.push(id);
        }
        PrunePlan {
            takes: doomed,
            bytes,
        }
    }

    /// Deletes the takes of a plan; returns how many went and the bytes
    /// freed. A take already gone is skipped.
    pub fn prune(&mut self, plan: &PrunePlan) -> Result<(usize, u64), LibraryError> {
        plan.carry_out(|id| self.delete(id))
    }

    fn load_cache(&mut self) {
        if self.cache_loaded {
            return;
        }
        self.cache_loaded = true;
        let path = self.dir.join(INDEX_FILE);
        let Ok(bytes) = std::fs::read(&path) else {
            return;
        };
        let file: IndexFile = match serde_json::from_slice(&bytes) {
            Ok(f) => f,
            Err(e) => {
                tracing::info!(error = %e, "ignoring an unreadable library index");
                return;
            }
        };
        if file.version != INDEX_VERSION {
            return;
        }
        for c in file.takes {
            self.summaries.entry(c.summary.id.clone()).or_insert(c);
        }
    }

    /// Writes the summaries read to the cache file, if it lacks some. A
    /// folder that cannot be written keeps working, only slower.
    fn save_cache(&mut self) {
        if !self.dirty || !self.cache_loaded || !self.dir.is_dir() {
            return;
        }
        let mut takes: Vec<&Cached> = self.summaries.values().collect();
        takes.sort_by(|a, b| a.summary.id.cmp(&b.summary.id));
        #[derive(Serialize)]
        struct Out<'a> {
            version: u32,
            takes: Vec<&'a Cached>,
        }
        let json = serde_json::to_vec(&Out {
            version: INDEX_VERSION,
            takes,
        })
        .expect("summaries always serialize");
        match atomic::write(&self.dir.join(INDEX_FILE), &json) {
            Ok(()) => self.dirty = false,
            Err(e) => tracing::info!(error = %e, "could not write the library index"),
        }
    }
}

fn remove(path: &Path) -> Result<u64, LibraryError> {
    let len = std::fs::symlink_metadata(path).map_or(0, |m| m.len());
    match std::fs::remove_file(path) {
        Ok(()) => Ok(len),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(LibraryError::io(path, e)),
    }
}

/// A file's size and modification time, which say whether a cached summary
/// is still current.
fn stamp(path: &Path) -> Option<(u64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((m.len(), u64::try_from(mtime.as_nanos()).unwrap_or(u64::MAX)))
}

/// A take's metadata, parsed. Opened without blocking and checked with
/// `fstat` first, so a FIFO swapped in after the scan cannot hang the
/// library's thread; a file over [`MAX_METADATA_BYTES`] is refused by its
/// size, not cut off and misreported as broken JSON.
fn read_result(path: &Path) -> Result<GenerationResult, LibraryError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |e| LibraryError::io(path, e);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    let too_large = || LibraryError::TooLarge {
        path: path.to_path_buf(),
        limit: MAX_METADATA_BYTES,
    };
    if !meta.is_file() {
        return Err(LibraryError::NotRegular {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_METADATA_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // One byte over the limit tells a file that grew while read.
    file.take(MAX_METADATA_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_METADATA_BYTES {
        return Err(too_large());
    }
    serde_json::from_slice(&bytes).map_err(|source| LibraryError::Unreadable {
        path: path.to_path_buf(),
        source,
    })
}

/// A metadata file's stem that may be a take's: not hidden (our
/// temporary files, the index) and not a batch's report, which sits beside
/// its takes.
pub(super) fn is_take_stem(stem: &str) -> bool {
    !stem.is_empty() && !stem.starts_with('.') && !crate::batch::is_report_name(stem)
}

/// `20260101-120000-rock` → the unix time of 2026-01-01 12:00:00 UTC, as
/// music-gen names its files.
pub(super) fn time_from_name(stem: &str) -> Option<i64> {
    let b = stem.as_bytes();
    if b.len() < 15 || b[8] != b'-' || !(b.len() == 15 || b[15] == b'-') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = stem.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let date = time::Date::from_calendar_date(
        num(0..4)? as i32,
        time::Month::try_from(num(4..6)? as u8).ok()?,
        num(6..8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(num(9..11)? as u8, num(11..13)? as u8, num(13..15)? as u8).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_come_from_music_gen_names_only() {
        assert_eq!(time_from_name("19700101-000100-rock"), Some(60));
        assert_eq!(time_from_name("19700101-000100"), Some(60));
        assert_eq!(time_from_name("19700101-000100-rock-2"), Some(60));
        for other in [
            "my-song",
            "19701301-000000-x",
            "1970010-1000000",
            "19700101-00010x",
        ] {
            assert_eq!(time_from_name(other), None, "{other}");
        }
    }
}

//! The takes in a bucket (`--output-dir gs://BUCKET/PREFIX` or `s3://…`),
//! as the folder library lists a folder's: a take is a metadata object
//! `STEM.json` under the prefix, with its audio beside it.
//!
//! A listing is one list request (a page per 1,000 objects). A take's
//! summary is downloaded once per version: the object's version (GCS
//! generation, S3 ETag) plays the role of a file's size and modification time, and what was read is
//! kept in memory and in a cache file under the XDG cache directory, so
//! another process (`history`, a second server) does not download it
//! again either. Audio is downloaded only to be played or drawn, into the
//! audio cache, named by its sha256 and checked against the metadata.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::domain::atomic;
use crate::generate::GenerationResult;
use crate::generate::output::sha256_hex;
use crate::generate::result::OutputFile;
use crate::generate::spool;
use crate::library::index::time_from_name;
use crate::library::prune::{PrunePlan, PruneRule};
use crate::library::query::{Page, Query, Sort, Spent};
use crate::library::take::{Take, TakeFile, TakeId, TakeSummary, owns};
use crate::library::{LibraryError, resolve_id};
use crate::storage::blocking::Blocking;
use crate::storage::{Bucket, BucketPath, RequestCounts, StorageError};

/// A metadata object larger than this is not one of ours.
const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;
/// The largest audio object downloaded: Lyria's longest WAV is ~50 MB.
const MAX_AUDIO_BYTES: u64 = 512 * 1024 * 1024;
/// Downloads in flight during a cold listing.
const PARALLEL_READS: usize = 16;
/// Whole results kept for `load` (the take a user looks at, plays, draws).
const RESULTS_KEPT: usize = 64;
/// Bumped when the cache file's shape changes: an older one is ignored.
/// 2: the recorded sizes of a take's audio.
const CACHE_VERSION: u32 = 2;

#[derive(Debug, Clone)]
struct Entry {
    id: TakeId,
    time: i64,
    version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    version: String,
    summary: TakeSummary,
    /// The size recorded for each audio file: an object of another size
    /// is not the take's audio any more.
    #[serde(default)]
    sizes: Vec<u64>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    takes: Vec<Cached>,
}

pub struct BucketLibrary {
    store: Bucket,
    at: BucketPath,
    blocking: Blocking,
    /// Newest first.
    entries: Vec<Entry>,
    /// Every object directly under the prefix (file name → size), from
    /// the last listing: which audio is there, and what a delete frees.
    objects: HashMap<String, u64>,
    summaries: HashMap<TakeId, Cached>,
    results: HashMap<TakeId, (String, GenerationResult)>,
    /// Cache files whose digest was checked by this process.
    verified: HashSet<PathBuf>,
    cache_file: PathBuf,
    cache_loaded: bool,
    dirty: bool,
    /// This machine's spool folder for the prefix: takes whose upload
    /// failed, listed as not uploaded.
    spool: PathBuf,
}

impl BucketLibrary {
    /// Lists the bucket's takes through `store`; reads no metadata yet.
    pub fn open(at: BucketPath, store: Bucket) -> Result<BucketLibrary, LibraryError> {
        let shown = store.url(&at.prefix);
        let blocking = Blocking::new().map_err(|e| LibraryError::io(shown, e))?;
        let cache_file = crate::paths::bucket_index_file(&at.bucket, &at.prefix);
        let spool = crate::paths::spool_dir(&at.bucket, &at.prefix);
        let mut lib = BucketLibrary {
            store,
            at,
            blocking,
            entries: Vec::new(),
            objects: HashMap::new(),
            summaries: HashMap::new(),
            results: HashMap::new(),
            verified: HashSet::new(),
            cache_file,
            cache_loaded: false,
            dirty: false,
            spool,
        };
        lib.rescan()?;
        Ok(lib)
    }

    /// `gs://BUCKET/PREFIX/` (or `s3://…`).
    pub fn url(&self) -> PathBuf {
        self.url_of("")
    }

    /// The URL of the file `file` under the prefix.
    fn url_of(&self, file: &str) -> PathBuf {
        PathBuf::from(self.store.url(&self.at.object(file)))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Requests sent so far, by kind (what the benchmark counts).
    pub fn requests(&self) -> RequestCounts {
        self.store.requests()
    }

    /// Lists the objects again: takes another instance added or removed
    /// are seen; summaries already read are kept.
    pub fn rescan(&mut self) -> Result<(), LibraryError> {
        let listed = self.blocking.run(self.store.list(&self.at.prefix))?;
        let mut objects = HashMap::with_capacity(listed.len());
        let mut entries = Vec::new();
        for o in listed {
            let Some(file) = o.name.strip_prefix(self.at.prefix.as_str()) else {
                continue;
            };
            if let Some(stem) = file.strip_suffix(".json")
                && !stem.is_empty()
                && !stem.starts_with('.')
                && !crate::batch::is_report_name(stem)
            {
                entries.push(Entry {
                    id: TakeId(stem.to_string()),
                    time: time_from_name(stem).unwrap_or(0),
                    version: o.version.as_str().to_string(),
                });
            }
            objects.insert(file.to_string(), o.size);
        }
        entries.sort_unstable_by(|a, b| b.time.cmp(&a.time).then_with(|| b.id.natural_cmp(&a.id)));
        let live: HashSet<&TakeId> = entries.iter().map(|e| &e.id).collect();
        let before = self.summaries.len();
        self.summaries.retain(|id, _| live.contains(id));
        self.dirty |= self.summaries.len() != before;
        self.results.retain(|id, _| live.contains(id));
        self.entries = entries;
        self.objects = objects;
        Ok(())
    }

    fn metadata_object(&self, id: &TakeId) -> String {
        self.at.object(&format!("{}.json", id.0))
    }

    /// The object an audio file recorded at `recorded` is: the one of that
    /// name beside its metadata. Never anything outside the prefix,
    /// whatever a metadata object claims.
    fn audio_file(recorded: &Path) -> Option<&str> {
        let name = recorded.file_name()?.to_str()?;
        (!name.starts_with('.')).then_some(name)
    }

    fn missing(&self, files: &[PathBuf]) -> usize {
        files
            .iter()
            .filter(|p| Self::audio_file(p).is_none_or(|f| !self.objects.contains_key(f)))
            .count()
    }

    /// How many of `files` are listed with another size than `sizes`
    /// recorded for them.
    fn changed(&self, files: &[PathBuf], sizes: &[u64]) -> usize {
        files
            .iter()
            .zip(sizes)
            .filter(|(p, size)| {
                Self::audio_file(p)
                    .and_then(|f| self.objects.get(f))
                    .is_some_and(|listed| listed != *size)
            })
            .count()
    }

    /// The entries at `indices` whose summary is not the one listed.
    fn stale(&self, indices: &[usize]) -> Vec<(Entry, String)> {
        indices
            .iter()
            .map(|&i| &self.entries[i])
            .filter(|e| {
                self.summaries
                    .get(&e.id)
                    .is_none_or(|c| c.version != e.version)
            })
            .map(|e| (e.clone(), self.metadata_object(&e.id)))
            .collect()
    }

    /// Downloads the summaries of the takes at `indices` that are not
    /// current, in parallel. A take that cannot be read is listed as
    /// unreadable; a store that cannot be reached fails the listing.
    fn fetch(&mut self, indices: &[usize]) -> Result<(), LibraryError> {
        let mut stale = self.stale(indices);
        // Another process may have read them: the cache file is read
        // once, and only when something would otherwise be downloaded.
        if !stale.is_empty() && !self.cache_loaded {
            self.load_cache();
            stale = self.stale(indices);
        }
        if stale.is_empty() {
            return Ok(());
        }
        let store = &self.store;
        let read: Vec<(Entry, Option<Result<GenerationResult, String>>)> =
            self.blocking.run(async {
                futures_util::stream::iter(stale)
                    .map(|(entry, object)| async move {
                        match store.read(&object, MAX_METADATA_BYTES).await {
                            Ok(Some(bytes)) => Ok((entry, Some(parse(&bytes)))),
                            // Deleted since the listing.
                            Ok(None) => Ok((entry, None)),
                            Err(e) if e.is_unreachable() => Err(e),
                            Err(e) => Ok((entry, Some(Err(e.to_string())))),
                        }
                    })
                    .buffer_unordered(PARALLEL_READS)
                    .try_collect()
                    .await
            })?;
        for (entry, outcome) in read {
            let Some(outcome) = outcome else { continue };
            let path = self.url_of(&format!("{}.json", entry.id.0));
            let (summary, sizes) = match outcome {
                Ok(r) => {
                    let files: Vec<PathBuf> = r.files.iter().map(|f| f.path.clone()).collect();
                    let sizes: Vec<u64> = r.files.iter().map(|f| f.size_bytes).collect();
                    let missing = self.missing(&files);
                    let changed = self.changed(&files, &sizes);
                    let summary = TakeSummary::in_bucket(
                        entry.id.clone(),
                        &path,
                        entry.time,
                        &r,
                        missing,
                        changed,
                    );
                    (summary, sizes)
                }
                Err(reason) => (
                    TakeSummary::unreadable(entry.id.clone(), &path, entry.time, reason),
                    Vec::new(),
                ),
            };
            self.summaries.insert(
                entry.id,
                Cached {
                    version: entry.version,
                    summary,
                    sizes,
                },
            );
            self.dirty = true;
        }
        Ok(())
    }

    /// The summary of take `i`, with its audio's state as of the last
    /// listing.
    fn summary_at(&self, i: usize) -> Option<TakeSummary> {
        let e = &self.entries[i];
        let cached = self.summaries.get(&e.id)?;
        let mut s = cached.summary.clone();
        let missing = self.missing(&s.files);
        let changed = self.changed(&s.files, &cached.sizes);
        s.restate(missing, changed);
        Some(s)
    }

    /// The takes `query` asks for: the newest N download at most N
    /// summaries; anything else every summary not read before. Takes
    /// waiting in this machine's spool folder are among them, as not
    /// uploaded.
    pub fn list(&mut self, query: &Query) -> Result<Page, LibraryError> {
        let total = self.entries.len();
        let needs_all = query.needs_all();
        let n = if needs_all {
            total
        } else {
            query.limit.unwrap_or(total).min(total)
        };
        let indices: Vec<usize> = (0..n).collect();
        self.fetch(&indices)?;
        let mut takes: Vec<TakeSummary> = indices
            .iter()
            .filter_map(|&i| self.summary_at(i))
            .filter(|s| !needs_all || query.matches(s))
            .collect();
        self.save_cache();
        let waiting = self.waiting();
        let total = total + waiting.len();
        let waiting: Vec<TakeSummary> = waiting
            .into_iter()
            .filter(|s| !needs_all || query.matches(s))
            .collect();
        let spooled = !waiting.is_empty();
        takes.extend(waiting);
        if spooled && query.sort == Sort::Time {
            takes.sort_by_key(|t| std::cmp::Reverse(t.time));
        }
        if !needs_all {
            takes.truncate(query.limit.unwrap_or(usize::MAX));
            return Ok(Page {
                total,
                matched: total,
                takes,
                spent: None,
            });
        }
        if query.sort == Sort::Name {
            takes.sort_by(|a, b| a.id.natural_cmp(&b.id));
        }
        let matched = takes.len();
        let spent = Spent::of(takes.iter());
        if let Some(n) = query.limit {
            takes.truncate(n);
        }
        Ok(Page {
            total,
            matched,
            takes,
            spent: Some(spent),
        })
    }

    /// The takes waiting in the spool folder, as a listing shows them.
    fn waiting(&self) -> Vec<TakeSummary> {
        waiting_in(&self.spool)
    }

    /// The takes waiting in this machine's spool folder for `at`, newest
    /// first, without asking the bucket (what `history` still shows when
    /// the bucket cannot be reached).
    pub fn waiting_for(at: &BucketPath) -> Vec<TakeSummary> {
        let mut takes = waiting_in(&crate::paths::spool_dir(&at.bucket, &at.prefix));
        takes.sort_by_key(|t| std::cmp::Reverse(t.time));
        takes
    }
}

/// The takes waiting in the spool folder `dir`, as a listing shows them.
fn waiting_in(dir: &Path) -> Vec<TakeSummary> {
    spool::list(dir)
        .into_iter()
        .map(|t| {
            let time = time_from_name(&t.id).unwrap_or(0);
            let id = TakeId(t.id);
            match t.result {
                Ok(r) => TakeSummary::spooled(id, &t.metadata, time, &r),
                Err(reason) => TakeSummary::unreadable(id, &t.metadata, time, reason),
            }
        })
        .collect()
}

impl BucketLibrary {
    /// The take `given` names: in the bucket, or else waiting in the
    /// spool folder.
    pub fn resolve(&self, given: &str) -> Result<TakeId, LibraryError> {
        match resolve_id(self.entries.iter().map(|e| &e.id), given) {
            Err(LibraryError::NotFound(_)) => {
                let waiting: Vec<TakeId> = spool::list(&self.spool)
                    .into_iter()
                    .map(|t| TakeId(t.id))
                    .collect();
                resolve_id(waiting.iter(), given)
            }
            found => found,
        }
    }

    /// A take waiting in the spool folder, all of it: its files are on
    /// this disk.
    fn load_spooled(&self, id: &TakeId) -> Result<Take, LibraryError> {
        let take = spool::list(&self.spool)
            .into_iter()
            .find(|t| t.id == id.0)
            .ok_or_else(|| LibraryError::NotFound(id.0.clone()))?;
        let result = take.result.map_err(|reason| LibraryError::Spooled {
            path: take.metadata.clone(),
            reason,
        })?;
        let time = time_from_name(&take.id).unwrap_or(0);
        let summary = TakeSummary::spooled(id.clone(), &take.metadata, time, &result);
        Ok(Take::new(summary, result))
    }

    /// A take's metadata, downloaded once per version.
    fn result(&mut self, entry: &Entry) -> Result<GenerationResult, LibraryError> {
        if let Some((version, r)) = self.results.get(&entry.id)
            && *version == entry.version
        {
            return Ok(r.clone());
        }
        let object = self.metadata_object(&entry.id);
        let path = self.url_of(&format!("{}.json", entry.id.0));
        let bytes = self
            .blocking
            .run(self.store.read(&object, MAX_METADATA_BYTES))
            .map_err(|e| match e {
                StorageError::TooLarge { limit, .. } => LibraryError::TooLarge {
                    path: path.clone(),
                    limit,
                },
                e => LibraryError::Storage(e),
            })?
            .ok_or_else(|| LibraryError::NotFound(entry.id.0.clone()))?;
        let r: GenerationResult = serde_json::from_slice(&bytes)
            .map_err(|source| LibraryError::Unreadable { path, source })?;
        if self.results.len() >= RESULTS_KEPT {
            self.results.clear();
        }
        self.results
            .insert(entry.id.clone(), (entry.version.clone(), r.clone()));
        Ok(r)
    }

    /// All of one take, its audio downloaded to the audio cache (once:
    /// a cached file whose digest matches is used as it is).
    pub fn load(&mut self, id: &TakeId) -> Result<Take, LibraryError> {
        let Some(entry) = self.entries.iter().find(|e| &e.id == id).cloned() else {
            return self.load_spooled(id);
        };
        let result = self.result(&entry)?;
        let path = self.url_of(&format!("{}.json", id.0));
        let recorded: Vec<PathBuf> = result.files.iter().map(|f| f.path.clone()).collect();
        let mut files = Vec::with_capacity(result.files.len());
        for f in &result.files {
            let (found, changed) = match self.download(f)? {
                Fetched::Found(p) => (Some(p), false),
                Fetched::Missing => (None, false),
                Fetched::Changed => (None, true),
            };
            files.push(TakeFile {
                recorded: f.clone(),
                found,
                changed,
            });
        }
        let summary = TakeSummary::in_bucket(
            id.clone(),
            &path,
            entry.time,
            &result,
            self.missing(&recorded),
            files.iter().filter(|f| f.changed).count(),
        );
        Ok(Take {
            summary,
            result,
            files,
        })
    }

    /// The audio of `file` in the local cache, checked against the
    /// digest the metadata recorded.
    fn download(&mut self, file: &OutputFile) -> Result<Fetched, LibraryError> {
        let Some(name) = Self::audio_file(&file.path) else {
            return Ok(Fetched::Missing);
        };
        let Some(&listed) = self.objects.get(name) else {
            return Ok(Fetched::Missing);
        };
        if !is_digest(&file.sha256) || listed != file.size_bytes {
            return Ok(Fetched::Changed);
        }
        let ext = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or("bin");
        let dir = crate::paths::audio_cache_dir();
        let cached = dir.join(format!("{}.{ext}", file.sha256));
        if self.verified.contains(&cached) && cached.is_file() {
            return Ok(Fetched::Found(cached));
        }
        if let Ok(bytes) = std::fs::read(&cached) {
            if sha256_hex(&bytes) == file.sha256 {
                self.verified.insert(cached.clone());
                return Ok(Fetched::Found(cached));
            }
            let _ = std::fs::remove_file(&cached);
        }
        let object = self.at.object(name);
        let bytes = match self.blocking.run(self.store.read(&object, MAX_AUDIO_BYTES)) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(Fetched::Missing),
            Err(e) if e.is_unreachable() => return Err(e.into()),
            Err(StorageError::TooLarge { .. }) => return Ok(Fetched::Changed),
            Err(e) => {
                tracing::warn!(object, error = %e, "cannot download a take's audio");
                return Ok(Fetched::Missing);
            }
        };
        if sha256_hex(&bytes) != file.sha256 {
            tracing::warn!(object, "a take's audio does not match its recorded sha256");
            return Ok(Fetched::Changed);
        }
        std::fs::create_dir_all(&dir).map_err(|e| LibraryError::io(&dir, e))?;
        atomic::write(&cached, &bytes).map_err(|e| LibraryError::io(&cached, e))?;
        self.verified.insert(cached.clone());
        Ok(Fetched::Found(cached))
    }

    /// Deletes a take: its metadata first, so no listing shows it without
    /// its audio, then the audio objects beside it. Returns the bytes freed.
    pub fn delete(&mut self, id: &TakeId) -> Result<u64, LibraryError> {
        let Some(entry) = self.entries.iter().find(|e| &e.id == id).cloned() else {
            return self.delete_spooled(id);
        };
        let audio: Vec<String> = match self.result(&entry) {
            Ok(r) => r
                .files
                .iter()
                .filter_map(|f| Self::audio_file(&f.path).map(str::to_string))
                // Another take's audio, named by a copied metadata file,
                // stays (see `owns`).
                .filter(|file| owns(id, Path::new(file)))
                .collect(),
            Err(e) if e.is_not_a_take() => Vec::new(),
            Err(e) => return Err(e),
        };
        let meta_file = format!("{}.json", id.0);
        if !self
            .blocking
            .run(self.store.delete(&self.at.object(&meta_file)))?
        {
            return Err(LibraryError::NotFound(id.0.clone()));
        }
        let mut freed = self.objects.remove(&meta_file).unwrap_or(0);
        for file in audio {
            if self
                .blocking
                .run(self.store.delete(&self.at.object(&file)))?
            {
                freed += self.objects.remove(&file).unwrap_or(0);
            }
        }
        self.entries.retain(|e| &e.id != id);
        self.results.remove(id);
        if self.summaries.remove(id).is_some() {
            self.dirty = true;
        }
        self.save_cache();
        Ok(freed)
    }

    /// Deletes a take waiting in the spool folder (asked for by name: a
    /// prune never plans one), unless an upload of it is under way.
    fn delete_spooled(&mut self, id: &TakeId) -> Result<u64, LibraryError> {
        let take = spool::list(&self.spool)
            .into_iter()
            .find(|t| t.id == id.0)
            .ok_or_else(|| LibraryError::NotFound(id.0.clone()))?;
        let io = |e| LibraryError::io(&take.metadata, e);
        let Some(_lock) = spool::lock(&take.metadata, false).map_err(io)? else {
            return Err(io(std::io::Error::other(
                "it is being uploaded now; try again in a moment",
            )));
        };
        let files: Vec<PathBuf> = take
            .result
            .as_ref()
            .map(|r| {
                r.files
                    .iter()
                    .filter_map(|f| spool::audio_path(&take.metadata, &f.path))
                    .collect()
            })
            .unwrap_or_default();
        let mut freed = 0;
        for path in files.iter().chain([&take.metadata]) {
            let size = std::fs::metadata(path).map_or(0, |m| m.len());
            match std::fs::remove_file(path) {
                Ok(()) => freed += size,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(LibraryError::io(path, e)),
            }
        }
        Ok(freed)
    }

    /// The takes a prune rule would delete, and the bytes their objects
    /// hold. A metadata object that is not a take's is left alone.
    pub fn plan_prune(&mut self, rule: PruneRule, now: i64) -> Result<PrunePlan, LibraryError> {
        let candidates: Vec<usize> = match rule {
            PruneRule::Keep(n) => (n..self.entries.len()).collect(),
            PruneRule::OlderThan(age) => {
                let cutoff = now.saturating_sub(age.as_secs() as i64);
                (0..self.entries.len())
                    .filter(|&i| self.entries[i].time < cutoff)
                    .collect()
            }
        };
        self.fetch(&candidates)?;
        let mut takes = Vec::with_capacity(candidates.len());
        let mut bytes = 0;
        for i in candidates {
            let Some(s) = self.summary_at(i) else {
                continue;
            };
            if s.status.is_none() {
                continue;
            }
            let size = |f: &str| self.objects.get(f).copied().unwrap_or(0);
            bytes += size(&format!("{}.json", s.id.0));
            bytes += s
                .files
                .iter()
                .filter_map(|p| Self::audio_file(p))
                .filter(|file| owns(&s.id, Path::new(file)))
                .map(size)
                .sum::<u64>();
            takes.push(s.id);
        }
        self.save_cache();
        Ok(PrunePlan { takes, bytes })
    }

    fn load_cache(&mut self) {
        if self.cache_loaded {
            return;
        }
        self.cache_loaded = true;
        let Ok(bytes) = std::fs::read(&self.cache_file) else {
            return;
        };
        match serde_json::from_slice::<CacheFile>(&bytes) {
            Ok(file) if file.version == CACHE_VERSION => {
                let live: HashMap<&TakeId, &str> = self
                    .entries
                    .iter()
                    .map(|e| (&e.id, e.version.as_str()))
                    .collect();
                for c in file.takes {
                    if live.get(&c.summary.id) == Some(&c.version.as_str()) {
                        self.summaries.entry(c.summary.id.clone()).or_insert(c);
                    }
                }
            }
            Ok(_) => {}
            Err(e) => tracing::info!(error = %e, "ignoring an unreadable bucket index"),
        }
    }

    /// Keeps the summaries read for the next process; a cache that cannot
    /// be written costs downloads, nothing else.
    fn save_cache(&mut self) {
        if !self.dirty || !self.cache_loaded {
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
            version: CACHE_VERSION,
            takes,
        })
        .expect("summaries always serialize");
        let written = atomic::parent(&self.cache_file);
        let saved =
            std::fs::create_dir_all(written).and_then(|()| atomic::write(&self.cache_file, &json));
        match saved {
            Ok(()) => self.dirty = false,
            Err(e) => tracing::info!(error = %e, "could not write the bucket index"),
        }
    }
}

/// What became of a take's audio object when it was fetched.
enum Fetched {
    /// In the local cache, matching its digest.
    Found(PathBuf),
    Missing,
    /// There, but not what the metadata recorded.
    Changed,
}

fn parse(bytes: &[u8]) -> Result<GenerationResult, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// 64 lowercase hex digits: a digest, and safe as a file name.
fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

//! Takes saved to a bucket (`--output-dir gs://BUCKET/PREFIX` or
//! `s3://BUCKET/PREFIX`), so every instance naming it shares them.
//!
//! A paid take is never lost: it is first written whole to a local spool
//! folder (the folder writer's guarantees: atomic, measured, digested),
//! then uploaded; only when the upload is complete is the spool copy
//! removed (its audio moved into the audio cache, so playing it here
//! downloads nothing). When the upload fails, the spool copy stays and the
//! error says where, and that the call was billed.
//!
//! Names are reserved with the store's create precondition (GCS
//! `ifGenerationMatch=0`, S3 `If-None-Match: *`) on every object, so two instances never take
//! the same name: the one that finds a name taken (412) removes what it
//! uploaded under it and takes the next (`STEM-2`, `STEM-3`, …).
//!
//! Commit order: the audio first, the metadata last. A listing shows only
//! takes whose metadata object exists, so a listed take is always whole: a
//! reader never sees metadata naming audio that is not there yet. A failure
//! between the two leaves audio that no listing shows, which is removed;
//! a process killed there leaves it behind, unlisted, with the take still
//! in the spool folder.
//!
//! A spooled take is uploaded again by [`push_spooled`] (`music-gen
//! history upload`, and after each later save that reached the bucket).
//! Its earlier upload may have completed after all (a stalled request the
//! store finished) or stopped between the audio and the metadata (a killed
//! process): an object found under the name it tries is compared with the
//! take (audio by sha256, metadata by its audio's digests and creation
//! time), and one that holds this very take is kept rather than uploaded
//! a second time or under a `-2` name; one that holds another take moves
//! it to the next free name, as a new save does. The spool copy goes only
//! once the take's metadata is in the bucket.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::generate::error::GenerateError;
use crate::generate::job::OutputTarget;
use crate::generate::output::{self, NewAudio};
use crate::generate::result::GenerationResult;
use crate::generate::spool::{self, SpoolError};
use crate::storage::{Bucket, BucketPath, Op, Precondition, Service, StorageError, Written};

/// Names tried before giving up: far more than instances racing for one
/// second's name.
const MAX_NAMES: usize = 1000;
const METADATA_TYPE: &str = "application/json";
/// A metadata object larger than this is not one of ours.
const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;
/// The largest audio object read back to compare: Lyria's longest WAV is
/// ~50 MB.
const MAX_AUDIO_BYTES: u64 = 512 * 1024 * 1024;

/// How a take reached the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landed {
    Uploaded,
    /// An earlier upload of it had stopped after its audio: only the
    /// metadata was uploaded.
    Finished,
    /// An earlier upload of it had completed: nothing was uploaded again.
    AlreadyThere,
}

/// Writes a take to the bucket; see the module's documentation.
pub(crate) async fn save(
    service: Service,
    at: &BucketPath,
    name: Option<&str>,
    audio: Vec<NewAudio>,
    result: GenerationResult,
    cancel: CancellationToken,
) -> Result<GenerationResult, GenerateError> {
    let spool = crate::paths::spool_dir(&at.bucket, &at.prefix);
    let target = OutputTarget::Dir(spool);
    let name = name.map(str::to_string);
    let (mut result, audio) = tokio::task::spawn_blocking(move || {
        let mut result = result;
        output::save(&target, name.as_deref(), &audio, &mut result, &|| {
            cancel.is_cancelled()
        })
        .map(|()| (result, audio))
    })
    .await??;
    let spooled: Vec<PathBuf> = result.files.iter().map(|f| f.path.clone()).collect();
    let metadata = result.metadata_path.clone().unwrap_or_default();
    let spooled_stem = metadata
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "track".to_string());
    let stem = bucket_stem(&spooled_stem, &result.genre);
    let billed = result.mode == crate::generate::Mode::Gcp;
    // Held until the take is out of the spool: a push (`history upload`,
    // another process's save) leaves it alone meanwhile.
    let lock = {
        let m = metadata.clone();
        tokio::task::spawn_blocking(move || spool::lock(&m, true)).await?
    };
    let lock = lock.unwrap_or_else(|e| {
        tracing::info!(error = %e, "cannot lock a spooled take");
        None
    });
    // A push that locked it first, between its write and the lock, has
    // uploaded it: found by its content, it is not uploaded twice.
    let pushed = !metadata.exists();
    let exts: Vec<&str> = audio.iter().map(|a| a.ext).collect();
    let uploaded = match client(service, &at.bucket) {
        Ok(bucket) => {
            let found = if pushed {
                already_there(&bucket, at, &stem, &result).await
            } else {
                Ok(None)
            };
            match found {
                Ok(Some((base, present))) => {
                    point_at(&bucket, at, &base, &exts, &mut result);
                    restore_audio(&bucket, at, &base, &audio, &present).await
                }
                // A new take: whatever holds a name is another take's (two
                // seeded runs may return the same audio, and both were
                // billed); the lock keeps pushes away from it.
                Ok(None) => upload(&bucket, at, &stem, &audio, &mut result, false)
                    .await
                    .map(drop),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    if let Err(e) = uploaded {
        let kept = spooled.first().cloned().unwrap_or(metadata);
        return Err(GenerateError::Upload {
            message: format!(
                "uploading the take to {}://{}/{}: {e}",
                service.scheme(),
                at.bucket,
                at.prefix
            ),
            kept,
            billed,
        });
    }
    let hashes: Vec<String> = result.files.iter().map(|f| f.sha256.clone()).collect();
    tokio::task::spawn_blocking(move || unspool(&spooled, &hashes, &metadata)).await?;
    drop(lock);
    push_after_save(service, at).await;
    Ok(result)
}

/// The bucket took a take: takes still waiting in this machine's spool
/// (an earlier upload failed) go too, so a server on an ephemeral disk or
/// a user who never runs `history upload` does not keep them only here.
/// One push at a time per process; what fails stays and is logged.
async fn push_after_save(service: Service, at: &BucketPath) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static PUSHING: AtomicBool = AtomicBool::new(false);
    /// Lets the next save push again, even if this one is dropped midway.
    struct Pushing;
    impl Drop for Pushing {
        fn drop(&mut self) {
            PUSHING.store(false, Ordering::Release);
        }
    }
    if PUSHING.swap(true, Ordering::AcqRel) {
        return;
    }
    let _pushing = Pushing;
    let report = push_spooled(service, at).await;
    for p in &report.pushed {
        match &p.outcome {
            Ok(Some((url, _))) => {
                tracing::info!(take = %p.id, url = %url, "uploaded a spooled take");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(take = %p.id, error = %e, "a spooled take stays in the spool"),
        }
    }
}

/// What became of one spooled take.
#[derive(Debug)]
pub struct Pushed {
    pub id: String,
    /// Its metadata file in the spool folder (gone once uploaded).
    pub spooled: PathBuf,
    /// Its metadata object's URL and how it got there, or why it stays.
    /// `Ok(None)`: another upload (its own save, another push) has it.
    pub outcome: Result<Option<(String, Landed)>, String>,
}

/// Everything [`push_spooled`] did.
#[derive(Debug, Default)]
pub struct PushReport {
    pub pushed: Vec<Pushed>,
    /// Takes not tried: the store stopped answering.
    pub not_tried: usize,
    /// Why the store could not be used at all, if it could not.
    pub stopped: Option<String>,
}

/// Uploads the takes waiting in the spool folder of `at`, oldest first;
/// see the module's documentation. A take that cannot be uploaded stays
/// in the spool, its reason given; a store that cannot be reached stops
/// the run.
pub async fn push_spooled(service: Service, at: &BucketPath) -> PushReport {
    let dir = crate::paths::spool_dir(&at.bucket, &at.prefix);
    let waiting = tokio::task::spawn_blocking(move || spool::list(&dir))
        .await
        .unwrap_or_default();
    let mut report = PushReport::default();
    if waiting.is_empty() {
        return report;
    }
    let store = match client(service, &at.bucket) {
        Ok(s) => s,
        Err(e) => {
            report.not_tried = waiting.len();
            report.stopped = Some(e.to_string());
            return report;
        }
    };
    let total = waiting.len();
    for (i, take) in waiting.into_iter().enumerate() {
        let outcome = push_one(&store, at, &take).await;
        let unreachable = matches!(&outcome, Err(PushError::Storage(e)) if e.is_unreachable());
        report.pushed.push(Pushed {
            id: take.id,
            spooled: take.metadata,
            outcome: outcome.map_err(|e| e.to_string()),
        });
        if unreachable {
            report.not_tried = total - i - 1;
            break;
        }
    }
    report
}

#[derive(Debug, thiserror::Error)]
enum PushError {
    #[error("its metadata cannot be read: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Uploads one spooled take (unless an earlier upload of it is there) and
/// then takes it out of the spool.
async fn push_one(
    store: &Bucket,
    at: &BucketPath,
    take: &spool::Spooled,
) -> Result<Option<(String, Landed)>, PushError> {
    let metadata = take.metadata.clone();
    let locked = {
        let m = metadata.clone();
        tokio::task::spawn_blocking(move || spool::lock(&m, false))
            .await
            .map_err(|e| PushError::Unreadable(e.to_string()))?
    };
    let lock = match locked {
        Ok(Some(lock)) => lock,
        // Its own save, or another push, is uploading it now: that one
        // takes it out of the spool.
        Ok(None) => return Ok(None),
        // Uploaded and taken out of the spool since it was listed.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PushError::Spool(SpoolError::Io {
                path: metadata,
                source,
            }));
        }
    };
    if !metadata.exists() {
        return Ok(None);
    }
    let mut result = take.result.clone().map_err(PushError::Unreadable)?;
    let (audio, read_back) = {
        let metadata = metadata.clone();
        tokio::task::spawn_blocking(move || spool::audio(&metadata, &result).map(|a| (a, result)))
            .await
            .map_err(|e| PushError::Unreadable(e.to_string()))??
    };
    result = read_back;
    let spooled: Vec<PathBuf> = result
        .files
        .iter()
        .filter_map(|f| spool::audio_path(&metadata, &f.path))
        .collect();
    let hashes: Vec<String> = result.files.iter().map(|f| f.sha256.clone()).collect();
    let stem = bucket_stem(&take.id, &result.genre);
    let landed = match already_there(store, at, &stem, &result).await? {
        Some((base, present)) => {
            restore_audio(store, at, &base, &audio, &present).await?;
            let exts: Vec<&str> = audio.iter().map(|a| a.ext).collect();
            point_at(store, at, &base, &exts, &mut result);
            Landed::AlreadyThere
        }
        None => upload(store, at, &stem, &audio, &mut result, true).await?,
    };
    let url = result
        .metadata_path
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    tokio::task::spawn_blocking(move || unspool(&spooled, &hashes, &metadata))
        .await
        .map_err(|e| PushError::Unreadable(e.to_string()))?;
    drop(lock);
    Ok(Some((url, landed)))
}

/// The metadata of this take is in the bucket under `base`: any of its
/// audio that is not (removed after an upload whose metadata answer was
/// lost) is uploaded again, so the listed take is whole.
async fn restore_audio(
    store: &Bucket,
    at: &BucketPath,
    base: &str,
    audio: &[NewAudio],
    present: &[String],
) -> Result<(), StorageError> {
    let exts: Vec<&str> = audio.iter().map(|a| a.ext).collect();
    let plan = output::names(Path::new(base), &exts);
    for (a, path) in audio.iter().zip(&plan.audio) {
        let name = at.object(&path.to_string_lossy());
        if !present.contains(&name) {
            store
                .write(&name, &a.bytes, &a.mime_type, &Precondition::Absent)
                .await?;
        }
    }
    Ok(())
}

/// Points `result` at the objects of the take named `base` under the
/// prefix: its metadata and its audio beside it.
fn point_at(
    store: &Bucket,
    at: &BucketPath,
    base: &str,
    exts: &[&str],
    result: &mut GenerationResult,
) {
    let plan = output::names(Path::new(base), exts);
    let object = |p: &Path| at.object(&p.to_string_lossy());
    for (f, path) in result.files.iter_mut().zip(&plan.audio) {
        f.path = store.url(&object(path)).into();
    }
    result.metadata_path = Some(store.url(&object(&plan.metadata)).into());
}

/// The name (`stem` or `stem-N`, without `.json`) of a metadata object
/// that records this very take: an earlier upload that completed,
/// possibly under a later name than the first free one now.
async fn already_there(
    store: &Bucket,
    at: &BucketPath,
    stem: &str,
    take: &GenerationResult,
) -> Result<Option<(String, Vec<String>)>, StorageError> {
    let listed = store.list(&at.prefix).await?;
    let present: Vec<String> = listed.iter().map(|o| o.name.clone()).collect();
    for o in listed {
        let Some(file) = o.name.strip_prefix(at.prefix.as_str()) else {
            continue;
        };
        let Some(name) = file.strip_suffix(".json") else {
            continue;
        };
        let ours = name == stem
            || name
                .strip_prefix(stem)
                .and_then(|r| r.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if ours && holds(store, &o.name, take).await? {
            return Ok(Some((name.to_string(), present)));
        }
    }
    Ok(None)
}

/// Whether the metadata object `object` records the take `take`: the same
/// audio (by digest), made and finished at the same moments, with the
/// same timings to the millisecond, from the same prompt (two seeded
/// runs may return the same audio; they are still two takes).
async fn holds(
    store: &Bucket,
    object: &str,
    take: &GenerationResult,
) -> Result<bool, StorageError> {
    let Some(bytes) = read_or_refuse(store, object, MAX_METADATA_BYTES).await? else {
        return Ok(false);
    };
    let Ok(there) = serde_json::from_slice::<GenerationResult>(&bytes) else {
        return Ok(false);
    };
    Ok(there.created_at.is_some()
        && there.created_at == take.created_at
        && there.finished_at == take.finished_at
        && there.timings == take.timings
        && there.prompt == take.prompt
        && there.files.len() == take.files.len()
        && there
            .files
            .iter()
            .zip(&take.files)
            .all(|(a, b)| a.sha256 == b.sha256 && a.size_bytes == b.size_bytes))
}

/// Whether the audio object `object` has exactly these bytes' digest.
async fn same_audio(
    store: &Bucket,
    object: &str,
    sha256: &str,
    size: u64,
) -> Result<bool, StorageError> {
    let Some(bytes) = read_or_refuse(store, object, MAX_AUDIO_BYTES.max(size)).await? else {
        return Ok(false);
    };
    Ok(bytes.len() as u64 == size && output::sha256_hex(&bytes) == sha256)
}

/// An object's bytes; one too large to be ours is `None`, as if absent.
async fn read_or_refuse(
    store: &Bucket,
    object: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, StorageError> {
    match store.read(object, limit).await {
        Err(StorageError::TooLarge { .. }) => Ok(None),
        other => other,
    }
}

/// Uploads the audio, then the metadata, under the first free name from
/// `stem`; `result` names the objects written. `again` (a spooled take
/// uploaded again): an object found under a name that holds this very
/// take is kept, not taken for another's. A new take never does this: two
/// simulated takes (no audio) of one prompt in one second are two takes.
async fn upload(
    store: &Bucket,
    at: &BucketPath,
    stem: &str,
    audio: &[NewAudio],
    result: &mut GenerationResult,
    again: bool,
) -> Result<Landed, StorageError> {
    let exts: Vec<&str> = audio.iter().map(|a| a.ext).collect();
    let digests: Vec<(String, u64)> = result
        .files
        .iter()
        .map(|f| (f.sha256.clone(), f.size_bytes))
        .collect();
    let mut found_ours = false;
    for attempt in 1..=MAX_NAMES {
        let base = match attempt {
            1 => stem.to_string(),
            n => format!("{stem}-{n}"),
        };
        let plan = output::names(Path::new(&base), &exts);
        let object = |p: &Path| at.object(&p.to_string_lossy());
        let mut created = Vec::with_capacity(audio.len());
        let mut taken = false;
        for ((a, path), (sha, size)) in audio.iter().zip(&plan.audio).zip(&digests) {
            let name = object(path);
            match store
                .write(&name, &a.bytes, &a.mime_type, &Precondition::Absent)
                .await
            {
                Ok(Written::Done { .. }) => created.push(name),
                Ok(Written::PreconditionFailed) => {
                    // Left by an upload of this take that stopped before
                    // its metadata.
                    let ours = again
                        && match same_audio(store, &name, sha, *size).await {
                            Ok(same) => same,
                            Err(e) => {
                                remove(store, &created).await;
                                return Err(e);
                            }
                        };
                    if ours {
                        found_ours = true;
                        continue;
                    }
                    taken = true;
                    break;
                }
                Err(e) => {
                    remove(store, &created).await;
                    return Err(e);
                }
            }
        }
        if !taken {
            point_at(store, at, &base, &exts, result);
            let meta = object(&plan.metadata);
            let mut json =
                serde_json::to_string_pretty(result).expect("a result always serializes");
            json.push('\n');
            match store
                .write(&meta, json.as_bytes(), METADATA_TYPE, &Precondition::Absent)
                .await
            {
                Ok(Written::Done { .. }) if found_ours => return Ok(Landed::Finished),
                Ok(Written::Done { .. }) => return Ok(Landed::Uploaded),
                Ok(Written::PreconditionFailed) if again => {
                    match holds(store, &meta, result).await {
                        Ok(true) => return Ok(Landed::AlreadyThere),
                        Ok(false) => {}
                        Err(e) => {
                            remove(store, &created).await;
                            return Err(e);
                        }
                    }
                }
                Ok(Written::PreconditionFailed) => {}
                // No answer: the metadata may have landed, and a listed
                // take must not lose its audio. Unlisted otherwise, the
                // audio is found and finished by the take's next push.
                Err(e @ StorageError::Network { .. }) => return Err(e),
                Err(e) => {
                    remove(store, &created).await;
                    return Err(e);
                }
            }
        }
        tracing::debug!(base = %base, "name taken in the bucket, trying the next");
        found_ours = false;
        // Only what this attempt created: an object whose write failed
        // without an answer may be another instance's by now.
        remove(store, &created).await;
    }
    Err(StorageError::Status {
        service: store.service(),
        bucket: at.bucket.clone(),
        op: Op::Create,
        status: 412,
        message: format!("{MAX_NAMES} names from {stem} are all taken"),
    })
}

/// The name to try first in the bucket: the spooled take's, without the
/// `-N` the spool folder may have added for another take of this process
/// (`20261130-120000-rock-2` → `20261130-120000-rock`); the bucket's own
/// numbering follows from what is taken there.
fn bucket_stem(spooled: &str, genre: &str) -> String {
    let base_len = "YYYYMMDD-HHMMSS-".len();
    let Some(time) = spooled.get(..base_len) else {
        return spooled.to_string();
    };
    let base = format!("{time}{}", output::slug(genre));
    match spooled.strip_prefix(base.as_str()) {
        Some(rest)
            if rest
                .strip_prefix('-')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            base
        }
        _ => spooled.to_string(),
    }
}

/// Removes objects this save created, best effort: one left behind is
/// never listed (no metadata names it).
async fn remove(store: &Bucket, objects: &[String]) {
    for object in objects {
        if let Err(e) = store.delete(object).await {
            tracing::warn!(object, error = %e, "cannot remove an unlisted object");
        }
    }
}

/// The upload is complete: the spooled audio moves into the audio cache
/// (named by its digest, as a download would be) and the spooled metadata
/// goes. Failing to tidy up costs disk space, never the take.
fn unspool(audio: &[PathBuf], hashes: &[String], metadata: &Path) {
    let cache = crate::paths::audio_cache_dir();
    let cached = std::fs::create_dir_all(&cache).is_ok();
    for (path, sha) in audio.iter().zip(hashes) {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("bin");
        let to = cache.join(format!("{sha}.{ext}"));
        if !(cached && std::fs::rename(path, &to).is_ok()) {
            let _ = std::fs::remove_file(path);
        }
    }
    if let Err(e) = std::fs::remove_file(metadata) {
        tracing::info!(error = %e, "cannot remove a spooled take");
    }
}

/// Clients by store and bucket, as the process's uploads share them.
type Clients = HashMap<(&'static str, String), Arc<Bucket>>;

/// One client per bucket for the process's uploads: its connections and
/// token are reused from take to take.
fn client(service: Service, bucket: &str) -> Result<Arc<Bucket>, StorageError> {
    static CLIENTS: Mutex<Option<Clients>> = Mutex::new(None);
    let mut clients = CLIENTS.lock().unwrap_or_else(|e| e.into_inner());
    let clients = clients.get_or_insert_with(HashMap::new);
    let key = (service.scheme(), bucket.to_string());
    if let Some(c) = clients.get(&key) {
        return Ok(Arc::clone(c));
    }
    let c = Arc::new(Bucket::new(service, bucket)?);
    clients.insert(key, Arc::clone(&c));
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::bucket_stem;

    #[test]
    fn the_spool_folders_numbering_is_not_carried_into_the_bucket() {
        assert_eq!(
            bucket_stem("20261130-120000-rock-2", "Rock"),
            "20261130-120000-rock"
        );
        assert_eq!(
            bucket_stem("20261130-120000-rock", "rock"),
            "20261130-120000-rock"
        );
        // A genre that ends in a number keeps it.
        assert_eq!(
            bucket_stem("20261130-120000-band-2", "band 2"),
            "20261130-120000-band-2"
        );
        assert_eq!(
            bucket_stem("20261130-120000-band-2-3", "band 2"),
            "20261130-120000-band-2"
        );
        assert_eq!(bucket_stem("x", "rock"), "x");
        assert_eq!(
            bucket_stem("20261130-120000-日", "日"),
            "20261130-120000-日"
        );
    }
}

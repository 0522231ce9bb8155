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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::generate::error::GenerateError;
use crate::generate::job::OutputTarget;
use crate::generate::output::{self, NewAudio};
use crate::generate::result::GenerationResult;
use crate::storage::{Bucket, BucketPath, Op, Precondition, Service, StorageError, Written};

/// Names tried before giving up: far more than instances racing for one
/// second's name.
const MAX_NAMES: usize = 1000;
const METADATA_TYPE: &str = "application/json";

/// Writes a take to the bucket; see the module's documentation.
pub(crate) async fn save(
    service: Service,
    at: &BucketPath,
    audio: Vec<NewAudio>,
    result: GenerationResult,
    cancel: CancellationToken,
) -> Result<GenerationResult, GenerateError> {
    let spool = crate::paths::spool_dir(&at.bucket, &at.prefix);
    let target = OutputTarget::Dir(spool);
    let (mut result, audio) = tokio::task::spawn_blocking(move || {
        let mut result = result;
        output::save(&target, &audio, &mut result, &|| cancel.is_cancelled())
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
    let uploaded = match client(service, &at.bucket) {
        Ok(bucket) => upload(&bucket, at, &stem, &audio, &mut result).await,
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
    Ok(result)
}

/// Uploads the audio, then the metadata, under the first free name from
/// `stem`; `result` names the objects written.
async fn upload(
    store: &Bucket,
    at: &BucketPath,
    stem: &str,
    audio: &[NewAudio],
    result: &mut GenerationResult,
) -> Result<(), StorageError> {
    let exts: Vec<&str> = audio.iter().map(|a| a.ext).collect();
    for attempt in 1..=MAX_NAMES {
        let base = match attempt {
            1 => stem.to_string(),
            n => format!("{stem}-{n}"),
        };
        let plan = output::names(Path::new(&base), &exts);
        let object = |p: &Path| at.object(&p.to_string_lossy());
        let mut created = Vec::with_capacity(audio.len());
        let mut taken = false;
        for (a, path) in audio.iter().zip(&plan.audio) {
            let name = object(path);
            match store
                .write(&name, &a.bytes, &a.mime_type, &Precondition::Absent)
                .await
            {
                Ok(Written::Done { .. }) => created.push(name),
                Ok(Written::PreconditionFailed) => {
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
            for (f, path) in result.files.iter_mut().zip(&plan.audio) {
                f.path = store.url(&object(path)).into();
            }
            let meta = object(&plan.metadata);
            result.metadata_path = Some(store.url(&meta).into());
            let mut json =
                serde_json::to_string_pretty(result).expect("a result always serializes");
            json.push('\n');
            match store
                .write(&meta, json.as_bytes(), METADATA_TYPE, &Precondition::Absent)
                .await
            {
                Ok(Written::Done { .. }) => return Ok(()),
                Ok(Written::PreconditionFailed) => {}
                Err(e) => {
                    remove(store, &created).await;
                    return Err(e);
                }
            }
        }
        tracing::debug!(base = %base, "name taken in the bucket, trying the next");
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

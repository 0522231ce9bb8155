//! The preset store in a bucket (Cloud Storage or S3): one object per
//! preset under a prefix, so every instance naming the same
//! `gs://bucket/prefix` or `s3://bucket/prefix` sees the same presets. The
//! guarantees of the folder store, kept with the store's own primitives: a
//! save is one upload (whole or absent); a create-only save and a built-in
//! written back are create-if-absent; a replace is conditional on the
//! version (generation, ETag) it found, so a replace that raced with
//! another one is reported instead of silently lost. A listing is one list
//! request: a preset whose version is unchanged is not downloaded again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, TryStreamExt};

use crate::domain::input::MAX_BYTES;
use crate::domain::model::{PresetConfig, validate_preset_name};
use crate::domain::preset_yaml::to_yaml;
use crate::domain::presets::{
    BUILTINS, LoadedPreset, PresetSummary, RestoreReport, StoreError, deleted_note, is_builtin,
    parse_preset_bytes, summarize_bytes,
};
use crate::storage::blocking::Blocking;
use crate::storage::{Bucket, BucketPath, Precondition, RequestCounts, Version, Written};

const EXTENSION: &str = ".yaml";
const CONTENT_TYPE: &str = "application/yaml";
const MARKER: &str = ".deleted-builtin.";
/// Downloads in flight during a cold listing.
const PARALLEL_READS: usize = 16;

#[derive(Debug)]
pub struct BucketPresets {
    bucket: Bucket,
    at: BucketPath,
    /// `gs://bucket/prefix/`, as messages and `config` show it.
    shown: PathBuf,
    blocking: Blocking,
    /// By preset name: the version summarized (none for one that could
    /// not be read: read again next time), and its summary.
    cache: HashMap<String, (Option<Version>, PresetSummary)>,
    parsed: u64,
}

impl BucketPresets {
    /// Opens the store through `bucket` with one listing, writing any
    /// built-in that is neither there nor marked deleted (create-only: of
    /// two instances starting at once, one writes it). A built-in that
    /// cannot be written (a read-only role) is logged and skipped, as on a
    /// read-only disk.
    pub fn open_with(
        at: BucketPath,
        bucket: Bucket,
    ) -> Result<(BucketPresets, Vec<String>), StoreError> {
        let blocking = Blocking::new().map_err(|source| StoreError::Io {
            path: PathBuf::from(bucket.url("")),
            source,
        })?;
        let shown = PathBuf::from(bucket.url(&at.prefix));
        let store = BucketPresets {
            bucket,
            at,
            shown,
            blocking,
            cache: HashMap::new(),
            parsed: 0,
        };
        let objects = store.blocking.run(store.bucket.list(&store.at.prefix))?;
        let present: Vec<&str> = objects
            .iter()
            .filter_map(|o| o.name.strip_prefix(store.at.prefix.as_str()))
            .collect();
        let mut written = Vec::new();
        for (name, text) in BUILTINS {
            let file = format!("{name}{EXTENSION}");
            let marker = format!("{MARKER}{name}");
            if present.contains(&file.as_str()) || present.contains(&marker.as_str()) {
                continue;
            }
            let object = store.at.object(&file);
            match store.blocking.run(store.bucket.write(
                &object,
                text.as_bytes(),
                CONTENT_TYPE,
                &Precondition::Absent,
            )) {
                Ok(Written::Done { .. }) => written.push(name.to_string()),
                Ok(Written::PreconditionFailed) => {}
                Err(e) => tracing::warn!(object, error = %e, "cannot write built-in preset"),
            }
        }
        Ok((store, written))
    }

    pub fn dir(&self) -> &Path {
        &self.shown
    }

    pub fn files_parsed(&self) -> u64 {
        self.parsed
    }

    pub fn requests(&self) -> RequestCounts {
        self.bucket.requests()
    }

    fn object(&self, name: &str) -> Result<String, StoreError> {
        validate_preset_name(name).map_err(StoreError::InvalidName)?;
        Ok(self.at.object(&format!("{name}{EXTENSION}")))
    }

    /// The URL a preset lives at; refuses names that could leave the prefix.
    pub fn path_for(&self, name: &str) -> Result<PathBuf, StoreError> {
        let object = self.object(name)?;
        Ok(PathBuf::from(self.bucket.url(&object)))
    }

    /// Every preset, sorted by name: one list request, and a download only
    /// for a preset new or changed since the last listing.
    pub fn list(&mut self) -> Result<Vec<PresetSummary>, StoreError> {
        let objects = self.blocking.run(self.bucket.list(&self.at.prefix))?;
        let mut seen = HashMap::with_capacity(objects.len());
        let mut stale = Vec::new();
        for object in objects {
            let Some(name) = object
                .name
                .strip_prefix(self.at.prefix.as_str())
                .and_then(|f| f.strip_suffix(EXTENSION))
            else {
                continue;
            };
            if name.starts_with('.') || name.is_empty() {
                continue;
            }
            match self.cache.remove(name) {
                Some((Some(version), summary)) if version == object.version => {
                    seen.insert(name.to_string(), (Some(version), summary));
                }
                _ => stale.push((name.to_string(), object.name, object.version)),
            }
        }
        let bucket = &self.bucket;
        let fresh: Vec<_> = self.blocking.run(async {
            futures_util::stream::iter(stale)
                .map(|(name, object, version)| async move {
                    let shown = PathBuf::from(bucket.url(&object));
                    match bucket.read(&object, MAX_BYTES).await {
                        Ok(Some(bytes)) => {
                            let summary = summarize_bytes(&name, &shown, &bytes);
                            Ok(Some((name, Some(version), summary)))
                        }
                        // Deleted since the listing: not listed.
                        Ok(None) => Ok(None),
                        // The store itself is gone (network, credentials):
                        // the listing fails in one line, not one per preset.
                        Err(e) if e.is_unreachable() => Err(e),
                        // Listed as broken, and downloaded again next time.
                        Err(e) => {
                            let summary = PresetSummary::broken(&name, e.to_string());
                            Ok(Some((name, None, summary)))
                        }
                    }
                })
                .buffer_unordered(PARALLEL_READS)
                .try_collect()
                .await
        })?;
        for (name, version, summary) in fresh.into_iter().flatten() {
            self.parsed += 1;
            seen.insert(name, (version, summary));
        }
        self.cache = seen;
        let mut list: Vec<PresetSummary> = self.cache.values().map(|(_, s)| s.clone()).collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    pub fn exists(&self, name: &str) -> Result<bool, StoreError> {
        let object = self.object(name)?;
        Ok(self
            .blocking
            .run(self.bucket.generation(&object))?
            .is_some())
    }

    pub fn load(&self, name: &str) -> Result<LoadedPreset, StoreError> {
        let object = self.object(name)?;
        match self.blocking.run(self.bucket.read(&object, MAX_BYTES))? {
            Some(bytes) => parse_preset_bytes(&self.path_for(name)?, &bytes),
            None => Err(StoreError::NotFound {
                name: name.to_string(),
                dir: self.shown.clone(),
            }),
        }
    }

    /// Uploads a preset in one request. Without `overwrite` only if no
    /// preset has the name (`Exists` otherwise); with it, only if the
    /// preset is still the version found just before (`Conflict` if
    /// another save replaced it in between).
    pub fn save(&mut self, preset: &PresetConfig, overwrite: bool) -> Result<PathBuf, StoreError> {
        preset.validate().map_err(StoreError::Invalid)?;
        let object = self.object(&preset.name)?;
        let text = to_yaml(preset);
        let condition = if overwrite {
            match self.blocking.run(self.bucket.generation(&object))? {
                Some(version) => Precondition::Matches(version),
                None => Precondition::Absent,
            }
        } else {
            Precondition::Absent
        };
        let written = self.blocking.run(self.bucket.write(
            &object,
            text.as_bytes(),
            CONTENT_TYPE,
            &condition,
        ))?;
        if written == Written::PreconditionFailed {
            let name = preset.name.clone();
            return Err(if overwrite {
                StoreError::Conflict { name }
            } else {
                StoreError::Exists { name }
            });
        }
        self.cache.remove(&preset.name);
        if is_builtin(&preset.name) {
            // Saved again under its name: no longer deleted.
            let marker = self.at.object(&format!("{MARKER}{}", preset.name));
            if let Err(e) = self.blocking.run(self.bucket.delete(&marker)) {
                tracing::warn!(marker, error = %e, "cannot remove a marker");
            }
        }
        self.path_for(&preset.name)
    }

    /// Writes back every built-in that is missing and forgets that any was
    /// deleted; one that is there, edited or not, is left alone.
    pub fn restore_builtins(&mut self) -> Result<RestoreReport, StoreError> {
        let mut report = RestoreReport::default();
        for (name, text) in BUILTINS {
            let object = self.object(name)?;
            match self.blocking.run(self.bucket.write(
                &object,
                text.as_bytes(),
                CONTENT_TYPE,
                &Precondition::Absent,
            ))? {
                Written::Done { .. } => report.restored.push(name.to_string()),
                Written::PreconditionFailed => report.kept.push(name.to_string()),
            }
            let marker = self.at.object(&format!("{MARKER}{name}"));
            self.blocking.run(self.bucket.delete(&marker))?;
            self.cache.remove(name);
        }
        Ok(report)
    }

    /// Deletes a preset. A built-in is marked deleted in the bucket first,
    /// so no instance writes it back.
    pub fn delete(&mut self, name: &str) -> Result<PathBuf, StoreError> {
        let object = self.object(name)?;
        if is_builtin(name)
            && self
                .blocking
                .run(self.bucket.generation(&object))?
                .is_some()
        {
            let marker = self.at.object(&format!("{MARKER}{name}"));
            self.blocking.run(self.bucket.write(
                &marker,
                deleted_note(name).as_bytes(),
                "text/plain",
                &Precondition::None,
            ))?;
        }
        if !self.blocking.run(self.bucket.delete(&object))? {
            return Err(StoreError::NotFound {
                name: name.to_string(),
                dir: self.shown.clone(),
            });
        }
        self.cache.remove(name);
        self.path_for(name)
    }
}

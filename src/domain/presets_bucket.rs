//! The preset store in a Cloud Storage bucket: one object per preset under
//! a prefix, so every instance naming the same `gs://bucket/prefix` sees
//! the same presets. The guarantees of the folder store, kept with the
//! store's own primitives: a save is one upload (whole or absent); a
//! create-only save and a built-in written back are `ifGenerationMatch=0`;
//! a replace is conditional on the generation it found, so a replace that
//! raced with another one is reported instead of silently lost. A listing
//! is one list request: a preset whose generation is unchanged is not
//! downloaded again.

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
use crate::storage::BucketPath;
use crate::storage::blocking::Blocking;
use crate::storage::gcs::{Gcs, RequestCounts, Written};

const EXTENSION: &str = ".yaml";
const CONTENT_TYPE: &str = "application/yaml";
const MARKER: &str = ".deleted-builtin.";
/// Downloads in flight during a cold listing.
const PARALLEL_READS: usize = 16;

#[derive(Debug)]
pub struct BucketPresets {
    gcs: Gcs,
    at: BucketPath,
    /// `gs://bucket/prefix/`, as messages and `config` show it.
    shown: PathBuf,
    blocking: Blocking,
    /// By preset name: the generation summarized, and its summary.
    cache: HashMap<String, (u64, PresetSummary)>,
    parsed: u64,
}

impl BucketPresets {
    /// Opens the store with one listing, writing any built-in that is
    /// neither there nor marked deleted (create-only: of two instances
    /// starting at once, one writes it). A built-in that cannot be written
    /// (a read-only role) is logged and skipped, as on a read-only disk.
    pub fn open(at: BucketPath) -> Result<(BucketPresets, Vec<String>), StoreError> {
        let gcs = Gcs::new(&at.bucket)?;
        BucketPresets::open_with(at, gcs)
    }

    /// Opens the store through `gcs` (an emulator's client, in tests).
    pub fn open_with(at: BucketPath, gcs: Gcs) -> Result<(BucketPresets, Vec<String>), StoreError> {
        let blocking = Blocking::new().map_err(|source| StoreError::Io {
            path: PathBuf::from(format!("gs://{}", at.bucket)),
            source,
        })?;
        let shown = PathBuf::from(format!("gs://{}/{}", at.bucket, at.prefix));
        let store = BucketPresets {
            gcs,
            at,
            shown,
            blocking,
            cache: HashMap::new(),
            parsed: 0,
        };
        let objects = store.blocking.run(store.gcs.list(&store.at.prefix))?;
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
            match store.blocking.run(store.gcs.write(
                &object,
                text.as_bytes(),
                CONTENT_TYPE,
                Some(0),
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
        self.gcs.requests()
    }

    fn object(&self, name: &str) -> Result<String, StoreError> {
        validate_preset_name(name).map_err(StoreError::InvalidName)?;
        Ok(self.at.object(&format!("{name}{EXTENSION}")))
    }

    /// The URL a preset lives at; refuses names that could leave the prefix.
    pub fn path_for(&self, name: &str) -> Result<PathBuf, StoreError> {
        let object = self.object(name)?;
        Ok(PathBuf::from(format!("gs://{}/{object}", self.at.bucket)))
    }

    /// Every preset, sorted by name: one list request, and a download only
    /// for a preset new or changed since the last listing.
    pub fn list(&mut self) -> Result<Vec<PresetSummary>, StoreError> {
        let objects = self.blocking.run(self.gcs.list(&self.at.prefix))?;
        let mut seen: HashMap<String, (u64, PresetSummary)> = HashMap::with_capacity(objects.len());
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
                Some((generation, summary)) if generation == object.generation => {
                    seen.insert(name.to_string(), (generation, summary));
                }
                _ => stale.push((name.to_string(), object.name, object.generation)),
            }
        }
        let gcs = &self.gcs;
        let bucket = &self.at.bucket;
        let fresh: Vec<_> = self.blocking.run(async {
            futures_util::stream::iter(stale)
                .map(|(name, object, generation)| async move {
                    let shown = PathBuf::from(format!("gs://{bucket}/{object}"));
                    match gcs.read(&object, MAX_BYTES).await {
                        Ok(Some(bytes)) => {
                            let summary = summarize_bytes(&name, &shown, &bytes);
                            Ok(Some((name, generation, summary)))
                        }
                        // Deleted since the listing: not listed.
                        Ok(None) => Ok(None),
                        // The store itself is gone (network, credentials):
                        // the listing fails in one line, not one per preset.
                        Err(e) if e.is_unreachable() => Err(e),
                        // Listed as broken, and (generation 0 never
                        // matches) downloaded again next time.
                        Err(e) => {
                            let summary = PresetSummary::broken(&name, e.to_string());
                            Ok(Some((name, 0, summary)))
                        }
                    }
                })
                .buffer_unordered(PARALLEL_READS)
                .try_collect()
                .await
        })?;
        for (name, generation, summary) in fresh.into_iter().flatten() {
            self.parsed += 1;
            seen.insert(name, (generation, summary));
        }
        self.cache = seen;
        let mut list: Vec<PresetSummary> = self.cache.values().map(|(_, s)| s.clone()).collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    pub fn exists(&self, name: &str) -> Result<bool, StoreError> {
        let object = self.object(name)?;
        Ok(self.blocking.run(self.gcs.generation(&object))?.is_some())
    }

    pub fn load(&self, name: &str) -> Result<LoadedPreset, StoreError> {
        let object = self.object(name)?;
        match self.blocking.run(self.gcs.read(&object, MAX_BYTES))? {
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
        let expected = if overwrite {
            self.blocking
                .run(self.gcs.generation(&object))?
                .unwrap_or(0)
        } else {
            0
        };
        let written = self.blocking.run(self.gcs.write(
            &object,
            text.as_bytes(),
            CONTENT_TYPE,
            Some(expected),
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
            if let Err(e) = self.blocking.run(self.gcs.delete(&marker)) {
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
            match self.blocking.run(self.gcs.write(
                &object,
                text.as_bytes(),
                CONTENT_TYPE,
                Some(0),
            ))? {
                Written::Done { .. } => report.restored.push(name.to_string()),
                Written::PreconditionFailed => report.kept.push(name.to_string()),
            }
            let marker = self.at.object(&format!("{MARKER}{name}"));
            self.blocking.run(self.gcs.delete(&marker))?;
            self.cache.remove(name);
        }
        Ok(report)
    }

    /// Deletes a preset. A built-in is marked deleted in the bucket first,
    /// so no instance writes it back.
    pub fn delete(&mut self, name: &str) -> Result<PathBuf, StoreError> {
        let object = self.object(name)?;
        if is_builtin(name) && self.blocking.run(self.gcs.generation(&object))?.is_some() {
            let marker = self.at.object(&format!("{MARKER}{name}"));
            self.blocking.run(self.gcs.write(
                &marker,
                deleted_note(name).as_bytes(),
                "text/plain",
                None,
            ))?;
        }
        if !self.blocking.run(self.gcs.delete(&object))? {
            return Err(StoreError::NotFound {
                name: name.to_string(),
                dir: self.shown.clone(),
            });
        }
        self.cache.remove(name);
        self.path_for(name)
    }
}

//! Bringing presets over from another folder, typically the Python tool's
//! `./presets`: every `*.yaml` file is validated on its own, a preset that
//! would replace a different one of ours is skipped unless asked to replace,
//! and a broken file is reported with its reason without stopping the rest.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::model::{PresetConfig, validate_preset_name};
use crate::domain::presets::{PresetStore, StoreError, parse_with_warnings};

/// The Python tool named each file after its preset and found presets by
/// file name, so that is the name they are imported under.
const EXTENSION: &str = "yaml";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Replace presets of the same name that differ.
    pub replace: bool,
    /// Report what would happen, write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum Outcome {
    /// A new preset was written (or would be, in a dry run).
    Imported,
    /// A different preset of the same name was replaced (`replace`).
    Replaced,
    /// The store already holds exactly this preset.
    Unchanged,
    /// A different preset of this name exists; left alone.
    Skipped,
    /// The file cannot be used, and why.
    Broken(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportItem {
    pub file: PathBuf,
    pub name: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub from: PathBuf,
    pub into: PathBuf,
    pub dry_run: bool,
    pub items: Vec<ImportItem>,
}

impl ImportReport {
    pub fn count(&self, pick: fn(&Outcome) -> bool) -> usize {
        self.items.iter().filter(|i| pick(&i.outcome)).count()
    }

    pub fn broken(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Broken(_)))
    }

    /// Whether importing would bring anything the store does not have.
    pub fn has_news(&self) -> bool {
        self.count(|o| matches!(o, Outcome::Imported | Outcome::Skipped | Outcome::Replaced)) > 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: no such directory", .0.display())]
    NotFound(PathBuf),
    #[error("{}: not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("{}: no presets there (no *.yaml files)", .0.display())]
    Empty(PathBuf),
    #[error("{}: this is music-gen's own presets folder; nothing to import", .0.display())]
    OwnStore(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    pub fn is_invalid_input(&self) -> bool {
        match self {
            ImportError::Store(e) => e.is_invalid_input(),
            _ => true,
        }
    }
}

/// Imports (or plans, in a dry run) every `*.yaml` file of `dir`, in name order.
pub fn import(
    store: &mut PresetStore,
    dir: &Path,
    opts: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let files = preset_files(dir)?;
    if same_dir(dir, store.dir()) {
        return Err(ImportError::OwnStore(dir.to_path_buf()));
    }
    if files.is_empty() {
        return Err(ImportError::Empty(dir.to_path_buf()));
    }
    let items = files
        .into_iter()
        .map(|(file, name)| import_one(store, file, name, opts))
        .collect();
    Ok(ImportReport {
        from: dir.to_path_buf(),
        into: store.dir().to_path_buf(),
        dry_run: opts.dry_run,
        items,
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The `*.yaml` files of `dir` (following links, skipping dot-files), each
/// with its file stem, sorted.
fn preset_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, ImportError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImportError::NotFound(dir.to_path_buf()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(ImportError::NotADirectory(dir.to_path_buf()));
        }
        Err(source) => {
            return Err(StoreError::Io {
                path: dir.to_path_buf(),
                source,
            }
            .into());
        }
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
            continue;
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if stem.starts_with('.') || !path.is_file() {
            continue;
        }
        files.push((path, stem));
    }
    files.sort();
    Ok(files)
}

fn import_one(
    store: &mut PresetStore,
    file: PathBuf,
    name: String,
    opts: ImportOptions,
) -> ImportItem {
    let mut item = ImportItem {
        file,
        name,
        outcome: Outcome::Imported,
        warnings: Vec::new(),
    };
    let preset = match read_preset(&item.file, &item.name, &mut item.warnings) {
        Ok(p) => p,
        Err(reason) => {
            item.outcome = Outcome::Broken(reason);
            return item;
        }
    };
    let existing = match store.exists(&item.name) {
        Ok(false) => None,
        Ok(true) => Some(store.load(&item.name).ok().map(|l| l.preset)),
        Err(e) => {
            item.outcome = Outcome::Broken(e.to_string());
            return item;
        }
    };
    item.outcome = match existing {
        None => Outcome::Imported,
        Some(Some(ours)) if ours == preset => return unchanged(item),
        Some(_) if opts.replace => Outcome::Replaced,
        Some(_) => Outcome::Skipped,
    };
    if opts.dry_run || item.outcome == Outcome::Skipped {
        return item;
    }
    match store.save(&preset, item.outcome == Outcome::Replaced) {
        Ok(_) => {}
        // Created between our look and the write: someone else's, keep it.
        Err(StoreError::Exists { .. }) => item.outcome = Outcome::Skipped,
        Err(e) => item.outcome = Outcome::Broken(format!("could not save: {e}")),
    }
    item
}

fn unchanged(mut item: ImportItem) -> ImportItem {
    item.outcome = Outcome::Unchanged;
    item
}

/// Reads and validates one file as the preset called `name`.
fn read_preset(
    path: &Path,
    name: &str,
    warnings: &mut Vec<String>,
) -> Result<PresetConfig, String> {
    validate_preset_name(name)
        .map_err(|e| format!("file name: {}; rename the file to import it", e.message))?;
    // A regular file, never blocking on a FIFO, at most a megabyte.
    let bytes = crate::domain::input::read_regular(path).map_err(|e| e.to_string())?;
    let text = std::str::from_utf8(&bytes).map_err(|e| format!("not UTF-8 text ({e})"))?;
    if text.trim().is_empty() {
        return Err("the file is empty".to_string());
    }
    let (mut preset, unknown) = parse_with_warnings::<PresetConfig>(text)?;
    warnings.extend(unknown);
    if preset.name != name {
        warnings.push(format!(
            "name {:?} inside differs from the file name; imported as {name}, the name the Python tool used",
            preset.name
        ));
        preset.name = name.to_string();
    }
    preset.validate().map_err(|e| e.to_string())?;
    Ok(preset)
}

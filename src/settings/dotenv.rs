//! The `.env` file the Python tool read from its working directory. Only
//! the settings it held are taken from it; it never sets the environment.

use std::path::{Path, PathBuf};

use crate::settings::{API_KEY_ENV, CREDENTIALS_ENV, LOCATION_ENV, MODE_ENV, PROJECT_ENV};

/// The variables a `.env` may set; anything else in it is left alone (it
/// may belong to another tool).
pub const KEYS: [&str; 5] = [
    MODE_ENV,
    PROJECT_ENV,
    LOCATION_ENV,
    CREDENTIALS_ENV,
    API_KEY_ENV,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotEnv {
    pub path: PathBuf,
    values: Vec<(&'static str, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct DotEnvError {
    pub path: PathBuf,
    #[source]
    pub source: dotenvy::Error,
}

impl DotEnv {
    /// The file at `path`, `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<DotEnv>, DotEnvError> {
        let err = |source| DotEnvError {
            path: path.to_path_buf(),
            source,
        };
        let entries = match dotenvy::from_path_iter(path) {
            Ok(entries) => entries,
            Err(e) if e.not_found() => return Ok(None),
            Err(e) => return Err(err(e)),
        };
        let mut values = Vec::new();
        for entry in entries {
            let (key, value) = entry.map_err(err)?;
            if let Some(key) = KEYS.iter().find(|k| **k == key)
                && !value.is_empty()
            {
                values.retain(|(k, _)| k != key);
                values.push((*key, value));
            }
        }
        Ok(Some(DotEnv {
            path: path.to_path_buf(),
            values,
        }))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

//! Where each setting comes from, in one order for every face of music-gen
//! (CLI, TUI, batch, server):
//!
//! 1. a flag (`--mode`, `--project-id`, `--location`, `--model`, `--credentials`);
//! 2. the environment (`MUSIC_GEN_MODE`, `GOOGLE_CLOUD_PROJECT`,
//!    `GOOGLE_CLOUD_REGION`, `MUSIC_GEN_MODEL`, `GOOGLE_APPLICATION_CREDENTIALS`);
//! 3. a `.env` file in the current directory, as the Python tool read it
//!    (only `MUSIC_GEN_MODE`, `GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_REGION`,
//!    `GOOGLE_APPLICATION_CREDENTIALS` and `MUSIC_GEN_API_KEY`);
//! 4. music-gen's config file ([`file::ConfigFile`]);
//! 5. the defaults.
//!
//! A variable set to the empty string counts as unset. Track files, presets
//! and result files carry track fields and model options, never these.

pub mod dotenv;
pub mod file;
pub mod gcloud;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use crate::domain::model::Model;
use crate::generate::Mode;
use crate::generate::job::DEFAULT_LOCATION;
use dotenv::DotEnv;
use file::{ConfigFile, ConfigFileError};

/// Where a value came from, as `music-gen config` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    DotEnv(PathBuf),
    ConfigFile(PathBuf),
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::DotEnv(path) => write!(f, ".env {}", path.display()),
            Source::ConfigFile(path) => write!(f, "config file {}", path.display()),
            Source::Default => f.write_str("default"),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// What the command line said; `None` where it said nothing.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub mode: Option<Mode>,
    pub project: Option<String>,
    pub location: Option<String>,
    pub model: Option<Model>,
    pub credentials: Option<PathBuf>,
    pub quota_project: Option<String>,
}

/// Every setting with its source. `None`: set nowhere, and no default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub mode: Sourced<Mode>,
    pub project: Option<Sourced<String>>,
    pub location: Sourced<String>,
    pub model: Sourced<Model>,
    pub credentials: Option<Sourced<PathBuf>>,
    /// The project sent as `x-goog-user-project` whatever the credentials.
    pub quota_project: Option<Sourced<String>>,
    /// The key clients of the HTTP server must send; never printed.
    #[serde(skip)]
    pub api_key: Option<Sourced<String>>,
    /// Whether the TUI may ring the bell (the config file's `bell`).
    #[serde(skip)]
    pub bell: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A value from the environment or a `.env` file that is not allowed:
    /// the file if any, the variable and what is allowed.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    DotEnv(#[from] dotenv::DotEnvError),
    #[error(transparent)]
    ConfigFile(#[from] ConfigFileError),
}

/// The layers below the flags, read once.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    env: Vec<(&'static str, String)>,
    dotenv: Option<DotEnv>,
    file: Option<(PathBuf, ConfigFile)>,
}

/// The variables music-gen reads from the environment.
const ENV_VARS: [&str; 7] = [
    MODE_ENV,
    PROJECT_ENV,
    LOCATION_ENV,
    MODEL_ENV,
    CREDENTIALS_ENV,
    QUOTA_PROJECT_ENV,
    API_KEY_ENV,
];
pub const MODE_ENV: &str = "MUSIC_GEN_MODE";
pub const PROJECT_ENV: &str = "GOOGLE_CLOUD_PROJECT";
pub const LOCATION_ENV: &str = "GOOGLE_CLOUD_REGION";
pub const MODEL_ENV: &str = "MUSIC_GEN_MODEL";
pub const CREDENTIALS_ENV: &str = "GOOGLE_APPLICATION_CREDENTIALS";
pub const API_KEY_ENV: &str = "MUSIC_GEN_API_KEY";
/// The variable Google's own clients read for the quota project.
pub const QUOTA_PROJECT_ENV: &str = "GOOGLE_CLOUD_QUOTA_PROJECT";

impl Layers {
    /// Reads the environment, `cwd/.env` and the config file at `config`.
    pub fn load(cwd: &Path, config: &Path) -> Result<Layers, SettingsError> {
        let env = ENV_VARS
            .iter()
            .filter_map(|var| Some((*var, non_empty(std::env::var(var).ok())?)))
            .collect();
        Ok(Layers {
            env,
            dotenv: DotEnv::load(&cwd.join(".env"))?,
            file: ConfigFile::load(config)?.map(|f| (config.to_path_buf(), f)),
        })
    }

    /// The layers as the current process sees them: its environment, the
    /// `.env` in its directory and the config file [`ConfigFile::path`].
    pub fn from_process() -> Result<Layers, SettingsError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        Layers::load(&cwd, &ConfigFile::path())
    }

    pub fn config_file(&self) -> Option<&(PathBuf, ConfigFile)> {
        self.file.as_ref()
    }

    /// Whether the TUI may ring the bell: only the config file says.
    pub fn bell(&self) -> bool {
        self.file.as_ref().and_then(|(_, f)| f.bell).unwrap_or(true)
    }

    /// Resolves every setting in the one order.
    pub fn resolve(&self, flags: Flags) -> Result<Settings, SettingsError> {
        let file = self.file.as_ref();
        let from_file = |pick: fn(&ConfigFile) -> Option<String>| {
            file.and_then(|(path, f)| Some((path.clone(), pick(f)?)))
        };
        Ok(Settings {
            mode: self
                .pick(
                    flags.mode.map(|m| ("--mode", m)),
                    MODE_ENV,
                    from_file(|f| f.mode.map(|m| m.to_string())),
                )?
                .unwrap_or_else(|| default(Mode::default())),
            project: self.pick(
                flags.project.map(|p| ("--project-id", p)),
                PROJECT_ENV,
                from_file(|f| f.project.clone()),
            )?,
            location: self
                .pick(
                    flags.location.map(|l| ("--location", l)),
                    LOCATION_ENV,
                    from_file(|f| f.location.clone()),
                )?
                .unwrap_or_else(|| default(DEFAULT_LOCATION.to_string())),
            model: self
                .pick(
                    flags.model.map(|m| ("--model", m)),
                    MODEL_ENV,
                    from_file(|f| f.model.map(|m| m.to_string())),
                )?
                .unwrap_or_else(|| default(Model::default())),
            credentials: self.pick(
                flags.credentials.map(|c| ("--credentials", c)),
                CREDENTIALS_ENV,
                from_file(|f| f.credentials.as_ref().map(|c| c.display().to_string())),
            )?,
            quota_project: self.pick(
                flags.quota_project.map(|q| ("--quota-project", q)),
                QUOTA_PROJECT_ENV,
                from_file(|f| f.quota_project.clone()),
            )?,
            api_key: self.pick(None, API_KEY_ENV, None)?,
            bell: self.bell(),
        })
    }

    /// The first layer that has the setting: the flag, then `var` in the
    /// environment, then in `.env`, then the config file's value.
    fn pick<T>(
        &self,
        flag: Option<(&'static str, T)>,
        var: &'static str,
        file: Option<(PathBuf, String)>,
    ) -> Result<Option<Sourced<T>>, SettingsError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        if let Some((flag, value)) = flag {
            return Ok(Some(Sourced {
                value,
                source: Source::Flag(flag),
            }));
        }
        let env = self
            .env
            .iter()
            .find(|(v, _)| *v == var)
            .map(|(_, value)| (Source::Env(var), value.clone()));
        let dotenv = || {
            let d = self.dotenv.as_ref()?;
            Some((Source::DotEnv(d.path.clone()), d.get(var)?.to_string()))
        };
        let file = || file.map(|(path, value)| (Source::ConfigFile(path), value));
        let Some((source, text)) = env.or_else(dotenv).or_else(file) else {
            return Ok(None);
        };
        match text.parse::<T>() {
            Ok(value) => Ok(Some(Sourced { value, source })),
            Err(e) => Err(SettingsError::Invalid(match source {
                Source::DotEnv(path) | Source::ConfigFile(path) => {
                    format!("{}: {var}: {e}", path.display())
                }
                Source::Flag(_) | Source::Env(_) | Source::Default => format!("{var}: {e}"),
            })),
        }
    }
}

fn default<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        source: Source::Default,
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

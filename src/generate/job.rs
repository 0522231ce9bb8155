//! What a generation needs besides the track: mode, where to send it, where
//! to write the result.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::model::{Model, TrackConfig};
use crate::domain::named::named_str;
use crate::generate::limiter::Limiter;
use crate::storage::{BucketPath, Location, Service};

pub const DEFAULT_LOCATION: &str = "us-central1";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest `--timeout` allowed: an hour, far above the few minutes a
/// Lyria 3 Pro song takes, and small enough that no deadline overflows.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;

/// Simulate (everything but the network call) or gcp (Vertex AI).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(try_from = "String", into = "&'static str")]
#[strum(serialize_all = "lowercase")]
pub enum Mode {
    #[default]
    Simulate,
    Gcp,
}

named_str!(Mode, "mode");

/// Everything that picks a generator instance. Two jobs with equal keys share
/// one generator, and with it one HTTP client and one token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GeneratorKey {
    pub mode: Mode,
    pub project: Option<String>,
    pub location: String,
    /// A service-account file; `None` uses gcp_auth's standard chain.
    pub credentials: Option<PathBuf>,
    /// Replaces `https://{location}-aiplatform.googleapis.com`.
    pub endpoint: Option<String>,
    /// Sent as `x-goog-user-project` whatever the credentials; `None`: a
    /// user's quota project for user credentials, nothing for others.
    pub quota_project: Option<String>,
}

/// Where results go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// Nothing is written (simulate without `--output`).
    None,
    /// `--output PATH`: audio at PATH (or `name-1.wav`, … for several
    /// samples), metadata at PATH with its extension replaced by `.json`.
    File(PathBuf),
    /// A directory; file names are made of the time and the genre.
    Dir(PathBuf),
    /// A prefix in a Cloud Storage or S3 bucket, named as a directory's
    /// files are; every instance naming it shares the takes.
    Bucket { service: Service, at: BucketPath },
}

impl OutputTarget {
    /// The output folder setting (`--output-dir`, MUSIC_GEN_OUTPUT_DIR,
    /// `output_dir` in the config file): a folder, or `gs://BUCKET/PREFIX`
    /// or `s3://BUCKET/PREFIX`. A location that does not parse was refused
    /// where the setting was read; here it stays a folder, as before.
    pub fn folder(dir: PathBuf) -> OutputTarget {
        match Location::from_path(&dir)
            .ok()
            .as_ref()
            .and_then(Location::bucket)
        {
            Some((service, at)) => OutputTarget::Bucket {
                service,
                at: at.clone(),
            },
            None => OutputTarget::Dir(dir),
        }
    }

    /// Where takes go as the settings name it: the folder, or the URL.
    pub fn dir(&self) -> Option<PathBuf> {
        match self {
            OutputTarget::None | OutputTarget::File(_) => None,
            OutputTarget::Dir(d) => Some(d.clone()),
            OutputTarget::Bucket { service, at } => Some(PathBuf::from(format!(
                "{}://{}/{}",
                service.scheme(),
                at.bucket,
                at.prefix
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenerationSettings {
    pub key: GeneratorKey,
    /// Used when the track names no model.
    pub model: Model,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub output: OutputTarget,
    /// The base name of the take's files in a folder or bucket, from
    /// [`crate::generate::output::series`]; `None`: the time and the genre.
    /// A name in use gets `-2`, … either way.
    pub name: Option<String>,
    /// Shared with the other generations of a batch: bounds requests in
    /// flight and backs all of them off on a 429.
    pub limiter: Option<Limiter>,
}

impl Default for GenerationSettings {
    fn default() -> Self {
        GenerationSettings {
            key: GeneratorKey {
                mode: Mode::Simulate,
                project: None,
                location: DEFAULT_LOCATION.to_string(),
                credentials: None,
                endpoint: None,
                quota_project: None,
            },
            model: Model::default(),
            timeout: DEFAULT_TIMEOUT,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            output: OutputTarget::None,
            name: None,
            limiter: None,
        }
    }
}

/// One generation request: a validated track and its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub track: TrackConfig,
    pub settings: GenerationSettings,
    /// The preset the track started from, recorded in the take.
    pub preset: Option<String>,
}

impl Job {
    pub fn new(track: TrackConfig, settings: GenerationSettings) -> Job {
        Job {
            track,
            settings,
            preset: None,
        }
    }

    /// The model this job runs on: the track's own, else the settings'.
    pub fn model(&self) -> Model {
        self.track.model.unwrap_or(self.settings.model)
    }
}

//! The set-up checks behind `music-gen doctor` (and `setup`): would gcp mode
//! work with these settings? Each check reads, never writes, on Google's
//! side: a token, the project, the Vertex AI API's state and a
//! `testIamPermissions` call. Nothing is generated and nothing is billed.

mod google;
pub mod locations;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::model::Model;
use crate::generate::vertex::auth;
use crate::generate::vertex::credentials as token_credentials;
use crate::storage::Bucket;
use crate::storage::Location;
use crate::storage::blocking::Blocking;

pub use google::GOOGLE_API_BASE_ENV;

/// What the checks look at.
#[derive(Debug, Clone)]
pub struct Subject {
    pub project: Option<String>,
    pub location: String,
    pub model: Model,
    /// A key file given explicitly; `None` is gcp_auth's chain.
    pub credentials: Option<PathBuf>,
    /// `--quota-project` and its layers; see [`token_credentials::quota_project`].
    pub quota_project: Option<String>,
    pub output_dir: PathBuf,
    pub presets_dir: PathBuf,
    pub log_file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Could not tell (e.g. no permission to read Service Usage); does not
    /// stop gcp mode.
    Unknown,
    /// Not run because an earlier check failed.
    Skipped,
}

impl Status {
    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Unknown => "?",
            Status::Skipped => "-",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    Credentials,
    Token,
    Project,
    VertexApi,
    Permission,
    ModelLocation,
    Folders,
}

impl CheckName {
    pub fn label(self) -> &'static str {
        match self {
            CheckName::Credentials => "credentials",
            CheckName::Token => "access token",
            CheckName::Project => "project",
            CheckName::VertexApi => "Vertex AI API",
            CheckName::Permission => "permission",
            CheckName::ModelLocation => "model & location",
            CheckName::Folders => "folders",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: CheckName,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about a failure, when there is something to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
}

impl Check {
    fn new(name: CheckName, status: Status, detail: impl Into<String>) -> Check {
        Check {
            name,
            status,
            detail: detail.into(),
            advice: None,
        }
    }

    fn advice(mut self, advice: impl Into<String>) -> Check {
        self.advice = Some(advice.into());
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whether gcp mode would work: no check failed or was skipped.
    pub ok: bool,
    pub checks: Vec<Check>,
}

/// Which credentials would be used, and whose they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: &'static str,
    pub email: Option<String>,
    pub source: String,
}

/// The credentials gcp_auth's chain would find without a key file named:
/// GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, else the metadata
/// server or the gcloud CLI. Err: a file is named but cannot be used.
pub fn application_default() -> Result<Found, String> {
    credentials::find(None).map_err(|c| c.detail)
}

/// A key file for `--credentials` (or the config file): readable, JSON, and
/// a service-account key, the one kind gcp_auth reads from a named file.
pub fn service_account_key(path: &Path) -> Result<Found, String> {
    let found = credentials::find(Some(path)).map_err(|c| c.detail)?;
    if found.kind == "service account" {
        Ok(found)
    } else {
        Err(format!(
            "{} holds {} credentials; --credentials takes a service-account key (for a user \
             login, leave it out and run `gcloud auth application-default login`)",
            path.display(),
            found.kind
        ))
    }
}

/// Runs the seven checks in order; a check that needs an earlier one that
/// failed is reported as skipped.
pub async fn run(subject: &Subject) -> Report {
    let mut checks = Vec::with_capacity(7);
    let found = credentials::find(subject.credentials.as_deref());
    let provider = match &found {
        Ok(f) => match auth::provider(subject.credentials.as_deref()).await {
            Ok(p) => {
                checks.push(credentials::passed(f));
                Some(p)
            }
            Err(e) => {
                checks.push(
                    Check::new(CheckName::Credentials, Status::Fail, e.to_string())
                        .advice(credentials::ADVICE),
                );
                None
            }
        },
        Err(check) => {
            checks.push(check.clone());
            None
        }
    };
    let token = match &provider {
        Some(p) => match auth::token(p.tokens.as_ref(), subject.credentials.as_deref()).await {
            Ok(t) => {
                checks.push(Check::new(CheckName::Token, Status::Pass, "obtained"));
                Some(t)
            }
            Err(e) => {
                checks.push(
                    Check::new(CheckName::Token, Status::Fail, e.to_string()).advice(
                        "check the network, and that the key or login is still valid \
                         (`gcloud auth application-default login` renews a user login)",
                    ),
                );
                None
            }
        },
        None => {
            checks.push(skipped(CheckName::Token, "needs credentials"));
            None
        }
    };
    let email = found.as_ref().ok().and_then(|f| f.email.clone());
    match (&token, &subject.project) {
        (Some(token), Some(project)) => {
            let quota = provider.as_ref().and_then(|c| {
                token_credentials::quota_project(subject.quota_project.as_deref(), c, project)
            });
            let api = google::Api::new(token.as_str(), project, quota);
            let project_check = api.project().await;
            let reachable = project_check.status == Status::Pass;
            checks.push(project_check);
            if reachable {
                checks.push(api.vertex_api().await);
                checks.push(api.permission(subject.model, email.as_deref()).await);
            } else {
                checks.push(skipped(CheckName::VertexApi, "needs a reachable project"));
                checks.push(skipped(CheckName::Permission, "needs a reachable project"));
            }
        }
        (_, None) => {
            checks.push(
                Check::new(CheckName::Project, Status::Fail, "no project set")
                    .advice("pass --project-id PROJECT, set GOOGLE_CLOUD_PROJECT"),
            );
            checks.push(skipped(CheckName::VertexApi, "needs a project"));
            checks.push(skipped(CheckName::Permission, "needs a project"));
        }
        (None, Some(_)) => {
            for name in [
                CheckName::Project,
                CheckName::VertexApi,
                CheckName::Permission,
            ] {
                checks.push(skipped(name, "needs an access token"));
            }
        }
    }
    checks.push(locations::check(subject.model, &subject.location));
    // File work off the runtime's threads: a slow disk must not stall the
    // worker (the TUI runs these checks there).
    let s = subject.clone();
    checks.push(
        tokio::task::spawn_blocking(move || folders(&s))
            .await
            .unwrap_or_else(|e| {
                Check::new(
                    CheckName::Folders,
                    Status::Fail,
                    format!("not checked: {e}"),
                )
            }),
    );
    let ok = checks
        .iter()
        .all(|c| matches!(c.status, Status::Pass | Status::Unknown));
    Report { ok, checks }
}

fn skipped(name: CheckName, why: &str) -> Check {
    Check::new(name, Status::Skipped, format!("not checked: {why}"))
}

/// The output and presets folders can be written (a file is created and
/// removed in each); the log file's path is shown.
fn folders(subject: &Subject) -> Check {
    let mut problems = Vec::new();
    for (what, dir) in [
        ("output", &subject.output_dir),
        ("presets", &subject.presets_dir),
    ] {
        if let Err(e) = writable(dir) {
            let kind = match Location::from_path(dir) {
                Ok(Location::Local(_)) | Err(_) => "folder",
                Ok(_) => "bucket",
            };
            problems.push(format!("{what} {kind} {}: {e}", dir.display()));
        }
    }
    let log = format!("log file {}", subject.log_file.display());
    if problems.is_empty() {
        Check::new(
            CheckName::Folders,
            Status::Pass,
            format!(
                "output {} and presets {} writable; {log}",
                subject.output_dir.display(),
                subject.presets_dir.display()
            ),
        )
    } else {
        Check::new(
            CheckName::Folders,
            Status::Fail,
            format!("{}; {log}", problems.join("; ")),
        )
        .advice(
            "fix the folder's permissions (for a gs:// bucket: grant roles/storage.objectUser; \
             for s3://: allow s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject), \
             or choose another with --output-dir / --presets-dir",
        )
    }
}

/// A folder is writable, or a bucket location can be listed, written,
/// read and cleaned (the error names the permission missing).
fn writable(dir: &Path) -> Result<(), String> {
    let at = Location::from_path(dir).map_err(|e| e.reason)?;
    let Some(client) = Bucket::for_location(&at) else {
        return writable_folder(dir).map_err(|e| e.to_string());
    };
    let (bucket, path) = client.map_err(|e| e.to_string())?;
    let blocking = Blocking::new().map_err(|e| e.to_string())?;
    blocking
        .run(bucket.check_read_write(&path.prefix))
        .map_err(|e| e.to_string())
}

fn writable_folder(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    tempfile::Builder::new()
        .prefix(".music-gen-doctor")
        .tempfile_in(dir)
        .map(drop)
}

mod credentials {
    //! Which credentials gcp_auth would use, read from the same places in
    //! the same order, to name their kind and account. gcp_auth itself
    //! (through the generator's `auth`) then proves they work.

    use std::path::{Path, PathBuf};

    use serde::Deserialize;

    use super::{Check, CheckName, Found, Status};

    pub const ADVICE: &str = "run `gcloud auth application-default login`, or pass \
         --credentials KEY.json (a service-account key)";

    #[derive(Deserialize)]
    struct KeyFile {
        #[serde(rename = "type")]
        kind: Option<String>,
        client_email: Option<String>,
        account: Option<String>,
    }

    pub fn passed(f: &Found) -> Check {
        let who = f
            .email
            .as_deref()
            .map_or(String::new(), |e| format!(" {e}"));
        Check::new(
            CheckName::Credentials,
            Status::Pass,
            format!("{}{who} ({})", f.kind, f.source),
        )
    }

    /// The file gcp_auth would read, or the metadata server / gcloud.
    pub fn find(explicit: Option<&Path>) -> Result<Found, Check> {
        if let Some(path) = explicit {
            return read(path, "--credentials");
        }
        if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS") {
            return read(Path::new(&path), "GOOGLE_APPLICATION_CREDENTIALS");
        }
        if let Some(adc) = adc_file().filter(|p| p.is_file()) {
            return read(&adc, "gcloud application-default login");
        }
        Ok(Found {
            kind: "metadata server or gcloud CLI",
            email: None,
            source: "no key file; found by gcp_auth".to_string(),
        })
    }

    fn adc_file() -> Option<PathBuf> {
        crate::settings::gcloud::adc_file()
    }

    fn read(path: &Path, from: &str) -> Result<Found, Check> {
        let fail = |detail: String| {
            Err(Check::new(CheckName::Credentials, Status::Fail, detail).advice(ADVICE))
        };
        let shown = path.display();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return fail(format!("{shown} (from {from}): {e}")),
        };
        // Never quote the file: it holds a private key.
        let Ok(key) = serde_json::from_slice::<KeyFile>(&bytes) else {
            return fail(format!(
                "{shown} (from {from}) is not a JSON credentials file"
            ));
        };
        let kind = match key.kind.as_deref() {
            Some("service_account") => "service account",
            Some("authorized_user") => "user",
            Some(other) => {
                return fail(format!(
                    "{shown} (from {from}) holds {:?} credentials, which gcp_auth does not support; \
                     use a service-account key or a user login",
                    other.chars().take(40).collect::<String>()
                ));
            }
            None => return fail(format!("{shown} (from {from}) has no \"type\"")),
        };
        Ok(Found {
            kind,
            email: key.client_email.or(key.account).filter(|e| !e.is_empty()),
            source: format!("{shown}, from {from}"),
        })
    }
}

//! `music-gen tips` and `music-gen config`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::error::CliError;
use crate::cli::presets::{list, load};
use crate::cli::stdout;
use crate::domain::named::Named;
use crate::generate::GenerationSettings;
use crate::settings::file::ConfigFile;
use crate::settings::{Settings, Source};
use crate::worker::WorkerHandle;

#[derive(Serialize)]
struct Tip {
    name: String,
    tips: String,
}

pub async fn tips(
    worker: &mut WorkerHandle,
    preset: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let names = match preset {
        Some(name) => vec![name],
        None => list(worker)
            .await?
            .into_iter()
            .filter(|p| !p.is_broken())
            .map(|p| p.name)
            .collect(),
    };
    let single = names.len() == 1;
    let mut tips = Vec::new();
    for name in names {
        let loaded = load(worker, &name).await?;
        if let Some(t) = loaded.preset.tips.filter(|t| !t.trim().is_empty()) {
            tips.push(Tip { name, tips: t });
        } else if single {
            return Err(CliError::Failure(format!("preset {name:?} has no tips")));
        }
    }
    if json && single {
        stdout::print_json(&tips.first())?;
    } else if json {
        stdout::print_json(&tips)?;
    } else {
        let text: String = tips
            .iter()
            .map(|t| format!("{}: {}\n", t.name, t.tips))
            .collect();
        stdout::print(&text)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ConfigReport<'a> {
    mode: &'a str,
    project: Option<&'a str>,
    location: &'a str,
    model: &'a str,
    credentials: String,
    endpoint: Option<&'a str>,
    /// Where each of the values above came from.
    sources: Sources,
    config_file: PathBuf,
    presets_dir: &'a Path,
    /// For a bucket: which service holds it (Cloud Storage, or the
    /// emulator STORAGE_EMULATOR_HOST names); absent for a folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    presets_storage: Option<String>,
    output_dir: &'a Path,
    /// As `presets_storage`, for where takes go.
    #[serde(skip_serializing_if = "Option::is_none")]
    output_storage: Option<String>,
    log_file: &'a Path,
    presets_available: Vec<String>,
}

#[derive(Serialize)]
struct Sources {
    mode: Source,
    project: Option<Source>,
    location: Source,
    model: Source,
    credentials: Option<Source>,
    api_key: Option<Source>,
}

pub async fn config(
    worker: &mut WorkerHandle,
    settings: &GenerationSettings,
    resolved: &Settings,
    dirs: (&Path, &Path, &Path),
    json: bool,
) -> Result<(), CliError> {
    let (presets_dir, output_dir, log_file) = dirs;
    let presets_available = list(worker)
        .await?
        .into_iter()
        .filter(|p| !p.is_broken())
        .map(|p| p.name)
        .collect();
    let key = &settings.key;
    let report = ConfigReport {
        mode: key.mode.name(),
        project: key.project.as_deref(),
        location: &key.location,
        model: settings.model.id(),
        credentials: match &key.credentials {
            Some(p) => p.display().to_string(),
            None => "gcp_auth default chain (gcloud ADC, metadata server)".to_string(),
        },
        endpoint: key.endpoint.as_deref(),
        sources: Sources {
            mode: resolved.mode.source.clone(),
            project: resolved.project.as_ref().map(|p| p.source.clone()),
            location: resolved.location.source.clone(),
            model: resolved.model.source.clone(),
            credentials: resolved.credentials.as_ref().map(|c| c.source.clone()),
            api_key: resolved.api_key.as_ref().map(|k| k.source.clone()),
        },
        config_file: ConfigFile::path(),
        presets_dir,
        presets_storage: storage_service(presets_dir),
        output_dir,
        output_storage: storage_service(output_dir),
        log_file,
        presets_available,
    };
    if json {
        return stdout::print_json(&report);
    }
    let mut text = String::new();
    let from = |s: &Option<Source>| s.as_ref().map_or(String::new(), |s| format!("  ({s})"));
    let src = &report.sources;
    let _ = writeln!(text, "mode:          {}  ({})", report.mode, src.mode);
    let _ = writeln!(
        text,
        "project:       {}{}",
        report.project.unwrap_or("(not set)"),
        from(&src.project)
    );
    let _ = writeln!(
        text,
        "location:      {}  ({})",
        report.location, src.location
    );
    let _ = writeln!(text, "model:         {}  ({})", report.model, src.model);
    let _ = writeln!(
        text,
        "credentials:   {}{}",
        report.credentials,
        from(&src.credentials)
    );
    if let Some(e) = report.endpoint {
        let _ = writeln!(text, "endpoint:      {e}");
    }
    if src.api_key.is_some() {
        let _ = writeln!(text, "api key:       set{}", from(&src.api_key));
    }
    let exists = if report.config_file.is_file() {
        ""
    } else {
        "  (none yet)"
    };
    let _ = writeln!(
        text,
        "config file:   {}{exists}",
        report.config_file.display()
    );
    let _ = writeln!(
        text,
        "presets dir:   {}{}",
        report.presets_dir.display(),
        report
            .presets_storage
            .as_deref()
            .map_or(String::new(), |s| format!("  ({s})"))
    );
    let _ = writeln!(
        text,
        "output dir:    {}{}",
        report.output_dir.display(),
        report
            .output_storage
            .as_deref()
            .map_or(String::new(), |s| format!("  ({s})"))
    );
    let _ = writeln!(text, "log file:      {}", report.log_file.display());
    let _ = writeln!(
        text,
        "presets:       {}",
        name_list(&report.presets_available, SHOWN_NAMES)
    );
    stdout::print(&text)
}

/// How many preset names `config` prints before it only counts the rest.
const SHOWN_NAMES: usize = 12;

/// `5: a, b, c, d, e`, or `10005: a, b, …, l and 9993 more`.
fn name_list(names: &[String], shown: usize) -> String {
    let head = names[..names.len().min(shown)].join(", ");
    match names.len().checked_sub(shown) {
        Some(rest) if rest > 0 => format!("{}: {head} and {rest} more", names.len()),
        _ => format!("{}: {head}", names.len()),
    }
}

/// Where a bucket location's requests go; `None` for a folder. The listing
/// `config` makes (its `presets:` line) has just read from it.
fn storage_service(dir: &Path) -> Option<String> {
    use crate::storage::Location;
    use crate::storage::gcs::EMULATOR_ENV;
    use crate::storage::s3::{ENDPOINT_ENV, ENDPOINT_S3_ENV};
    let set = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match Location::from_path(dir).ok()? {
        Location::Local(_) => None,
        Location::Gcs(_) => Some(match set(EMULATOR_ENV) {
            Some(host) => format!(
                "Cloud Storage emulator at {}",
                crate::storage::shown_address(&host, true)
            ),
            None => "Google Cloud Storage, with the Vertex AI credentials".to_string(),
        }),
        Location::S3(_) => {
            let region = set("AWS_REGION")
                .or_else(|| set("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_string());
            Some(match set(ENDPOINT_S3_ENV).or_else(|| set(ENDPOINT_ENV)) {
                Some(url) => format!(
                    "S3-compatible store at {}, region {region}, with the AWS_* credentials",
                    crate::storage::shown_address(&url, false)
                ),
                None => format!("Amazon S3, region {region}, with the AWS_* credentials"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::name_list;

    #[test]
    fn long_lists_are_counted_not_printed() {
        let names: Vec<String> = (0..5).map(|i| format!("p{i}")).collect();
        assert_eq!(name_list(&names, 12), "5: p0, p1, p2, p3, p4");
        assert_eq!(name_list(&names, 2), "5: p0, p1 and 3 more");
        assert_eq!(name_list(&[], 2), "0: ");
    }
}

//! `music-gen doctor`: the set-up checks, for scripts and bug reports.

use std::fmt::Write as _;
use std::path::Path;

use crate::cli::error::CliError;
use crate::cli::stdout;
use crate::doctor::{self, Report, Status, Subject};
use crate::generate::GenerationSettings;

pub fn subject(settings: &GenerationSettings, dirs: (&Path, &Path, &Path)) -> Subject {
    let (presets_dir, output_dir, log_file) = dirs;
    Subject {
        project: settings.key.project.clone(),
        location: settings.key.location.clone(),
        model: settings.model,
        // The key file from wherever it was set (flag, environment, .env,
        // config file), as a generation would use it.
        credentials: settings.key.credentials.clone(),
        quota_project: settings.key.quota_project.clone(),
        output_dir: output_dir.to_path_buf(),
        presets_dir: presets_dir.to_path_buf(),
        log_file: log_file.to_path_buf(),
    }
}

pub async fn run(subject: Subject, json: bool) -> Result<(), CliError> {
    let report = doctor::run(&subject).await;
    if json {
        stdout::print_json(&report)?;
    } else {
        stdout::print(&stdout::terminal_safe(&render(&report)))?;
    }
    if report.ok {
        Ok(())
    } else {
        Err(CliError::Failure(
            "gcp mode would not work yet; see the advice above".to_string(),
        ))
    }
}

/// One line per check, its advice under it, then the verdict.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let width = report
        .checks
        .iter()
        .map(|c| c.name.label().len())
        .max()
        .unwrap_or(0);
    for c in &report.checks {
        let _ = writeln!(
            out,
            "{} {:width$}  {}",
            c.status.mark(),
            c.name.label(),
            c.detail
        );
        if let (Some(advice), false) = (&c.advice, c.status == Status::Pass) {
            let _ = writeln!(out, "  {:width$}  → {advice}", "");
        }
    }
    if report.ok {
        out.push_str("gcp mode would work. Nothing was generated and nothing was billed.\n");
    }
    out
}

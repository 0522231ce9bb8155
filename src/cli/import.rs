//! `music-gen presets import DIR`, and the one-time hint that offers it to a
//! user of the Python tool starting music-gen beside their `./presets`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::cli::error::CliError;
use crate::cli::presets::list;
use crate::cli::stdout;
use crate::cli::worker_call::call;
use crate::domain::atomic;
use crate::domain::import::{ImportItem, ImportOptions, ImportReport, Outcome};
use crate::domain::presets::BUILTINS;
use crate::worker::{Event, Request, WorkerHandle};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The folder of *.yaml presets (the Python tool kept them in ./presets)
    pub dir: PathBuf,
    /// Replace presets of the same name that differ from the imported ones
    #[arg(long)]
    pub replace: bool,
    /// Show what would happen; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON: each file with its outcome and reason
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: ImportArgs, worker: &mut WorkerHandle) -> Result<(), CliError> {
    let options = ImportOptions {
        replace: args.replace,
        dry_run: args.dry_run,
    };
    let report = import(worker, args.dir, options).await?;
    if args.json {
        stdout::print_json(&report)?;
    } else {
        stdout::print(&render(&report))?;
    }
    match report.broken() {
        0 => Ok(()),
        n => Err(CliError::Failure(format!(
            "{n} of {} files could not be imported; see the reasons above",
            report.items.len()
        ))),
    }
}

async fn import(
    worker: &mut WorkerHandle,
    dir: PathBuf,
    options: ImportOptions,
) -> Result<ImportReport, CliError> {
    match call(worker, Request::ImportPresets { dir, options }).await? {
        Event::Imported { report, .. } => Ok(report),
        other => Err(CliError::Failure(format!(
            "unexpected answer from the worker: {other:?}"
        ))),
    }
}

/// One line per file, then a summary.
pub fn render(report: &ImportReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} into {}:",
        if report.dry_run {
            "Would import from"
        } else {
            "Importing from"
        },
        shown(&report.from),
        shown(&report.into)
    );
    let file_w = report
        .items
        .iter()
        .map(|i| file_name(i).chars().count())
        .max()
        .unwrap_or(0);
    for item in &report.items {
        let (word, why) = describe(&item.outcome, report.dry_run);
        let line = format!("  {word:<10} {:file_w$}  {why}", file_name(item));
        let _ = writeln!(out, "{}", line.trim_end());
        for w in &item.warnings {
            let w = printable(w);
            let _ = writeln!(out, "  {:<10} {:file_w$}  warning: {w}", "", "");
        }
    }
    let n = |pick: fn(&Outcome) -> bool| report.count(pick);
    let _ = writeln!(
        out,
        "{} imported, {} replaced, {} unchanged, {} skipped, {} broken{}",
        n(|o| *o == Outcome::Imported),
        n(|o| *o == Outcome::Replaced),
        n(|o| *o == Outcome::Unchanged),
        n(|o| *o == Outcome::Skipped),
        report.broken(),
        if report.dry_run {
            " (dry run: nothing written)"
        } else {
            "."
        },
    );
    if n(|o| *o == Outcome::Skipped) > 0 {
        let _ = writeln!(
            out,
            "Skipped presets differ from music-gen's of the same name; --replace overwrites them."
        );
    }
    out
}

fn describe(outcome: &Outcome, dry_run: bool) -> (&'static str, String) {
    match (outcome, dry_run) {
        (Outcome::Imported, false) => ("imported", String::new()),
        (Outcome::Imported, true) => ("new", String::new()),
        (Outcome::Replaced, false) => ("replaced", String::new()),
        (Outcome::Replaced, true) => ("replace", String::new()),
        (Outcome::Unchanged, _) => ("unchanged", "already in music-gen".to_string()),
        (Outcome::Skipped, _) => (
            "skipped",
            "a different preset of this name exists".to_string(),
        ),
        (Outcome::Broken(why), _) => ("broken", printable(why)),
    }
}

fn file_name(item: &ImportItem) -> String {
    item.file
        .file_name()
        .map(|n| printable(&n.to_string_lossy()))
        .unwrap_or_default()
}

fn shown(path: &Path) -> String {
    printable(&path.display().to_string())
}

/// A hostile file name must not drive the terminal: control characters are
/// written as escapes.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The line to show, once per directory, when `cwd/presets` holds presets
/// music-gen does not have and its store holds only the built-ins. `marker`
/// remembers the directories already told.
pub async fn python_presets_hint(
    worker: &mut WorkerHandle,
    cwd: &Path,
    marker: &Path,
) -> Option<String> {
    let dir = cwd.join("presets");
    let key = dir.canonicalize().ok()?;
    let told = std::fs::read_to_string(marker).unwrap_or_default();
    if told.lines().any(|l| Path::new(l) == key) {
        return None;
    }
    let presets = list(worker).await.ok()?;
    let only_builtins = presets
        .iter()
        .all(|p| BUILTINS.iter().any(|(b, _)| *b == p.name));
    if !only_builtins {
        return None;
    }
    let options = ImportOptions {
        replace: false,
        dry_run: true,
    };
    let report = import(worker, dir, options).await.ok()?;
    if !report.has_news() {
        return None;
    }
    let mut lines = told;
    let _ = writeln!(lines, "{}", key.display());
    if let Some(parent) = marker.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = atomic::write(marker, lines.as_bytes()) {
        tracing::warn!(path = %marker.display(), error = %e, "cannot remember the import hint");
    }
    Some(
        "./presets looks like the Python tool's presets; bring them over with \
         `music-gen presets import ./presets` (shown once)"
            .to_string(),
    )
}

//! `music-gen history` (list, show, prune), `play` and `rerun`: the output
//! folder as a library of takes, from the command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::audio::{self, Analysis};
use crate::cli::args::{GenerateArgs, HistoryArgs, HistoryCommand, SortArg};
use crate::cli::error::CliError;
use crate::cli::presets::ask;
use crate::cli::stdout;
use crate::cli::track::{flags_layer, resolve};
use crate::cli::worker_call::call;
use crate::domain::model::Model;
use crate::domain::result_file;
use crate::generate::{GenerationSettings, Job, Mode, output};
use crate::library::{
    Page, PruneRule, Query, Sort, Take, TakeState, TakeStore, TakeSummary, format_bytes,
    format_time, parse_age,
};
use crate::player::{Player, PlayerError};
use crate::text;
use crate::worker::{Event, Request, WorkerHandle};

/// Columns of the waveform `history show` prints.
const WAVEFORM_WIDTH: usize = 60;

pub async fn run(args: HistoryArgs, worker: &mut WorkerHandle, dir: &Path) -> Result<(), CliError> {
    match args.command {
        Some(HistoryCommand::Show { id, json }) => show(worker, dir, &id, json).await,
        Some(HistoryCommand::Prune {
            older_than,
            keep,
            yes,
        }) => {
            let rule = match (older_than, keep) {
                (Some(age), _) => PruneRule::OlderThan(age_arg("--older-than", &age)?),
                (None, Some(n)) => PruneRule::Keep(n),
                (None, None) => unreachable!("clap requires one"),
            };
            prune(dir, rule, yes).await
        }
        None => list(worker, dir, &args).await,
    }
}

fn age_arg(flag: &str, s: &str) -> Result<Duration, CliError> {
    parse_age(s).map_err(|e| CliError::Usage(format!("{flag}: {e}")))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn list(worker: &mut WorkerHandle, dir: &Path, args: &HistoryArgs) -> Result<(), CliError> {
    let since = match &args.since {
        Some(s) => Some(now().saturating_sub(age_arg("--since", s)?.as_secs() as i64)),
        None => None,
    };
    let query = Query {
        filter: args.filter.clone().filter(|f| !f.trim().is_empty()),
        sort: match args.sort {
            SortArg::Time => Sort::Time,
            SortArg::Name => Sort::Name,
        },
        limit: Some(args.limit),
        since,
    };
    let page = match call(
        worker,
        Request::ListTakes {
            dir: dir.to_path_buf(),
            query,
        },
    )
    .await?
    {
        Event::Takes { page, .. } => page,
        other => return Err(unexpected(&other)),
    };
    if args.json {
        return stdout::print_json(&page);
    }
    stdout::print(&table(&page, dir, args.since.as_deref()))
}

/// One line per take, then what the page holds and, over a period, what
/// gcp mode spent.
fn table(page: &Page, dir: &Path, since: Option<&str>) -> String {
    if page.total == 0 {
        return format!(
            "No takes yet in {}. Generate one (`music-gen generate` or the TUI).\n",
            dir.display()
        );
    }
    let id_w = page
        .takes
        .iter()
        .map(|t| text::width(t.id.as_str()))
        .max()
        .unwrap_or(2)
        .max(2);
    let genre_w = page
        .takes
        .iter()
        .map(|t| text::width(&genre_label(t)).min(24))
        .max()
        .unwrap_or(5)
        .max(5);
    let model_w = page
        .takes
        .iter()
        .map(|t| t.model.map_or(1, |m| m.id().len()))
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!(
        "{}  {:16}  {}  {:model_w$}  {:10}  {:4}  {:7}  {:13}  LYRICS\n",
        text::pad("ID", id_w),
        "WHEN",
        text::pad("GENRE", genre_w),
        "MODEL",
        "SEED",
        "TEMP",
        "LENGTH",
        "STATE"
    );
    for t in &page.takes {
        let line = format!(
            "{}  {:16}  {}  {:model_w$}  {:10}  {:4}  {:7}  {:13}  {}",
            text::pad(t.id.as_str(), id_w),
            t.when(),
            text::pad(&text::truncate(&genre_label(t), 24), genre_w),
            t.model.map_or("-", Model::id),
            t.seed.map_or("-".to_string(), |s| s.to_string()),
            t.temperature
                .map_or("-".to_string(), crate::domain::pyfloat::repr),
            t.duration_seconds
                .map_or("-".to_string(), audio::format_duration),
            t.state.to_string(),
            text::truncate(&t.lyrics, 40),
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let shown = page.takes.len();
    if page.matched == page.total {
        out.push_str(&format!("{shown} of {} takes", page.total));
    } else {
        out.push_str(&format!(
            "{shown} of {} matching takes ({} in all)",
            page.matched, page.total
        ));
    }
    out.push_str(&format!(" in {}\n", dir.display()));
    if let (Some(spent), Some(since)) = (page.spent, since) {
        out.push_str(&format!(
            "Spent in gcp mode over the last {since}: ${:.2} on {} take{}\n",
            spent.usd,
            spent.takes,
            if spent.takes == 1 { "" } else { "s" }
        ));
    }
    out
}

fn genre_label(t: &TakeSummary) -> String {
    match &t.preset {
        Some(p) => format!("{} ({p})", t.genre),
        None => t.genre.clone(),
    }
}

async fn load(worker: &mut WorkerHandle, dir: &Path, id: &str) -> Result<Take, CliError> {
    match call(
        worker,
        Request::LoadTake {
            dir: dir.to_path_buf(),
            id: id.to_string(),
        },
    )
    .await?
    {
        Event::Take { take, .. } => Ok(*take),
        other => Err(unexpected(&other)),
    }
}

/// Decodes a take's first playable file for its waveform; a file that
/// cannot be decoded costs the picture only.
async fn analysis(worker: &mut WorkerHandle, take: &Take) -> Option<Analysis> {
    let path = take.playable()?.to_path_buf();
    match call(worker, Request::AnalyzeAudio { path }).await {
        Ok(Event::Analyzed { analysis, .. }) => Some(*analysis),
        _ => None,
    }
}

async fn show(worker: &mut WorkerHandle, dir: &Path, id: &str, json: bool) -> Result<(), CliError> {
    let take = load(worker, dir, id).await?;
    let analysis = analysis(worker, &take).await;
    if json {
        let files: Vec<_> = take
            .files
            .iter()
            .map(|f| {
                json!({
                    "path": f.recorded.path,
                    "found": f.found,
                    "size_bytes": f.recorded.size_bytes,
                    "sha256": f.recorded.sha256,
                    "audio": f.recorded.audio,
                })
            })
            .collect();
        return stdout::print_json(&json!({
            "id": take.id(),
            "state": take.summary.state,
            "metadata_path": take.summary.metadata_path,
            "files": files,
            "waveform": analysis.map(|a| a.waveform.columns(WAVEFORM_WIDTH)),
            "result": take.result,
        }));
    }
    stdout::print(&details(&take, analysis.as_ref()))
}

/// What `history show` prints: the take, its settings, its files and the
/// waveform of the first one, then the lyrics.
fn details(take: &Take, analysis: Option<&Analysis>) -> String {
    let r = &take.result;
    let s = &take.summary;
    let mut out = String::new();
    let mut row = |k: &str, v: String| out.push_str(&format!("{k:13} {v}\n"));
    row("Take:", s.id.to_string());
    row("Made:", format!("{} UTC", format_time(s.time)));
    row("State:", state_line(&s.state));
    row("Status:", format!("{} ({} mode)", r.status, r.mode));
    row("Genre:", r.genre.clone());
    if let Some(p) = &r.preset {
        row("Preset:", p.clone());
    }
    if let Some(m) = s.model {
        row("Model:", m.id().to_string());
    }
    if let Some(set) = &r.settings {
        row("Location:", set.location.clone());
        if let Some(seed) = set.seed {
            row("Seed:", seed.to_string());
        }
        if let Some(n) = &set.negative_prompt {
            row("Negative:", n.clone());
        }
        if set.sample_count != 1 {
            row("Samples:", set.sample_count.to_string());
        }
    }
    row(
        "Temperature:",
        crate::domain::pyfloat::repr(r.metadata.temperature),
    );
    row("Asked for:", format!("{} s", r.duration_seconds));
    // The estimate says whether anything was billed (a simulated take's
    // figure is what gcp mode would have cost).
    let gcp = (r.mode == Mode::Simulate)
        .then(|| {
            let model = r.settings.as_ref().map(|s| s.model).or(r.model)?;
            let samples = r.settings.as_ref().map_or(1, |s| s.sample_count);
            Some(crate::domain::cost::vertex(model, samples))
        })
        .flatten();
    let cost = match gcp {
        // The TUI's and generate's words: nothing spent, and what gcp mode
        // would cost (the file keeps the Python tool's simulated figure).
        Some(gcp) => format!(
            "none (simulated; gcp mode ~{}: {})",
            gcp.total_display(),
            gcp.note.trim_end_matches('.')
        ),
        None => format!(
            "${:.4} ({})",
            r.cost_estimate.estimated_total_usd,
            r.cost_estimate.note.trim_end_matches('.')
        ),
    };
    row("Cost:", cost);
    row("Metadata:", s.metadata_path.display().to_string());
    for f in &take.files {
        let where_ = match &f.found {
            Some(p) => p.display().to_string(),
            None => format!("{} (missing)", f.recorded.path.display()),
        };
        row("File:", where_);
        if let Some(a) = &f.recorded.audio {
            row("", a.describe());
        }
    }
    if let Some(a) = analysis {
        out.push_str(&format!("\n{}\n", a.waveform.sparkline(WAVEFORM_WIDTH)));
    } else if !take.files.is_empty() {
        out.push_str("\n(no waveform: the audio is missing or cannot be decoded)\n");
    }
    let lyrics = take
        .track()
        .map(|t| t.text_input)
        .unwrap_or_else(|_| s.lyrics.clone());
    if !lyrics.trim().is_empty() {
        out.push_str("\nLyrics:\n");
        out.push_str(lyrics.trim_end());
        out.push('\n');
    }
    out
}

fn state_line(state: &TakeState) -> String {
    match state {
        TakeState::Unreadable { reason } => format!("unreadable: {reason}"),
        TakeState::Missing { .. } => format!("{state}: moved or deleted"),
        other => other.to_string(),
    }
}

async fn prune(dir: &Path, rule: PruneRule, yes: bool) -> Result<(), CliError> {
    let dir_owned = dir.to_path_buf();
    let plan = blocking(move || TakeStore::open(&dir_owned)?.plan_prune(rule, now())).await?;
    if plan.takes.is_empty() {
        return stdout::print("Nothing to prune.\n");
    }
    let what = format!(
        "{} take{} ({})",
        plan.takes.len(),
        if plan.takes.len() == 1 { "" } else { "s" },
        format_bytes(plan.bytes)
    );
    if !yes {
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(CliError::Usage(format!(
                "this would delete {what}; pass --yes to confirm when stdin is not a terminal"
            )));
        }
        if !ask(&format!("Delete {what} from {}? [y/N] ", dir.display()))? {
            return Err(CliError::Cancelled);
        }
    }
    let dir_owned = dir.to_path_buf();
    let (count, freed) = blocking(move || TakeStore::open(&dir_owned)?.prune(&plan)).await?;
    stdout::print(&format!(
        "Deleted {count} take{}, freed {}.\n",
        if count == 1 { "" } else { "s" },
        format_bytes(freed)
    ))
}

/// Library work for the CLI, off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::library::LibraryError> + Send + 'static,
) -> Result<T, CliError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CliError::Failure(format!("internal error: {e}")))?
        .map_err(|e| {
            if e.is_invalid_input() {
                CliError::Usage(e.to_string())
            } else {
                CliError::Failure(e.to_string())
            }
        })
}

/// `music-gen play ID`: plays the take's first file until it ends or
/// Ctrl-C.
pub async fn play(worker: &mut WorkerHandle, dir: &Path, id: &str) -> Result<(), CliError> {
    let take = load(worker, dir, id).await?;
    let Some(file) = take.playable().map(Path::to_path_buf) else {
        return Err(CliError::Failure(match take.summary.state {
            TakeState::Simulated => format!("{} was simulated: it has no audio", take.id()),
            _ => format!(
                "{}: its audio is missing (moved or deleted); it was {}",
                take.id(),
                take.files
                    .first()
                    .map_or(PathBuf::new(), |f| f.recorded.path.clone())
                    .display()
            ),
        }));
    };
    let mut player = match Player::spawn(&file) {
        Ok(p) => p,
        Err(e @ PlayerError::NoPlayer { .. }) => return Err(CliError::Failure(e.to_string())),
        Err(e) => return Err(CliError::Failure(e.to_string())),
    };
    stdout::eprint_line(&format!(
        "Playing {} with {} (Ctrl-C stops)",
        file.display(),
        player.name()
    ));
    let mut interrupt =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map_err(|e| CliError::Failure(format!("cannot listen for signals: {e}")))?;
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if !player.is_playing() {
                    return Ok(());
                }
            }
            _ = interrupt.recv() => {
                player.stop();
                return Err(CliError::Cancelled);
            }
        }
    }
}

/// `music-gen rerun ID [flags]`: the take's track (the seed too) with the
/// flags over it, in the current mode.
pub async fn rerun(
    worker: &mut WorkerHandle,
    id: &str,
    args: GenerateArgs,
    mut settings: GenerationSettings,
    location_flag: bool,
    model_flag: Option<Model>,
) -> Result<(), CliError> {
    if args.track.preset.is_some() || args.track.config.is_some() {
        return Err(CliError::Usage(
            "rerun takes its track from the take; --preset and --config do not apply (change \
             fields with their flags, e.g. --temperature 0.5)"
                .to_string(),
        ));
    }
    let dir = settings
        .output
        .dir()
        .unwrap_or_else(crate::paths::default_output_dir);
    let take = load(worker, &dir, id).await?;
    let value = serde_json::to_value(&take.result)
        .map_err(|e| CliError::Failure(format!("{}: {e}", take.id())))?;
    let (base, _) = result_file::layer(Some(format!("take {}", take.id())), &value)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let track = resolve(&[base, flags_layer(&args.track, model_flag)?])?;
    // Lyria 3 runs only at `global`: the take's location goes with it,
    // unless --location says otherwise.
    if !location_flag && let Some(s) = &take.result.settings {
        settings.key.location = s.location.clone();
    }
    if let Some(path) = &args.output {
        settings.output = output::resolve(path);
    }
    output::check_target(&settings.output).map_err(CliError::Usage)?;
    stdout::eprint_line(&format!("Re-running {}", take.id()));
    let job = Job {
        track,
        settings,
        preset: take.result.preset.clone(),
    };
    crate::cli::generate::run(worker, job, args.json, args.yes).await
}

fn unexpected(ev: &Event) -> CliError {
    CliError::Failure(format!("unexpected answer from the worker: {ev:?}"))
}

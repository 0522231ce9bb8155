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
use crate::domain::prompt::structure_parts;
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
        Some(HistoryCommand::Upload) => upload(dir).await,
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
    let listed = call(
        worker,
        Request::ListTakes {
            dir: dir.to_path_buf(),
            query,
        },
    )
    .await;
    let page = match listed {
        Ok(Event::Takes { page, .. }) => page,
        Ok(other) => return Err(unexpected(&other)),
        Err(e) if !args.json => return Err(waiting_anyway(dir, e)?),
        Err(e) => return Err(e),
    };
    if args.json {
        return stdout::print_json(&page);
    }
    stdout::print(&table(&page, dir, args.since.as_deref(), terminal_width()))
}

/// The bucket cannot be listed: the takes waiting on this machine for it
/// (their upload failed, perhaps for the same reason) are still shown,
/// then the failure, saying so.
fn waiting_anyway(dir: &Path, failure: CliError) -> Result<CliError, CliError> {
    let Ok(location) = crate::storage::Location::from_path(dir) else {
        return Ok(failure);
    };
    let Some((_, at)) = location.bucket() else {
        return Ok(failure);
    };
    let takes = crate::library::BucketLibrary::waiting_for(at);
    let CliError::Failure(message) = &failure else {
        return Ok(failure);
    };
    if takes.is_empty() {
        return Ok(failure);
    }
    let n = takes.len();
    let page = Page {
        total: n,
        matched: n,
        takes,
        spent: None,
    };
    stdout::print(&table(&page, dir, None, terminal_width()))?;
    Ok(CliError::Failure(format!(
        "{message}; the {} waiting on this machine {} shown above",
        if n == 1 { "take" } else { "takes" },
        if n == 1 { "is" } else { "are" }
    )))
}

/// The columns `history` prints on a terminal; piped, rows are whole.
fn terminal_width() -> Option<usize> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return None;
    }
    let cols = crossterm::terminal::size().map(|(w, _)| usize::from(w));
    Some(cols.ok().filter(|w| *w > 0).unwrap_or(80))
}

/// A column of the takes' table: its cells, and how it gives way when the
/// rows are too wide for the terminal.
struct Column {
    header: &'static str,
    cells: Vec<String>,
    /// Cut to this many columns at most, whatever the room.
    max: usize,
    /// Dropped, in this order, when the row does not fit; `None` stays.
    drop: Option<u8>,
}

impl Column {
    fn width(&self) -> usize {
        self.cells
            .iter()
            .map(|c| text::width(c))
            .max()
            .unwrap_or(0)
            .min(self.max)
            .max(text::width(self.header))
    }
}

/// Narrowest the genre and the lyrics are cut to before columns go.
const MIN_CUT: usize = 10;

/// One line per take, then what the page holds and, over a period, what
/// gcp mode spent. Within `width` (a terminal's) the lyrics take what is
/// left, then the least telling columns go (temperature, length, state,
/// model; last the seed, which tells takes of one song apart) and the
/// genre is cut; the id stays whole, since it is what `show`, `play` and
/// `rerun` take.
fn table(page: &Page, dir: &Path, since: Option<&str>, width: Option<usize>) -> String {
    if page.total == 0 {
        return format!(
            "No takes yet in {}. Generate one (`music-gen generate` or the TUI).\n",
            dir.display()
        );
    }
    let cells = |f: &dyn Fn(&TakeSummary) -> String| page.takes.iter().map(f).collect::<Vec<_>>();
    let dash = || "-".to_string();
    let column = |header, cells, max, drop| Column {
        header,
        cells,
        max,
        drop,
    };
    let mut columns = vec![
        column("ID", cells(&|t| t.id.to_string()), usize::MAX, None),
        column("WHEN", cells(&|t| t.when()), usize::MAX, None),
        column("GENRE", cells(&genre_label), 24, None),
        column(
            "MODEL",
            cells(&|t| t.model.map_or_else(dash, |m| m.id().to_string())),
            usize::MAX,
            Some(4),
        ),
        column(
            "SEED",
            cells(&|t| t.seed.map_or_else(dash, |s| s.to_string())),
            usize::MAX,
            Some(5),
        ),
        column(
            "TEMP",
            cells(&|t| {
                t.temperature
                    .map_or_else(dash, crate::domain::pyfloat::repr)
            }),
            usize::MAX,
            Some(1),
        ),
        column(
            "LENGTH",
            cells(&|t| t.duration_seconds.map_or_else(dash, audio::format_duration)),
            usize::MAX,
            Some(2),
        ),
        column(
            "STATE",
            cells(&|t| t.state.to_string()),
            usize::MAX,
            Some(3),
        ),
        column("LYRICS", cells(&|t| t.lyrics.clone()), 40, None),
    ];
    match width {
        Some(room) => fit(&mut columns, room),
        // Piped or redirected: every cell whole, for grep and the like.
        None => columns.iter_mut().for_each(|c| c.max = usize::MAX),
    }
    let widths: Vec<usize> = columns.iter().map(Column::width).collect();
    let line = |cell: &dyn Fn(&Column) -> String| {
        let parts: Vec<String> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| text::pad(&text::truncate(&cell(c), *w), *w))
            .collect();
        let mut line = parts.join("  ").trim_end().to_string();
        line.push('\n');
        line
    };
    let mut out = line(&|c| c.header.to_string());
    for i in 0..page.takes.len() {
        out.push_str(&line(&|c| c.cells[i].clone()));
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
    let waiting: Vec<&TakeSummary> = page
        .takes
        .iter()
        .filter(|t| t.state == TakeState::NotUploaded)
        .collect();
    if let Some(first) = waiting.first() {
        out.push_str(&format!(
            "{} not uploaded: kept on this machine in {}; `music-gen history upload` uploads {}\n",
            match waiting.len() {
                1 => "1 take".to_string(),
                n => format!("{n} takes"),
            },
            crate::domain::atomic::parent(&first.metadata_path).display(),
            if waiting.len() == 1 { "it" } else { "them" }
        ));
    }
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

/// Makes the columns fit `room`: the lyrics shrink to what is left, then
/// columns are dropped in their order, then the year leaves the time, the
/// genre is cut and, last, the lyrics go; the id stays whole.
fn fit(columns: &mut Vec<Column>, room: usize) {
    let total = |cs: &[Column]| {
        cs.iter().map(Column::width).sum::<usize>() + 2 * cs.len().saturating_sub(1)
    };
    let lyrics_at = |cs: &[Column]| cs.iter().position(|c| c.header == "LYRICS");
    loop {
        // The lyrics take what the other columns leave, down to MIN_CUT.
        if let Some(i) = lyrics_at(columns) {
            let others = total(columns) - columns[i].width();
            let left = room.saturating_sub(others);
            columns[i].max = left.max(MIN_CUT);
        }
        if total(columns) <= room {
            return;
        }
        let next = columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.drop.map(|d| (d, i)))
            .min();
        match next {
            Some((_, i)) => {
                columns.remove(i);
            }
            None => break,
        }
    }
    // Still too wide: the year goes from the time, the genre is cut, then
    // the lyrics go.
    if let Some(when) = columns.iter_mut().find(|c| c.header == "WHEN") {
        for cell in &mut when.cells {
            *cell = cell.get(5..).unwrap_or(cell).to_string();
        }
    }
    if let Some(i) = lyrics_at(columns) {
        let others = total(columns) - columns[i].width();
        columns[i].max = room.saturating_sub(others).max(MIN_CUT);
    }
    let over = total(columns).saturating_sub(room);
    if let Some(genre) = columns.iter_mut().find(|c| c.header == "GENRE") {
        genre.max = genre.width().saturating_sub(over).max(MIN_CUT);
    }
    if total(columns) > room
        && let Some(i) = lyrics_at(columns)
    {
        columns.remove(i);
    }
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
                    "changed": f.changed,
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
    // The rest of what shaped the prompt, as `generate` says it.
    row(
        "Structure:",
        structure_parts(&r.metadata.structure).join(" -> "),
    );
    for s in &r.metadata.style_references {
        row("Style ref:", format!("{}: {}", s.kind, s.value));
    }
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
            _ if f.changed => format!(
                "{} (changed or damaged: not the size and sha256 recorded)",
                f.found.as_ref().unwrap_or(&f.recorded.path).display()
            ),
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
    } else if take.files.iter().any(|f| f.changed) {
        out.push_str("\n(no waveform: the audio is changed or damaged)\n");
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
        TakeState::Changed { .. } => format!(
            "{state}: no longer the size and sha256 its metadata recorded (changed or damaged)"
        ),
        TakeState::NotUploaded => format!(
            "{state}: its upload failed; it is kept on this machine (`music-gen history upload` uploads it)"
        ),
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

/// `history upload`: the takes waiting in this machine's spool folder go
/// to the output bucket; one line each, and a failure if any stays.
async fn upload(dir: &Path) -> Result<(), CliError> {
    use crate::generate::upload::{Landed, push_spooled};
    let location =
        crate::storage::Location::from_path(dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let Some((service, at)) = location.bucket() else {
        return stdout::print(&format!(
            "Takes in a folder are written there directly; nothing waits to be uploaded to {}.\n",
            dir.display()
        ));
    };
    let report = push_spooled(service, at).await;
    let spool = crate::paths::spool_dir(&at.bucket, &at.prefix);
    if report.pushed.is_empty() && report.stopped.is_none() {
        return stdout::print(&format!(
            "Nothing waiting to upload to {}.\n",
            dir.display()
        ));
    }
    let mut out = String::new();
    let mut failed = 0;
    for p in &report.pushed {
        match &p.outcome {
            Ok(Some((url, Landed::Uploaded))) => {
                out.push_str(&format!("Uploaded {} to {url}\n", p.id));
            }
            Ok(Some((url, Landed::Finished))) => out.push_str(&format!(
                "Uploaded {} to {url} (its audio was there already, from an upload that stopped before its metadata)\n",
                p.id
            )),
            Ok(Some((url, Landed::AlreadyThere))) => out.push_str(&format!(
                "{} was in the bucket already, as {url} (an earlier upload completed); nothing uploaded again\n",
                p.id
            )),
            Ok(None) => out.push_str(&format!(
                "{} is being uploaded, or was just uploaded, by another process\n",
                p.id
            )),
            Err(e) => {
                failed += 1;
                out.push_str(&format!(
                    "Not uploaded: {} (kept at {}): {e}\n",
                    p.id,
                    p.spooled.display()
                ));
            }
        }
    }
    stdout::print(&out)?;
    let left = failed + report.not_tried;
    if left == 0 {
        return Ok(());
    }
    let mut message = format!(
        "{left} take{} not uploaded; kept in {} (run `music-gen history upload` again)",
        if left == 1 { "" } else { "s" },
        spool.display()
    );
    if let Some(why) = &report.stopped {
        message = format!("{why}; {message}");
    }
    Err(CliError::Failure(message))
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
            TakeState::Changed { .. } => format!(
                "{}: its audio no longer matches the size and sha256 its metadata recorded \
                 (changed or damaged)",
                take.id()
            ),
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
    // A closed terminal or SSH session (HUP) and a `kill` (TERM) stop the
    // music as Ctrl-C does: the player runs in a process group of its own,
    // which no signal to music-gen reaches.
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind| {
        signal(kind).map_err(|e| CliError::Failure(format!("cannot listen for signals: {e}")))
    };
    let mut interrupt = listen(SignalKind::interrupt())?;
    let mut terminate = listen(SignalKind::terminate())?;
    let mut hangup = listen(SignalKind::hangup())?;
    let stopped_by = loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if !player.is_playing() {
                    return match player.failure() {
                        Some(failure) => Err(CliError::Failure(format!(
                            "could not play {}: {failure}",
                            file.display()
                        ))),
                        None => Ok(()),
                    };
                }
            }
            _ = interrupt.recv() => break CliError::Cancelled,
            _ = terminate.recv() => break CliError::Signal(libc::SIGTERM),
            _ = hangup.recv() => break CliError::Signal(libc::SIGHUP),
        }
    };
    player.stop();
    Err(stopped_by)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::TakeId;

    fn take(id: &str, genre: &str, preset: Option<&str>, lyrics: &str) -> TakeSummary {
        TakeSummary {
            id: TakeId(id.to_string()),
            metadata_path: PathBuf::from(format!("/t/{id}.json")),
            time: 1_796_000_000,
            status: None,
            mode: Some(Mode::Simulate),
            genre: genre.to_string(),
            preset: preset.map(String::from),
            model: Some(Model::Lyria2),
            seed: Some(1234567),
            temperature: Some(0.7),
            lyrics: lyrics.to_string(),
            words: String::new(),
            duration_seconds: Some(30.0),
            cost_usd: 0.0,
            files: Vec::new(),
            file_bytes: Vec::new(),
            state: TakeState::Simulated,
        }
    }

    fn page() -> Page {
        let takes = vec![
            take(
                "20261130-085603-rock",
                "rock",
                Some("rock_anthem"),
                "City lights are calling me home tonight, we ride until the dawn",
            ),
            take("20261130-090000-jazz", "smooth jazz with brushes", None, ""),
        ];
        Page {
            total: 2,
            matched: 2,
            takes,
            spent: None,
        }
    }

    /// Piped (no width), every cell is whole: a long genre and the
    /// lyrics' first words are not cut as a terminal's columns are.
    #[test]
    fn piped_rows_are_whole() {
        let mut page = page();
        page.takes[1].genre = "an extremely long genre name that goes on and on".into();
        let out = table(&page, Path::new("/t"), None, None);
        assert!(
            out.contains("an extremely long genre name that goes on and on"),
            "{out}"
        );
        assert!(
            out.contains("City lights are calling me home tonight, we ride until the dawn"),
            "{out}"
        );
        assert!(!out.contains('…'), "{out}");
        let row = out.lines().nth(1).unwrap();
        for cell in ["lyria-002", "1234567", "0.7", "30.0 s", "simulated"] {
            assert!(row.contains(cell), "{cell} in {row}");
        }
    }

    /// On a terminal no row is wider than it; the ids stay whole, and the
    /// columns that go are the least telling ones.
    #[test]
    fn rows_fit_the_terminal_and_keep_the_ids() {
        for width in [60, 80, 100, 120] {
            let out = table(&page(), Path::new("/t"), None, Some(width));
            let rows: Vec<&str> = out.lines().take(3).collect();
            for row in &rows {
                assert!(text::width(row) <= width, "{width}: {row:?}");
            }
            assert!(rows[1].starts_with("20261130-085603-rock "), "{out}");
            assert!(rows[2].starts_with("20261130-090000-jazz "), "{out}");
            assert!(
                rows[0].contains("GENRE") && rows[0].contains("LYRICS"),
                "{out}"
            );
        }
        let at_80 = table(&page(), Path::new("/t"), None, Some(80));
        assert!(!at_80.contains("TEMP"), "temperature goes first: {at_80}");
        assert!(at_80.contains("City lights"), "{at_80}");
        let wide = table(&page(), Path::new("/t"), None, Some(200));
        for header in ["MODEL", "SEED", "TEMP", "LENGTH", "STATE"] {
            assert!(wide.contains(header), "{header} in {wide}");
        }
    }
}

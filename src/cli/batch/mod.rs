//! `music-gen batch FILE`: plan every take, check them all, say what it
//! will cost, then run them through the worker with bounded concurrency,
//! progress, a journal for resuming, a summary and a report file.

mod progress;
mod resolve;
mod run;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::batch::journal::{self, Earlier, Journal};
use crate::batch::report::{self, Report, TakeReport, TakeStatus};
use crate::batch::spec::{self, SpecError};
use crate::batch::{Keys, Resend, Take};
use crate::cli::args::BatchArgs;
use crate::cli::error::CliError;
use crate::cli::stdout;
use crate::domain::cost;
use crate::domain::input::Format;
use crate::domain::prompt::build_prompt;
use crate::generate::{GenerationSettings, Limiter, Mode, OutputTarget, output};
use crate::worker::{Event, Request, WorkerHandle};
use progress::{BatchEvent, Reporter};

pub async fn batch(
    worker: &mut WorkerHandle,
    args: BatchArgs,
    settings: GenerationSettings,
) -> Result<(), CliError> {
    let out_dir = match &settings.output {
        OutputTarget::Dir(d) => d.clone(),
        OutputTarget::File(p) => p.clone(),
        // The journal and the report stay on this machine, beside the
        // takes spooled for the bucket.
        OutputTarget::Bucket { at, .. } => crate::paths::spool_dir(&at.bucket, &at.prefix),
        OutputTarget::None => PathBuf::from("."),
    };
    // Where the takes go, as the plan and the report name it.
    let shown = settings.output.dir().unwrap_or_else(|| out_dir.clone());
    let started_at = now();
    let clock = Instant::now();
    let takes = plan(worker, &args, &settings).await?;
    output::check_target(&settings.output).map_err(CliError::Usage)?;
    let journal_path = crate::batch::journal_path(&out_dir, &args.file);
    let takes = judge(&out_dir, &journal_path, takes).await?;
    let resend = Resend {
        uncertain: args.resend_uncertain,
        changed: args.resend_changed,
    };
    let queue: Vec<usize> = (0..takes.len())
        .filter(|&i| takes[i].to_send(resend))
        .collect();
    let estimate = queue.iter().fold(0.0, |sum, &i| sum + takes[i].cost_usd);
    let count = |f: fn(&Earlier) -> bool| takes.iter().filter(|t| f(&t.earlier)).count();
    let skipped = count(|e| matches!(e, Earlier::Done { .. }));
    let uncertain = count(|e| matches!(e, Earlier::Uncertain { .. }));
    let broken = count(|e| matches!(e, Earlier::Broken { .. }));
    let plan_event = BatchEvent::Plan {
        mode: settings.key.mode,
        output_dir: &shown,
        takes: takes.len(),
        to_send: queue.len(),
        skipped,
        uncertain,
        changed: broken,
        estimated_cost_usd: estimate,
        jobs: usize::from(args.jobs),
    };
    // A dry run says whether the real run would be refused, and exits as
    // it would: `--dry-run --max-cost` checks a budget without spending.
    let refused = args
        .max_cost
        // A sum of cents in floating point (10 × $0.06 is 0.6000000000000001)
        // is not above a cap it equals.
        .filter(|&max| settings.key.mode == Mode::Gcp && estimate - max > 1e-9)
        .map(|max| {
            CliError::Refused(format!(
                "the batch would cost about ${estimate:.2}, above --max-cost ${max:.2}; nothing was sent"
            ))
        });
    if args.dry_run {
        dry_run(&args, &takes, &plan_event, resend)?;
        return refused.map_or(Ok(()), Err);
    }
    if !args.json {
        stdout::eprint_line(&plan_text(&plan_event, &takes, resend));
    }
    if let Some(refused) = refused {
        return Err(refused);
    }
    if settings.key.mode == Mode::Gcp && !queue.is_empty() && !args.yes {
        confirm(&args.file, queue.len(), estimate)?;
    }
    // Made once the question is answered: bars drawn over it would hide it.
    let mut reporter = Reporter::new(args.json, std::io::stdout().is_terminal());
    reporter.event(&plan_event);

    let journal = Journal::open(&journal_path)
        .and_then(journal::Writer::spawn)
        .map_err(|e| {
            CliError::Failure(format!("{}: {e}; nothing was sent", journal_path.display()))
        })?;
    let limiter = Limiter::new(usize::from(args.jobs));
    let mut runner = run::Runner {
        worker,
        settings: settings.clone(),
        limiter: limiter.clone(),
        jobs: usize::from(args.jobs),
        journal: &journal,
        reporter: &mut reporter,
    };
    let ran = runner.run(&takes, queue).await;
    // What finished is on disk before anything else is said.
    let _ = tokio::task::spawn_blocking(move || journal.close()).await;
    let mut ran = ran?;
    reporter.finish();

    let reports: Vec<TakeReport> = takes
        .iter()
        .enumerate()
        .map(|(i, t)| ran.reports.remove(&i).unwrap_or_else(|| unsent(t, resend)))
        .collect();
    let snapshot = limiter.snapshot();
    let report = Report {
        file: args.file.clone(),
        output_dir: shown,
        mode: settings.key.mode,
        started_at,
        finished_at: now(),
        elapsed_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        counts: report::count(&reports),
        spent_usd: reports.iter().fold(0.0, |sum, t| sum + t.cost_usd),
        peak_in_flight: snapshot.peak,
        throttled: snapshot.throttled,
        stopped_by_signal: ran.signal,
        takes: reports,
    };
    let report_path = crate::batch::report_path(&out_dir, &args.file);
    let mut json = serde_json::to_string_pretty(&report).expect("a report always serializes");
    json.push('\n');
    let written = {
        let path = report_path.clone();
        tokio::task::spawn_blocking(move || crate::domain::atomic::write(&path, json.as_bytes()))
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r)
    };
    if reporter.is_json() {
        reporter.event(&BatchEvent::Summary { report: &report });
    } else {
        stdout::print(&report::table(&report))?;
    }
    match written {
        Ok(()) => {
            if !reporter.is_json() {
                stdout::eprint_line(&format!("Report: {}", report_path.display()));
            }
        }
        Err(e) => stdout::eprint_line(&format!(
            "warning: could not write the report {}: {e}",
            report_path.display()
        )),
    }
    if let Some(s) = ran.signal {
        return Err(CliError::Signal(s));
    }
    if report.all_succeeded() {
        Ok(())
    } else {
        Err(CliError::Failure(format!(
            "{} of {} takes did not succeed (the summary says which and why)",
            report
                .takes
                .iter()
                .filter(|t| !t.status.succeeded())
                .count(),
            report.takes.len()
        )))
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Reads the file and resolves every take; nothing is sent before all of
/// them are valid.
async fn plan(
    worker: &mut WorkerHandle,
    args: &BatchArgs,
    settings: &GenerationSettings,
) -> Result<Vec<Take>, CliError> {
    let bad = |e: SpecError| CliError::Usage(format!("{}: {e}", args.file.display()));
    let text = {
        let path = args.file.clone();
        tokio::task::spawn_blocking(move || spec::read(&path))
            .await
            .map_err(|e| CliError::Failure(e.to_string()))?
            .map_err(|e| CliError::Usage(e.to_string()))?
    };
    let format = if args.file == Path::new("-") {
        Format::of(None, &text)
    } else {
        Format::of(Some(&args.file), &text)
    };
    let specs = spec::parse(&text, format).map_err(bad)?;
    let mut variants = Vec::new();
    for s in &specs {
        variants.extend(s.variants().map_err(bad)?);
    }
    let mut sources = resolve::Sources::default();
    for name in resolve::preset_names(&variants).map_err(bad)? {
        let event = worker
            .call(Request::LoadPreset { name: name.clone() }, |_| {})
            .await;
        match event {
            Some(Event::Preset { preset, .. }) => {
                sources.presets.insert(name, preset.preset);
            }
            Some(Event::Failed { error, .. }) => {
                // The first job that names it, for the message.
                let v = variants
                    .iter()
                    .find(|v| resolve::preset_of(v).and_then(|p| p.as_str()) == Some(&name))
                    .expect("the name came from a variant");
                return Err(bad(SpecError {
                    job: v.job,
                    name: v.job_name.clone(),
                    field: Some(resolve::PRESET.to_string()),
                    message: error.to_string(),
                }));
            }
            _ => {
                return Err(CliError::Failure(
                    "the worker stopped unexpectedly".to_string(),
                ));
            }
        }
    }
    let base = match args.file.parent() {
        Some(p) if args.file != Path::new("-") && !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut keys = Keys::default();
    let mut takes = Vec::with_capacity(variants.len());
    for v in &variants {
        let r = resolve::resolve(v, &mut sources, &base, settings).map_err(bad)?;
        let cost_usd = match settings.key.mode {
            Mode::Gcp => {
                cost::vertex(r.model, r.track.sample_count.unwrap_or(1)).estimated_total_usd
            }
            Mode::Simulate => 0.0,
        };
        takes.push(Take {
            key: keys.next(settings.key.mode, r.model, &r.track),
            label: v.label(),
            job: v.job,
            job_name: v.job_name.clone(),
            track: r.track,
            preset: r.preset,
            model: r.model,
            cost_usd,
            earlier: Earlier::Fresh,
        });
    }
    Ok(takes)
}

/// What an earlier run of this file left for each take (files re-hashed).
/// A take written but never recorded (a kill between the two) is found by
/// its metadata and counted as done.
async fn judge(
    out_dir: &Path,
    journal_path: &Path,
    mut takes: Vec<Take>,
) -> Result<Vec<Take>, CliError> {
    let path = journal_path.to_path_buf();
    let dir = out_dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let last = journal::read(&path)
            .map_err(|e| CliError::Failure(format!("{}: {e}", path.display())))?;
        for t in &mut takes {
            t.earlier = journal::judge(last.get(&t.key));
        }
        crate::batch::recover::recover(&dir, &mut takes, &last);
        Ok(takes)
    })
    .await
    .map_err(|e| CliError::Failure(e.to_string()))?
}

fn plan_text(plan: &BatchEvent<'_>, takes: &[Take], resend: Resend) -> String {
    let BatchEvent::Plan {
        mode,
        output_dir,
        takes: n,
        to_send,
        skipped,
        uncertain,
        changed,
        estimated_cost_usd,
        jobs,
    } = plan
    else {
        return String::new();
    };
    let mut s = format!("{n} takes, {to_send} to send");
    if *mode == Mode::Gcp {
        s.push_str(&format!(" for about ${estimated_cost_usd:.2}"));
    }
    s.push_str(&format!(
        " ({mode} mode, {jobs} at a time)\nOutput folder: {}",
        output_dir.display()
    ));
    if *skipped > 0 {
        s.push_str(&format!(
            "\n{skipped} already done by an earlier run (files verified): skipped"
        ));
    }
    if *changed > 0 {
        let what = if resend.changed {
            "sent again (--resend-changed)"
        } else {
            "not sent again; --resend-changed sends them"
        };
        s.push_str(&format!(
            "\n{changed} done (and billed) by an earlier run, but a file is missing or changed since: {what}"
        ));
        for t in takes {
            if let Earlier::Broken { reason } = &t.earlier {
                s.push_str(&format!("\n  changed: {} ({reason})", t.label));
            }
        }
    }
    if *uncertain > 0 {
        let what = if resend.uncertain {
            "sent again (--resend-uncertain)"
        } else {
            "not sent again; --resend-uncertain sends them"
        };
        s.push_str(&format!(
            "\n{uncertain} sent by an earlier run without an answer (a kill or a dropped connection), so they may have been billed: {what}"
        ));
        for t in takes
            .iter()
            .filter(|t| matches!(t.earlier, Earlier::Uncertain { .. }))
        {
            s.push_str(&format!("\n  uncertain: {}", t.label));
        }
    }
    s
}

fn dry_run(
    args: &BatchArgs,
    takes: &[Take],
    plan: &BatchEvent<'_>,
    resend: Resend,
) -> Result<(), CliError> {
    if args.json {
        #[derive(serde::Serialize)]
        struct DryTake<'a> {
            key: &'a str,
            label: &'a str,
            job: usize,
            model: crate::domain::model::Model,
            send: bool,
            estimated_cost_usd: f64,
            prompt: String,
        }
        let mut out = serde_json::to_string(plan).expect("serializes");
        out.push('\n');
        for t in takes {
            let line = DryTake {
                key: &t.key,
                label: &t.label,
                job: t.job,
                model: t.model,
                send: t.to_send(resend),
                estimated_cost_usd: t.cost_usd,
                prompt: build_prompt(&t.track),
            };
            out.push_str(&serde_json::to_string(&line).expect("serializes"));
            out.push('\n');
        }
        return stdout::print(&out);
    }
    let mut out = plan_text(plan, takes, resend);
    out.push_str("\n\n");
    for (i, t) in takes.iter().enumerate() {
        let what = if t.to_send(resend) { "send" } else { "skip" };
        out.push_str(&format!(
            "[{}/{}] {} ({}, {what}, key {})\n",
            i + 1,
            takes.len(),
            t.label,
            t.model,
            t.key
        ));
        for line in build_prompt(&t.track).lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out.push_str("Dry run: nothing was sent.\n");
    stdout::print(&out)
}

/// Asks on the terminal. With the file on stdin the answer comes from
/// /dev/tty; without a terminal, `--yes` must say so up front.
fn confirm(file: &Path, takes: usize, estimate: f64) -> Result<(), CliError> {
    let question = format!("Send {takes} paid takes for about ${estimate:.2}? [y/N] ");
    // Not a bad file (2): the plan is sound but unconfirmed, so it is
    // refused as a budget refuses it, nothing sent (3).
    let refuse = |where_: &str| {
        CliError::Refused(format!(
            "not confirmed: {takes} paid takes for about ${estimate:.2}, and {where_} to ask on; \
             pass --yes to send them; nothing was sent"
        ))
    };
    let answer = if file == Path::new("-") {
        let tty = std::fs::File::open("/dev/tty")
            .map_err(|_| refuse("the jobs came on stdin with no terminal"))?;
        ask(&question, std::io::BufReader::new(tty))?
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(refuse("stdin is not a terminal"));
        }
        ask(&question, std::io::stdin().lock())?
    };
    if answer {
        Ok(())
    } else {
        Err(CliError::Cancelled)
    }
}

fn ask(question: &str, mut input: impl BufRead) -> Result<bool, CliError> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut answer = String::new();
    input
        .read_line(&mut answer)
        .map_err(|e| CliError::Failure(format!("reading the answer: {e}")))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// The report of a take this run did not send.
fn unsent(t: &Take, resend: Resend) -> TakeReport {
    let (status, error) = match &t.earlier {
        Earlier::Done { .. } => (TakeStatus::Skipped, None),
        Earlier::Broken { reason } if !resend.changed => (
            TakeStatus::Changed,
            Some(format!(
                "done and billed by an earlier run, but {reason}; not sent again"
            )),
        ),
        Earlier::Uncertain { error } if !resend.uncertain => (
            TakeStatus::Uncertain,
            Some(match error {
                Some(e) => format!("an earlier run failed with: {e}"),
                None => "an earlier run sent it and got no answer".to_string(),
            }),
        ),
        _ => (
            TakeStatus::NotStarted,
            Some("the batch stopped before it".to_string()),
        ),
    };
    let (files, metadata) = match &t.earlier {
        Earlier::Done { files } => (files.iter().map(|f| f.path.clone()).collect(), None),
        _ => (Vec::new(), None),
    };
    TakeReport {
        key: t.key.clone(),
        label: t.label.clone(),
        job: t.job,
        job_name: t.job_name.clone(),
        status,
        error,
        billing: None,
        duration_ms: None,
        files,
        metadata,
        cost_usd: 0.0,
    }
}

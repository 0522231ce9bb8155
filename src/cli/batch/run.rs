//! Runs a batch's takes through the worker: at most `jobs` at once, each
//! recorded as sent (on disk) before it is handed over, every request under
//! the one shared limiter. A first signal stops new takes and lets running
//! ones finish; a second cancels them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::batch::Take;
use crate::batch::journal::{Billing, Record, RecordedFile, Writer};
use crate::batch::report::{TakeReport, TakeStatus};
use crate::cli::batch::progress::{BatchEvent, Reporter};
use crate::cli::error::CliError;
use crate::cli::generate::Signals;
use crate::generate::{GenerationSettings, Job, Limiter, Mode, Stage, output};
use crate::worker::{Event, Request, RequestId, WorkerError, WorkerHandle};

pub struct Runner<'a> {
    pub worker: &'a mut WorkerHandle,
    pub settings: GenerationSettings,
    pub limiter: Limiter,
    pub jobs: usize,
    pub journal: &'a Writer,
    pub reporter: &'a mut Reporter,
}

/// How the run ended: a report per take sent (by index into the plan),
/// and the first signal, if one stopped it.
pub struct Ran {
    pub reports: HashMap<usize, TakeReport>,
    pub signal: Option<i32>,
}

struct Running {
    take: usize,
    started: Instant,
    /// The request went out at least once: from then on it may be billed.
    sent: bool,
    /// Answered, its files being written: no longer a request in flight.
    saving: bool,
}

/// How many takes may be writing their files at once on top of the `jobs`
/// in flight, per job: a slow disk holds back new requests instead of
/// piling up audio in memory.
const SAVING_PER_JOB: usize = 1;

impl Runner<'_> {
    /// Runs the takes at `queue` (indexes into `takes`) in order.
    pub async fn run(&mut self, takes: &[Take], queue: Vec<usize>) -> Result<Ran, CliError> {
        let mut signals = Signals::new()?;
        // Named now, in the plan's order (a `vary:` in its seeds' order):
        // they finish in any.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let names = output::series(now, takes.iter().map(|t| t.track.genre.as_str()));
        let mut queue = queue.into_iter().peekable();
        let mut running: HashMap<RequestId, Running> = HashMap::new();
        let mut reports = HashMap::new();
        let mut signal: Option<i32> = None;
        let mut cancelling = false;
        loop {
            // Start what the bound allows, unless a 429 paused the batch:
            // a take recorded as sent but waiting out a pause would look
            // uncertain after a kill. A take writing its files has had its
            // answer, so its place goes to the next request; the disk work
            // overlaps the network's instead of adding to it.
            let mut pause = None;
            let mut starting = Vec::new();
            let saving = running.values().filter(|r| r.saving).count();
            let in_flight = running.len() - saving;
            while signal.is_none()
                && in_flight + starting.len() < self.jobs
                && running.len() + starting.len() < self.jobs * (1 + SAVING_PER_JOB)
                && queue.peek().is_some()
            {
                if let Some(p) = self.limiter.snapshot().paused_for {
                    pause = Some(p);
                    break;
                }
                starting.push(queue.next().expect("peeked"));
            }
            if !starting.is_empty() {
                // On disk before any of them leaves: one sync for the group.
                let records = starting
                    .iter()
                    .map(|&i| Record::Sent {
                        key: takes[i].key.clone(),
                    })
                    .collect();
                self.journal.commit(records).await.map_err(|e| {
                    CliError::Failure(format!(
                        "cannot record the batch's progress in {}: {e}; nothing more was sent",
                        self.journal.path().display()
                    ))
                })?;
            }
            for i in starting {
                let take = &takes[i];
                let job = Job {
                    track: take.track.clone(),
                    settings: GenerationSettings {
                        name: Some(names[i].clone()),
                        limiter: Some(self.limiter.clone()),
                        ..self.settings.clone()
                    },
                    preset: take.preset.clone(),
                };
                let id = self.worker.send(Request::Generate(Box::new(job)));
                running.insert(
                    id,
                    Running {
                        take: i,
                        started: Instant::now(),
                        sent: false,
                        saving: false,
                    },
                );
                self.reporter.event(&BatchEvent::Started {
                    key: &take.key,
                    label: &take.label,
                });
            }
            if running.is_empty() && (signal.is_some() || queue.peek().is_none()) {
                break;
            }
            let wake = pause.unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                ev = self.worker.recv() => {
                    let Some(ev) = ev else {
                        return Err(CliError::Failure("the worker stopped unexpectedly".to_string()));
                    };
                    let id = ev.id();
                    let Some(r) = running.get_mut(&id) else { continue };
                    let take = &takes[r.take];
                    let outcome = match ev {
                        Event::Started { .. } => continue,
                        Event::Progress { stage, .. } => {
                            r.sent |= matches!(stage, Stage::Sending { .. });
                            r.saving = matches!(stage, Stage::Saving { .. });
                            self.reporter.event(&BatchEvent::Stage {
                                key: &take.key,
                                label: &take.label,
                                stage: stage.to_string(),
                            });
                            continue;
                        }
                        Event::Generated { result, .. } => Outcome::Done(result),
                        Event::Cancelled { .. } => {
                            let why = if r.sent {
                                "cancelled after it was sent: it may have been billed"
                            } else {
                                "cancelled before it was sent"
                            };
                            Outcome::Failed(TakeStatus::Cancelled, why.to_string(), r.sent)
                        }
                        Event::Failed { error, .. } => {
                            let billed = match &error {
                                WorkerError::Generate(e) => e.may_have_been_billed(r.sent),
                                _ => r.sent,
                            };
                            Outcome::Failed(TakeStatus::Failed, error.to_string(), billed)
                        }
                        _ => continue,
                    };
                    let r = running.remove(&id).expect("present");
                    let report = self.finish(take, r.started, outcome);
                    self.reporter.event(&BatchEvent::Finished { take: &report });
                    reports.insert(r.take, report);
                }
                s = signals.next(), if !cancelling => {
                    if signal.is_none() {
                        signal = Some(s);
                        self.reporter.event(&BatchEvent::Stopping { signal: s, running: running.len() });
                    } else {
                        cancelling = true;
                        self.reporter.event(&BatchEvent::Cancelling { running: running.len() });
                        for id in running.keys() {
                            self.worker.send(Request::Cancel { target: *id });
                        }
                    }
                }
                () = tokio::time::sleep(wake), if pause.is_some() => {}
            }
        }
        Ok(Ran { reports, signal })
    }

    /// Records how a take ended and reports it.
    fn finish(&mut self, take: &Take, started: Instant, outcome: Outcome) -> TakeReport {
        let duration_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        let billed_cost = |billed: bool| {
            if billed && self.settings.key.mode == Mode::Gcp {
                take.cost_usd
            } else {
                0.0
            }
        };
        let (record, report) = match outcome {
            Outcome::Done(result) => {
                let files: Vec<RecordedFile> = result
                    .files
                    .iter()
                    .map(|f| RecordedFile {
                        path: f.path.clone(),
                        sha256: f.sha256.clone(),
                    })
                    .collect();
                let cost_usd = match result.mode {
                    Mode::Gcp => result.cost_estimate.estimated_total_usd,
                    Mode::Simulate => 0.0,
                };
                let report = TakeReport {
                    key: take.key.clone(),
                    label: take.label.clone(),
                    job: take.job,
                    job_name: take.job_name.clone(),
                    status: TakeStatus::Done,
                    error: None,
                    billing: None,
                    duration_ms,
                    files: files.iter().map(|f| f.path.clone()).collect(),
                    metadata: result.metadata_path.clone(),
                    cost_usd,
                };
                let record = Record::Done {
                    key: take.key.clone(),
                    files,
                    metadata: result.metadata_path.clone(),
                };
                (record, report)
            }
            Outcome::Failed(status, error, billed) => {
                let billing = if billed {
                    Billing::MayHaveBeenBilled
                } else {
                    Billing::NotBilled
                };
                let report = TakeReport {
                    key: take.key.clone(),
                    label: take.label.clone(),
                    job: take.job,
                    job_name: take.job_name.clone(),
                    status,
                    error: Some(error.clone()),
                    billing: Some(billing),
                    duration_ms,
                    files: Vec::new(),
                    metadata: None,
                    cost_usd: billed_cost(billed),
                };
                let record = Record::Failed {
                    key: take.key.clone(),
                    billing,
                    error,
                };
                (record, report)
            }
        };
        // Not awaited: a take whose record is lost to a kill is found again
        // by its metadata, or held back as uncertain.
        self.journal.later(record);
        report
    }
}

enum Outcome {
    Done(Box<crate::generate::GenerationResult>),
    /// The status, why, and whether it may have been billed.
    Failed(TakeStatus, String, bool),
}

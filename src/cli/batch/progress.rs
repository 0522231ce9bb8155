//! What a running batch shows: bars on a terminal (indicatif: one overall
//! bar and a line per running take), one plain line per event when stdout
//! is not a terminal, or a JSON line per event with `--json`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::batch::report::{Report, TakeReport, TakeStatus};
use crate::cli::stdout::terminal_safe;
use crate::generate::Mode;

#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BatchEvent<'a> {
    Plan {
        mode: Mode,
        output_dir: &'a Path,
        takes: usize,
        to_send: usize,
        skipped: usize,
        uncertain: usize,
        /// Done before, a file missing or changed since.
        changed: usize,
        estimated_cost_usd: f64,
        jobs: usize,
    },
    Started {
        key: &'a str,
        label: &'a str,
    },
    Stage {
        key: &'a str,
        label: &'a str,
        stage: String,
    },
    Finished {
        #[serde(flatten)]
        take: &'a TakeReport,
    },
    /// A signal: no new takes; the running ones finish.
    Stopping {
        signal: i32,
        running: usize,
    },
    /// A second signal: the running takes are cancelled.
    Cancelling {
        running: usize,
    },
    Summary {
        #[serde(flatten)]
        report: &'a Report,
    },
}

pub enum Reporter {
    Bars(Bars),
    Plain,
    Json,
}

pub struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    takes: HashMap<String, ProgressBar>,
    failed: usize,
    spent: f64,
}

impl Reporter {
    pub fn new(json: bool, terminal: bool) -> Reporter {
        match (json, terminal) {
            (true, _) => Reporter::Json,
            (false, true) => Reporter::Bars(Bars::new()),
            (false, false) => Reporter::Plain,
        }
    }

    pub fn is_json(&self) -> bool {
        matches!(self, Reporter::Json)
    }

    pub fn event(&mut self, ev: &BatchEvent<'_>) {
        match self {
            Reporter::Json => {
                let mut out = std::io::stdout().lock();
                let line = serde_json::to_string(ev).expect("events always serialize");
                // A reader that went away stops the stream, not the batch:
                // the takes and the report file still matter.
                let _ = writeln!(out, "{line}").and_then(|()| out.flush());
            }
            Reporter::Plain => {
                if let Some(line) = plain(ev) {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{}", terminal_safe(&line)).and_then(|()| out.flush());
                }
            }
            Reporter::Bars(b) => b.event(ev),
        }
    }

    /// Leaves the terminal clean for the summary.
    pub fn finish(&mut self) {
        if let Reporter::Bars(b) = self {
            // Where it stopped, not full: a stopped batch is not done.
            b.overall.abandon();
            for (_, bar) in b.takes.drain() {
                bar.finish_and_clear();
            }
        }
    }
}

fn plain(ev: &BatchEvent<'_>) -> Option<String> {
    Some(match ev {
        BatchEvent::Plan { .. } | BatchEvent::Summary { .. } => return None,
        BatchEvent::Started { label, .. } => format!("started    {label}"),
        BatchEvent::Stage { label, stage, .. } => format!("           {label}: {stage}"),
        BatchEvent::Finished { take } => finished_line(take),
        BatchEvent::Stopping { running, .. } => stopping_line(*running),
        BatchEvent::Cancelling { running } => format!("cancelling {running} running take(s)"),
    })
}

fn finished_line(t: &TakeReport) -> String {
    let time = t.duration_ms.map_or(String::new(), |ms| {
        format!(" in {:.1}s", ms as f64 / 1000.0)
    });
    match (&t.status, &t.error) {
        (TakeStatus::Done, _) => format!(
            "done       {}{time}: {}",
            t.label,
            t.metadata
                .as_deref()
                .or(t.files.first().map(|p| p.as_path()))
                .map_or(String::new(), |p| p.display().to_string())
        ),
        (s, Some(e)) => format!("{:10} {}: {e}", s.word(), t.label),
        (s, None) => format!("{:10} {}", s.word(), t.label),
    }
}

fn stopping_line(running: usize) -> String {
    format!("stopping: no new takes; {running} running will finish (Ctrl-C again cancels them)")
}

impl Bars {
    fn new() -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template(
                "{bar:24} {pos}/{len} takes {msg} {elapsed} elapsed, ETA {eta}",
            )
            .expect("a valid template")
            .progress_chars("█▉▊▋▌▍▎▏ "),
        );
        overall.enable_steady_tick(Duration::from_millis(500));
        Bars {
            multi,
            overall,
            takes: HashMap::new(),
            failed: 0,
            spent: 0.0,
        }
    }

    fn message(&self) -> String {
        let failed = if self.failed > 0 {
            format!("· {} failed ", self.failed)
        } else {
            String::new()
        };
        format!("{failed}· ${:.2} spent ·", self.spent)
    }

    fn event(&mut self, ev: &BatchEvent<'_>) {
        match ev {
            BatchEvent::Plan { to_send, .. } => {
                self.overall.set_length(*to_send as u64);
                self.overall.set_message(self.message());
            }
            BatchEvent::Started { key, label } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("  {spinner} {elapsed:>3} {prefix}: {wide_msg}")
                        .expect("a valid template"),
                );
                bar.set_prefix(terminal_safe(label).into_owned());
                bar.set_message("queued");
                bar.enable_steady_tick(Duration::from_millis(200));
                self.takes.insert(key.to_string(), bar);
            }
            BatchEvent::Stage { key, stage, .. } => {
                if let Some(bar) = self.takes.get(*key) {
                    bar.set_message(terminal_safe(stage).into_owned());
                }
            }
            BatchEvent::Finished { take } => {
                if let Some(bar) = self.takes.remove(&take.key) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                self.spent += take.cost_usd;
                if take.status != TakeStatus::Done {
                    self.failed += 1;
                    let _ = self.multi.println(terminal_safe(&finished_line(take)));
                }
                self.overall.inc(1);
                self.overall.set_message(self.message());
            }
            BatchEvent::Stopping { running, .. } => {
                let _ = self.multi.println(stopping_line(*running));
            }
            BatchEvent::Cancelling { running } => {
                let _ = self
                    .multi
                    .println(format!("cancelling {running} running take(s)"));
            }
            BatchEvent::Summary { .. } => {}
        }
    }
}

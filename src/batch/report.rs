//! How each take of a batch ended, the summary table and the report file.

use std::path::PathBuf;

use serde::Serialize;

use crate::batch::journal::Billing;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TakeStatus {
    /// Made in this run.
    Done,
    /// Done by an earlier run, its files intact.
    Skipped,
    Failed,
    /// Sent by an earlier run without an answer; not sent again.
    Uncertain,
    /// Done by an earlier run (and billed), but a file is missing or
    /// changed since; not sent again.
    Changed,
    Cancelled,
    /// Never started: the batch was stopped first.
    NotStarted,
}

impl TakeStatus {
    pub fn word(self) -> &'static str {
        match self {
            TakeStatus::Done => "done",
            TakeStatus::Skipped => "skipped",
            TakeStatus::Failed => "failed",
            TakeStatus::Uncertain => "uncertain",
            TakeStatus::Changed => "changed",
            TakeStatus::Cancelled => "cancelled",
            TakeStatus::NotStarted => "not started",
        }
    }

    /// Whether the batch got what this take asked for.
    pub fn succeeded(self) -> bool {
        matches!(self, TakeStatus::Done | TakeStatus::Skipped)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TakeReport {
    pub key: String,
    pub label: String,
    pub job: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    pub status: TakeStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    pub files: Vec<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<PathBuf>,
    /// What this run spent on it, estimated (0 when skipped or simulated).
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub planned: usize,
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
    pub uncertain: usize,
    pub changed: usize,
    pub cancelled: usize,
    pub not_started: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: PathBuf,
    pub output_dir: PathBuf,
    pub mode: crate::generate::Mode,
    pub started_at: String,
    pub finished_at: String,
    pub elapsed_ms: u64,
    pub counts: Counts,
    pub spent_usd: f64,
    /// The most requests in flight at once, and how many 429s were seen.
    pub peak_in_flight: usize,
    pub throttled: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by_signal: Option<i32>,
    pub takes: Vec<TakeReport>,
}

impl Report {
    pub fn all_succeeded(&self) -> bool {
        self.takes.iter().all(|t| t.status.succeeded())
    }
}

pub fn count(takes: &[TakeReport]) -> Counts {
    let mut c = Counts {
        planned: takes.len(),
        ..Counts::default()
    };
    for t in takes {
        *match t.status {
            TakeStatus::Done => &mut c.done,
            TakeStatus::Skipped => &mut c.skipped,
            TakeStatus::Failed => &mut c.failed,
            TakeStatus::Uncertain => &mut c.uncertain,
            TakeStatus::Changed => &mut c.changed,
            TakeStatus::Cancelled => &mut c.cancelled,
            TakeStatus::NotStarted => &mut c.not_started,
        } += 1;
    }
    c
}

/// TAKE, STATUS, TIME, FILES, COST, then a line per failure saying why.
pub fn table(report: &Report) -> String {
    let label_w = report
        .takes
        .iter()
        .map(|t| text::width(&t.label))
        .max()
        .unwrap_or(0)
        .clamp(4, 48);
    let mut out = format!(
        "{}  {:11}  {:>7}  {:>5}  {:>8}\n",
        text::pad("TAKE", label_w),
        "STATUS",
        "TIME",
        "FILES",
        "COST"
    );
    for t in &report.takes {
        let label = text::truncate(&t.label, label_w);
        let time = t
            .duration_ms
            .map_or("-".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0));
        out.push_str(&format!(
            "{}  {:11}  {:>7}  {:>5}  {:>8}\n",
            text::pad(&label, label_w),
            t.status.word(),
            time,
            t.files.len(),
            format!("${:.2}", t.cost_usd)
        ));
    }
    let c = &report.counts;
    let parts: Vec<String> = [
        (c.done, "done"),
        (c.skipped, "skipped (done before)"),
        (c.failed, "failed"),
        (c.uncertain, "uncertain"),
        (c.changed, "changed since done"),
        (c.cancelled, "cancelled"),
        (c.not_started, "not started"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    out.push_str(&format!(
        "\n{} takes: {}; spent about ${:.2}\n",
        c.planned,
        parts.join(", "),
        report.spent_usd
    ));
    let explained = |s: TakeStatus| !s.succeeded() && s != TakeStatus::NotStarted;
    for t in report.takes.iter().filter(|t| explained(t.status)) {
        if let Some(e) = &t.error {
            out.push_str(&format!("{} {}: {e}\n", t.status.word(), t.label));
        }
    }
    if c.not_started > 0 {
        out.push_str(&format!(
            "{} take(s) not started: run the same command again to make them\n",
            c.not_started
        ));
    }
    if c.uncertain > 0 {
        out.push_str(&format!(
            "{} take(s) may have been billed by an earlier run without an answer; they were not sent again (--resend-uncertain sends them)\n",
            c.uncertain
        ));
    }
    if c.changed > 0 {
        out.push_str(&format!(
            "{} take(s) done and billed by an earlier run have a file missing or changed since; they were not sent again (--resend-changed sends them)\n",
            c.changed
        ));
    }
    out
}

//! `music-gen batch` through the real binary against fake token and Vertex
//! servers: expansion, validation before any request, bounded concurrency,
//! a 429 storm, resume after a kill, Ctrl-C, failures, the JSON stream.

mod batch_support;
mod vertex_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use batch_support::{FakeState, FakeVertex, REFUSE, batch_file, tokens};
use serde_json::Value;
use vertex_support::{Fakes, files_in};

struct Setup {
    _rt: tokio::runtime::Runtime,
    fakes: Fakes,
    vertex: FakeVertex,
}

fn setup(delay_ms: u64, storm: usize) -> Setup {
    setup_with(FakeState {
        delay: Duration::from_millis(delay_ms),
        storm,
        ..FakeState::default()
    })
}

fn setup_with(state: FakeState) -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (fakes, vertex) = rt.block_on(async {
        let fakes = Fakes::start().await;
        tokens(&fakes.oauth).await;
        let vertex = FakeVertex::start_with(state).await;
        (fakes, vertex)
    });
    Setup {
        _rt: rt,
        fakes,
        vertex,
    }
}

impl Setup {
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.fakes.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn out(&self) -> PathBuf {
        self.fakes.out_dir()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.fakes.gcp_at(&self.vertex.uri);
        cmd.arg("batch").args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Takes recorded done in the journal so far.
    fn done_in_journal(&self, file: &str) -> usize {
        std::fs::read_to_string(self.out().join(format!("{file}.batch-journal.jsonl")))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"event\":\"done\""))
            .count()
    }

    fn report(&self, file: &str) -> Value {
        let text =
            std::fs::read_to_string(self.out().join(format!("{file}.batch-report.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect()
}

/// The takes' metadata files (not the batch's report).
fn takes_in(dir: &Path) -> Vec<PathBuf> {
    with_ext(dir, "json")
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".batch-report.json"))
        .collect()
}

/// No temporary or partial file is left in the output folder.
fn assert_no_partial_files(dir: &Path) {
    for p in files_in(dir) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".wav") || name.ends_with(".json") || name.ends_with(".jsonl"),
            "a stray file: {name}"
        );
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: a plain kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn vary_expands_to_the_product_and_a_dry_run_sends_nothing() {
    let s = setup(0, 0);
    let f = s.file(
        "album.yaml",
        "- name: sunrise\n  genre: ambient\n  text_input: morning\n  vary:\n    seed: [1, 2, 3, 4]\n    temperature: [0.5, 0.9]\n\
         - name: verses\n  preset: rock_anthem\n  text_input: loud\n  vary: {structure.verse_count: [1, 2]}\n",
    );
    let out = s.run(&[f.to_str().unwrap(), "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("10 takes, 10 to send for about $0.60"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[8/10] sunrise seed=4 temperature=0.9"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[10/10] verses structure.verse_count=2"),
        "{stdout}"
    );
    assert!(stdout.contains("Temperature: 0.9"), "{stdout}");
    assert!(stdout.contains("Dry run: nothing was sent."), "{stdout}");
    let out = s.run(&[f.to_str().unwrap(), "--dry-run", "--json"]);
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 11);
    assert_eq!(lines[0]["event"], "plan");
    assert_eq!(lines[10]["label"], "verses structure.verse_count=2");
    assert_eq!(s.vertex.requests(), 0);
    assert!(files_in(&s.out()).is_empty());
}

#[test]
fn every_job_is_checked_before_anything_is_sent() {
    let s = setup(0, 0);
    for (body, want) in [
        (
            "- {genre: rock, text_input: a}\n- {genre: rock, text_input: b}\n- {name: third, genre: rock, text_input: c, temperature: 3}\n",
            "job 3 (third): temperature:",
        ),
        (
            "- {genre: rock, text_input: a, temprature: 0.5}\n",
            "job 1: temprature: unknown field",
        ),
        (
            "- {genre: rock, text_input: a, vary: {seed: [1, 2]}, model: lyria-3-clip-preview}\n",
            "job 1:",
        ),
        ("- {genre: rock}\n", "job 1: text_input: is required"),
        ("- {preset: nope, text_input: a}\n", "job 1: preset:"),
        ("jobs: 3\n", "jobs: must be a list"),
        (
            "- {genre: rock, text_input: a, seed: 1, repeat: 2}\n",
            "job 1: repeat:",
        ),
    ] {
        let f = s.file("bad.yaml", body);
        let out = s.run(&[f.to_str().unwrap(), "--yes"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{body}: {err}");
        assert!(err.contains(want), "{body}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    assert_eq!(s.vertex.requests(), 0);
    assert!(files_in(&s.out()).is_empty());
}

#[test]
fn no_more_requests_in_flight_than_jobs_and_every_take_is_a_normal_take() {
    let s = setup(150, 0);
    let f = s.file("twelve.yaml", &batch_file(12));
    let out = s.run(&[f.to_str().unwrap(), "--jobs", "3", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(s.vertex.requests(), 12);
    assert_eq!(s.vertex.peak(), 3, "the bound is used and never passed");
    assert_eq!(with_ext(&s.out(), "wav").len(), 12);
    let takes = takes_in(&s.out());
    assert_eq!(takes.len(), 12);
    // Each take's metadata is the one `generate` writes.
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(&takes[0]).unwrap()).unwrap();
    assert_eq!(meta["status"], "completed");
    assert_eq!(meta["genre"], "synthwave");
    // The library lists the takes, and not the batch's report.
    let lib = music_gen::library::Library::open(&s.out()).unwrap();
    assert_eq!(lib.len(), 12);
    let report = s.report("twelve");
    assert_eq!(report["counts"]["done"], 12);
    assert_eq!(report["peak_in_flight"], 3);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("12 takes: 12 done"), "{stdout}");
    // Plain progress, a line per event, when stdout is not a terminal.
    assert_eq!(stdout.matches("started    t").count(), 12, "{stdout}");
    // Named in the plan's order, three finishing at a time in any order:
    // the folder lists take 1 to take 12.
    let mut takes = takes;
    takes.sort();
    for (i, t) in takes.iter().enumerate() {
        let meta: Value = serde_json::from_str(&std::fs::read_to_string(t).unwrap()).unwrap();
        assert_eq!(
            meta["track"]["text_input"],
            format!("take {}", i + 1),
            "{t:?}"
        );
        assert!(
            t.to_string_lossy()
                .ends_with(&format!("-synthwave-v{:02}.json", i + 1)),
            "{t:?}"
        );
    }
}

#[test]
fn a_429_storm_pauses_every_sender_and_attempts_stay_bounded() {
    // The first 4 requests get 429 with Retry-After: 1.
    let s = setup(50, 4);
    let f = s.file("storm.yaml", &batch_file(8));
    let out = s.run(&[f.to_str().unwrap(), "--jobs", "4", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(s.vertex.counts().len(), 8);
    assert!(s.vertex.counts().values().all(|&n| n == 1));
    // 8 answered + 4 throttled: nothing retried beyond what was refused.
    assert_eq!(s.vertex.requests(), 12);
    let arrivals = s.vertex.state.arrivals.lock().unwrap().clone();
    let first_429 = arrivals.iter().find(|(_, t)| *t).unwrap().0;
    for (at, throttled) in &arrivals {
        if !throttled {
            assert!(
                at.duration_since(first_429) >= Duration::from_millis(900),
                "a request went out during the shared pause"
            );
        }
    }
    let report = s.report("storm");
    assert!(report["throttled"].as_u64().unwrap() >= 1, "{report}");
    // A take waiting out the pause, or for the narrowed window, says so
    // (it said "getting an access token").
    let stdout = text(&out.stdout);
    assert!(stdout.contains(": queued: "), "{stdout}");
}

#[test]
fn a_batch_stopped_by_sigterm_resumes_to_completion_sending_each_take_once() {
    let s = setup(300, 0);
    let f = s.file("twenty.yaml", &batch_file(20));
    let child = s.spawn(&[f.to_str().unwrap(), "--jobs", "2", "--yes"]);
    wait_until("three takes done", Duration::from_secs(30), || {
        s.done_in_journal("twenty") >= 3
    });
    signal(&child, libc::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("not started"),
        "{}",
        text(&out.stdout)
    );
    assert_no_partial_files(&s.out());
    let first = s.vertex.requests();
    assert!(first < 20, "the batch stopped early: {first}");
    // The running takes finished: none is left uncertain.
    assert_eq!(s.done_in_journal("twenty"), first);

    let out = s.run(&[f.to_str().unwrap(), "--jobs", "2", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{first} already done")), "{err}");
    let counts = s.vertex.counts();
    assert_eq!(counts.len(), 20);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert_eq!(takes_in(&s.out()).len(), 20);
    assert_no_partial_files(&s.out());
}

#[test]
fn a_killed_batch_holds_back_what_may_have_been_billed() {
    // The third and fourth requests are still with "Google" at the kill.
    let s = setup_with(FakeState {
        delay: Duration::from_millis(50),
        hold: 2..4,
        ..FakeState::default()
    });
    let f = s.file("killed.yaml", &batch_file(6));
    let mut child = s.spawn(&[f.to_str().unwrap(), "--jobs", "2", "--yes"]);
    wait_until(
        "two done and two in flight",
        Duration::from_secs(30),
        || s.done_in_journal("killed") >= 2 && s.vertex.requests() >= 4,
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_no_partial_files(&s.out());

    // The two in flight at the kill are held back and named.
    let out = s.run(&[f.to_str().unwrap(), "--jobs", "2", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("2 sent by an earlier run without an answer"),
        "{err}"
    );
    assert!(
        err.contains("uncertain: t3") && err.contains("uncertain: t4"),
        "{err}"
    );
    let report = s.report("killed");
    let c = &report["counts"];
    assert_eq!(
        (
            c["skipped"].as_u64(),
            c["done"].as_u64(),
            c["uncertain"].as_u64()
        ),
        (Some(2), Some(2), Some(2)),
        "{report}"
    );
    assert_eq!(s.vertex.requests(), 6, "nothing sent twice");
    assert!(text(&out.stdout).contains("may have been billed"));

    // Asked to, it sends them again.
    let out = s.run(&[f.to_str().unwrap(), "--yes", "--resend-uncertain"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(s.vertex.requests(), 8);
    assert_eq!(takes_in(&s.out()).len(), 6);
}

#[test]
fn a_second_ctrl_c_cancels_running_takes_and_leaves_no_partial_files() {
    let s = setup(3000, 0);
    let f = s.file("slow.yaml", &batch_file(4));
    let child = s.spawn(&[f.to_str().unwrap(), "--jobs", "2", "--yes"]);
    wait_until("two requests in flight", Duration::from_secs(30), || {
        s.vertex.requests() >= 2
    });
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("cancelling 2 running take(s)"), "{stdout}");
    assert!(stdout.contains("cancelled"), "{stdout}");
    assert_eq!(s.vertex.requests(), 2);
    assert!(takes_in(&s.out()).is_empty());
    assert!(with_ext(&s.out(), "wav").is_empty());
    assert_no_partial_files(&s.out());
    let report = s.report("slow");
    assert_eq!(report["counts"]["cancelled"], 2);
    assert_eq!(report["counts"]["not_started"], 2);
    assert_eq!(report["stopped_by_signal"], 2);
}

#[test]
fn failures_exit_1_with_the_reason_and_a_rerun_sends_only_them() {
    let s = setup(0, 0);
    let f = s.file(
        "mixed.yaml",
        &format!(
            "- {{name: good, genre: rock, text_input: fine}}\n- {{name: bad, genre: rock, text_input: {REFUSE}}}\n- {{name: also, genre: rock, text_input: fine too}}\n"
        ),
    );
    let out = s.run(&[f.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("3 takes: 2 done"), "{stdout}");
    assert!(
        stdout.contains("failed bad: Vertex AI refused the request"),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("1 of 3 takes did not succeed"));
    let report = s.report("mixed");
    assert_eq!(report["takes"][1]["status"], "failed");
    assert_eq!(report["takes"][1]["billing"], "not_billed");

    let out = s.run(&[f.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let counts = s.vertex.counts();
    assert_eq!(counts["fine"], 1);
    assert_eq!(counts["fine too"], 1);
    assert_eq!(counts[REFUSE], 2, "a refusal was not billed: sent again");
}

#[test]
fn json_lines_stream_every_event() {
    let s = setup(0, 0);
    let f = s.file(
        "stream.json",
        r#"[{"genre": "rock", "text_input": "a", "repeat": 2}]"#,
    );
    let out = s.run(&[f.to_str().unwrap(), "--yes", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "plan");
    assert_eq!(*kinds.last().unwrap(), "summary");
    assert_eq!(kinds.iter().filter(|k| **k == "started").count(), 2);
    let finished: Vec<&Value> = events.iter().filter(|e| e["event"] == "finished").collect();
    assert_eq!(finished.len(), 2);
    assert_eq!(finished[0]["status"], "done");
    assert!(finished[0]["files"][0].as_str().unwrap().ends_with(".wav"));
    assert_eq!(events.last().unwrap()["counts"]["done"], 2);
}

#[test]
fn the_cost_is_confirmed_and_capped_before_anything_is_sent() {
    let s = setup(0, 0);
    let f = s.file("ten.yaml", &batch_file(10));
    // Unconfirmed is refused like a plan over budget (3), not a bad file (2).
    let out = s.run(&[f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains(
            "music-gen: not confirmed: 10 paid takes for about $0.60, and stdin is not a terminal \
             to ask on; pass --yes to send them; nothing was sent"
        ),
        "{}",
        text(&out.stderr)
    );
    // A refused plan exits 3: not a bad file (2), not a failed take (1).
    let out = s.run(&[f.to_str().unwrap(), "--yes", "--max-cost", "0.50"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("about $0.60, above --max-cost $0.50"),
        "{}",
        text(&out.stderr)
    );
    // A dry run shows the plan, says it would be refused and exits alike.
    for json in [false, true] {
        let mut args = vec![f.to_str().unwrap(), "--dry-run", "--max-cost", "0.5"];
        if json {
            args.push("--json");
        }
        let out = s.run(&args);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("above --max-cost $0.50; nothing was sent"),
            "{}",
            text(&out.stderr)
        );
        assert!(!text(&out.stdout).is_empty());
    }
    let out = s.run(&[f.to_str().unwrap(), "--dry-run", "--max-cost", "0.60"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(s.vertex.requests(), 0);
    // A batch on stdin without a terminal to ask on needs --yes too.
    let mut child = s
        .cmd(&["-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .setsid_if_possible()
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(batch_file(1).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("the jobs came on stdin with no terminal to ask on"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(s.vertex.requests(), 0);
}

trait Setsid {
    fn setsid_if_possible(&mut self) -> &mut Self;
}

impl Setsid for Command {
    /// No controlling terminal, so /dev/tty cannot be opened.
    fn setsid_if_possible(&mut self) -> &mut Self {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe.
        unsafe {
            self.pre_exec(|| {
                libc::setsid();
                Ok(())
            })
        }
    }
}

#[test]
fn a_take_whose_audio_was_overwritten_is_held_back_not_counted_done() {
    let s = setup(0, 0);
    let f = s.file("three.yaml", &batch_file(3));
    let file = f.to_str().unwrap();
    let out = s.run(&[file, "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let wavs = with_ext(&s.out(), "wav");
    assert_eq!(wavs.len(), 3);
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(wavs[0].with_extension("json")).unwrap())
            .unwrap();
    let label = format!("t{}", &meta["track"]["text_input"].as_str().unwrap()[5..]);
    // The same length, other bytes: only the digest tells.
    let len = std::fs::metadata(&wavs[0]).unwrap().len() as usize;
    std::fs::write(&wavs[0], vec![b'x'; len]).unwrap();

    // Billed once already: listed, not sent again, and the run is not a success.
    let out = s.run(&[file, "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("3 takes, 0 to send"), "{err}");
    assert!(err.contains("2 already done"), "{err}");
    assert!(
        err.contains("1 done (and billed) by an earlier run, but a file is missing or changed since: not sent again; --resend-changed sends them"),
        "{err}"
    );
    assert!(err.contains(&format!("changed: {label} (")), "{err}");
    assert_eq!(s.vertex.requests(), 3);
    let c = &s.report("three")["counts"];
    assert_eq!(
        (c["skipped"].as_u64(), c["changed"].as_u64()),
        (Some(2), Some(1)),
        "{c}"
    );
    assert!(text(&out.stdout).contains("--resend-changed sends them"));

    // Asked to, it makes that one again, and only that one.
    let out = s.run(&[file, "--yes", "--resend-changed"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(s.vertex.requests(), 4);
    assert_eq!(s.vertex.counts()[&format!("take {}", &label[1..])], 2);
    let out = s.run(&[file, "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("3 already done"));
    assert_eq!(s.vertex.requests(), 4);
}

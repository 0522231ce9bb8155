//! The settings view's "check set-up": the same checks as `music-gen
//! doctor`, run by the worker, their verdict and advice in the view.

mod tui_support;

use crossterm::event::KeyCode;
use music_gen::doctor::{Check, CheckName, Report, Status};
use music_gen::tui::state::SetupCheck;
use music_gen::tui::theme::Theme;
use music_gen::worker::{Event, Request};
use tui_support::*;

fn check(name: CheckName, status: Status, detail: &str, advice: Option<&str>) -> Check {
    Check {
        name,
        status,
        detail: detail.to_string(),
        advice: advice.map(str::to_string),
    }
}

fn failing_report() -> Report {
    Report {
        ok: false,
        checks: vec![
            check(
                CheckName::Credentials,
                Status::Pass,
                "service account",
                None,
            ),
            check(CheckName::Token, Status::Pass, "obtained", None),
            check(CheckName::Project, Status::Pass, "my-proj", None),
            check(
                CheckName::VertexApi,
                Status::Fail,
                "not enabled\u{1b}[2J",
                Some("gcloud services enable aiplatform.googleapis.com --project my-proj"),
            ),
            check(CheckName::Permission, Status::Skipped, "not checked", None),
            check(CheckName::ModelLocation, Status::Pass, "ok", None),
            check(CheckName::Folders, Status::Pass, "ok", None),
        ],
    }
}

fn checks_sent(worker: &FakeWorker) -> Vec<(u64, music_gen::doctor::Subject)> {
    worker
        .sent
        .iter()
        .filter_map(|(id, r)| match r {
            Request::CheckSetup(s) => Some((*id, (**s).clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn check_setup_runs_in_the_worker_and_shows_the_advice() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[
            key(KeyCode::Char('o')),
            key(KeyCode::Down),
            key(KeyCode::Enter),
        ],
    );
    type_text(&mut state, &mut worker, "my-proj\n");
    let before = screen(&state, 80, 24);
    assert!(before.contains("c checks these settings"), "{before}");
    // Once "Settings saved" fades, the footer has the keys again.
    state.fade_notice(std::time::Duration::from_secs(3600));
    let before = screen(&state, 80, 24);
    assert!(
        before.contains("check set-up"),
        "the footer names the key: {before}"
    );

    press(&mut state, &mut worker, &[key(KeyCode::Char('c'))]);
    let sent = checks_sent(&worker);
    assert_eq!(sent.len(), 1);
    let (id, subject) = &sent[0];
    assert_eq!(subject.project.as_deref(), Some("my-proj"));
    assert_eq!(subject.location, state.settings.key.location);
    assert_eq!(subject.output_dir, paths().output_dir);
    assert!(screen(&state, 80, 24).contains("checking…"));

    assert!(state.on_event(
        Event::SetupChecked {
            id: *id,
            report: failing_report(),
        },
        &mut worker,
    ));
    let after = screen(&state, 80, 24);
    assert!(after.contains("✗ gcp mode would not work yet"), "{after}");
    assert!(after.contains("✗ Vertex AI API: not enabled"), "{after}");
    assert!(after.contains("gcloud services enable"), "{after}");
    assert!(after.contains("1 more checked once"), "{after}");
    assert!(!after.contains('\u{1b}'), "{after:?}");
    // The whole view fits 80×24: its keys line is still on screen.
    assert!(after.contains("close"), "{after}");
}

#[test]
fn a_changed_setting_makes_the_check_stale() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('o')), key(KeyCode::Char('c'))],
    );
    let (id, _) = checks_sent(&worker)[0].clone();
    // The mode is switched before the answer: the answer is for settings
    // no longer shown, and is dropped.
    press(&mut state, &mut worker, &[key(KeyCode::Right)]);
    assert!(matches!(state.setup_check, SetupCheck::NotRun));
    let redraw = state.on_event(
        Event::SetupChecked {
            id,
            report: failing_report(),
        },
        &mut worker,
    );
    assert!(!redraw);
    assert!(matches!(state.setup_check, SetupCheck::NotRun));
}

#[test]
fn a_check_that_ends_after_the_view_closed_says_so_in_the_status_line() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[
            key(KeyCode::Char('o')),
            key(KeyCode::Char('c')),
            key(KeyCode::Esc),
        ],
    );
    let (id, _) = checks_sent(&worker)[0].clone();
    state.on_event(
        Event::SetupChecked {
            id,
            report: failing_report(),
        },
        &mut worker,
    );
    let notice = state
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("would not work yet"), "{notice}");
}

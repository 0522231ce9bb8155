//! "Generate N variations" in the TUI: `v` opens a popup for the form's
//! track (how many, seeds or a temperature range, the plan and the total),
//! Enter queues every take as a normal generation through one shared
//! limiter; in gcp mode the total is confirmed first, as `g` does for one.

mod tui_support;

use crossterm::event::KeyCode;
use music_gen::generate::{Job, Mode};
use music_gen::tui::state::AppState;
use music_gen::tui::state::popup::{Confirm, Popup};
use music_gen::tui::state::variations::{IN_FLIGHT, Vary};
use music_gen::tui::theme::Theme;
use music_gen::worker::Request;
use tui_support::*;

/// The generate requests sent so far, in order.
fn jobs(worker: &FakeWorker) -> Vec<Job> {
    worker
        .sent
        .iter()
        .filter_map(|(_, r)| match r {
            Request::Generate(job) => Some((**job).clone()),
            _ => None,
        })
        .collect()
}

fn gcp(worker: &mut FakeWorker) -> AppState {
    let mut state = started(worker, Theme::PLAIN);
    state.settings.key.mode = Mode::Gcp;
    state.settings.key.project = Some("my-project".to_string());
    state
}

#[test]
fn four_seeds_by_default_each_a_normal_take_under_one_limiter() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::PLAIN);
    press(&mut state, &mut worker, &[key(KeyCode::Char('v'))]);
    let Some(Popup::Variations(v)) = state.popups.last() else {
        panic!("no popup: {:?}", state.popups);
    };
    assert_eq!((v.count, v.vary), (4, Vary::Seed));
    assert!(jobs(&worker).is_empty(), "nothing sent before Enter");
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert!(state.popups.is_empty());
    let sent = jobs(&worker);
    let seeds: Vec<Option<u64>> = sent.iter().map(|j| j.track.seed).collect();
    assert_eq!(seeds, [Some(1), Some(2), Some(3), Some(4)]);
    let limiter = sent[0].settings.limiter.clone().expect("a limiter");
    assert!(
        sent.iter()
            .all(|j| j.settings.limiter.as_ref() == Some(&limiter))
    );
    assert_eq!(limiter.snapshot().ceiling, IN_FLIGHT);
    for j in &sent {
        let mut track = j.track.clone();
        track.seed = None;
        assert_eq!(track, *state.form.track(), "only the seed differs");
        assert_eq!(j.settings.output, state.output());
    }
    assert_eq!(
        state.log.entries().count(),
        4,
        "each one in the Generations pane"
    );
    assert!(state.notice.as_ref().unwrap().text.contains("4 variations"));
    // Named as they are sent, in seed order: one time and genre, -v1 to -v4.
    let names: Vec<String> = sent
        .iter()
        .map(|j| j.settings.name.clone().unwrap())
        .collect();
    let base = names[0].strip_suffix("-v1").expect("numbered from 1");
    assert!(base.ends_with("-classical"), "{base}");
    for (i, n) in names.iter().enumerate() {
        assert_eq!(*n, format!("{base}-v{}", i + 1));
    }
}

#[test]
fn temperatures_over_a_range_with_the_plan_shown() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::PLAIN);
    let right = key(KeyCode::Right);
    let down = key(KeyCode::Down);
    // Takes 4 → 5; Vary → temperature; From down twice; To up once.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('v')), right, down, right, down],
    );
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Left), key(KeyCode::Left), down, right],
    );
    let Some(Popup::Variations(v)) = state.popups.last() else {
        panic!("no popup");
    };
    let (from, to) = (v.from, v.to);
    assert_eq!(v.count, 5);
    assert_eq!(v.vary, Vary::Temperature);
    let shown = screen(&state, 80, 24);
    assert!(shown.contains("5 takes, temperatures"), "{shown}");
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    let temps: Vec<f64> = jobs(&worker).iter().map(|j| j.track.temperature).collect();
    assert_eq!(temps.len(), 5);
    assert_eq!((temps[0], temps[4]), (from, to));
    assert!(temps.windows(2).all(|w| w[0] < w[1]), "{temps:?}");
    assert!(
        jobs(&worker)
            .iter()
            .all(|j| j.track.seed == state.form.track().seed)
    );
}

#[test]
fn gcp_mode_asks_with_the_total_and_no_sends_nothing() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = gcp(&mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Char('v'))]);
    insta::assert_snapshot!("variations_gcp_80x24", screen(&state, 80, 24));
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    let Some(Popup::Confirm(Confirm::SpendMany {
        jobs: planned,
        each,
    })) = state.popups.last()
    else {
        panic!("no cost confirmation: {:?}", state.popups);
    };
    assert_eq!(planned.len(), 4);
    assert_eq!(each.total_display(), "$0.0600");
    insta::assert_snapshot!("variations_confirm_80x24", screen(&state, 80, 24));
    press(&mut state, &mut worker, &[key(KeyCode::Char('n'))]);
    assert!(jobs(&worker).is_empty());
    assert!(state.popups.is_empty());

    press(
        &mut state,
        &mut worker,
        &[
            key(KeyCode::Char('v')),
            key(KeyCode::Enter),
            key(KeyCode::Char('y')),
        ],
    );
    assert_eq!(jobs(&worker).len(), 4);
    assert_eq!(state.log.entries().count(), 4);
}

#[test]
fn a_form_that_cannot_be_sent_opens_no_popup() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::PLAIN);
    press(&mut state, &mut worker, &[key(KeyCode::Char('n'))]);
    press(&mut state, &mut worker, &[key(KeyCode::Char('v'))]);
    assert!(state.popups.is_empty(), "{:?}", state.popups);
    assert!(state.notice.as_ref().unwrap().text.starts_with("Not sent"));

    // Seeds cannot go with several samples: Enter says which take and why.
    let mut state = started(&mut worker, Theme::PLAIN);
    let mut track = state.form.track().clone();
    track.sample_count = Some(2);
    state.form.restore(track, None);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('v')), key(KeyCode::Enter)],
    );
    let Some(Popup::Variations(v)) = state.popups.last() else {
        panic!("the popup closed");
    };
    assert!(
        v.error.as_deref().unwrap().starts_with("take 1: seed"),
        "{:?}",
        v.error
    );
    assert!(jobs(&worker).is_empty());
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert!(state.popups.is_empty());
}

//! Nothing typed is lost: drafts written a moment after typing stops and
//! restored at the next start; `n` and loading a preset over edits ask.

mod tui_support;

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::KeyCode;
use music_gen::domain::drafts::{Draft, FoundDraft};
use music_gen::domain::model::TrackConfig;
use music_gen::generate::GenerationSettings;
use music_gen::tui::state::popup::{Confirm, Discard, Popup};
use music_gen::tui::state::{AppState, Focus};
use music_gen::tui::theme::Theme;
use tui_support::*;

/// Focus the lyrics, open the editor and type.
fn write_lyrics(state: &mut AppState, worker: &mut FakeWorker, text: &str) {
    state.focus = Focus::Lyrics;
    press(state, worker, &[key(KeyCode::Enter)]);
    type_text(state, worker, text);
    press(state, worker, &[key(KeyCode::Esc)]);
}

#[test]
fn a_clean_start_writes_no_draft() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    assert_eq!(state.draft_due(), None);
    assert_eq!(state.flush_draft(&mut worker, true), None);
    assert!(drafts_sent(&worker).is_empty());
}

#[test]
fn typing_makes_a_draft_due_a_moment_later_and_each_key_moves_it() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.clock = Duration::from_secs(10);
    write_lyrics(&mut state, &mut worker, "Neon");
    let first = state.draft_due().expect("a write is due");
    assert!(first > Duration::from_secs(10));
    state.clock = Duration::from_secs(11);
    write_lyrics(&mut state, &mut worker, " dreams");
    assert!(state.draft_due().unwrap() > first, "typing pushes it back");
    assert!(
        drafts_sent(&worker).is_empty(),
        "nothing written while typing"
    );

    assert!(state.flush_draft(&mut worker, false).is_some());
    settle(&mut state, &mut worker);
    let sent = drafts_sent(&worker);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].track.text_input, "Neon dreams");
    assert_eq!(
        sent[0].source.as_ref().unwrap().name,
        "classical_orchestral"
    );
    assert_eq!(state.draft_due(), None);
    // Unchanged since: no second write, until the quit, which always
    // leaves this session's draft the newest.
    assert_eq!(state.flush_draft(&mut worker, false), None);
    assert!(state.flush_draft(&mut worker, true).is_some());
    assert_eq!(drafts_sent(&worker).len(), 2);
}

#[test]
fn every_draft_goes_to_the_sessions_own_file() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    let other = started(&mut FakeWorker::new(&[]), Theme::COLOR);
    assert_ne!(state.draft.path, other.draft.path, "two TUIs, two files");
    write_lyrics(&mut state, &mut worker, "mine");
    state.flush_draft(&mut worker, true);
    let paths: Vec<PathBuf> = worker
        .sent
        .iter()
        .filter_map(|(_, r)| match r {
            music_gen::worker::Request::SaveDraft { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(paths, vec![state.draft.path.clone()]);
    assert!(paths[0].starts_with(paths_drafts_dir()));
}

fn paths_drafts_dir() -> PathBuf {
    paths().drafts_dir
}

#[test]
fn the_newest_draft_is_restored_instead_of_the_first_preset() {
    let mut worker = FakeWorker::new(&[]);
    let mut source = {
        let mut w = FakeWorker::new(&[]);
        let s = started(&mut w, Theme::COLOR);
        s.form.source().unwrap().clone()
    };
    source.name = "rock_anthem".to_string();
    let mut track = TrackConfig::new("[Verse]\nStill here\n", "rock");
    track.temperature = 0.3;
    worker.draft = Some(FoundDraft {
        path: PathBuf::from("/tmp/draft-1-1.json"),
        draft: Draft::new(track.clone(), Some(source)),
        saved_at: "14:02".to_string(),
    });
    let mut state = AppState::new(GenerationSettings::default(), paths(), Theme::COLOR);
    state.start(&mut worker);
    settle(&mut state, &mut worker);

    assert_eq!(*state.form.track(), track, "the whole form, lyrics and all");
    assert_eq!(
        state.form.lyrics().lines().len(),
        3,
        "the last empty line too"
    );
    assert_eq!(state.form.source().unwrap().name, "rock_anthem");
    assert_eq!(state.presets.selected().unwrap().name, "rock_anthem");
    assert!(state.form.is_modified());
    assert_eq!(
        state.notice.as_ref().unwrap().text,
        "Restored your draft from 14:02"
    );
    let wide = screen(&state, 120, 40);
    assert!(wide.contains("Track · rock_anthem (modified)"), "{wide}");
    let small = screen(&state, 80, 24);
    assert!(small.contains("Track · rock_anthem *"), "{small}");
    // Carried on into this session's own file at once.
    assert!(state.draft_due().is_some());
}

#[test]
fn new_track_over_work_asks_and_no_keeps_everything() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    write_lyrics(&mut state, &mut worker, "keep me");
    press(&mut state, &mut worker, &[key(KeyCode::Char('n'))]);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::Discard(Discard::NewTrack)))
    ));
    press(&mut state, &mut worker, &[key(KeyCode::Char('n'))]);
    assert!(state.popups.is_empty());
    assert_eq!(state.form.track().text_input, "keep me");

    press(&mut state, &mut worker, &[key(KeyCode::Char('n'))]);
    press(&mut state, &mut worker, &[key(KeyCode::Char('y'))]);
    assert_eq!(state.form.track().text_input, "");
    assert!(state.form.source().is_none());
}

#[test]
fn new_track_on_an_untouched_preset_does_not_ask() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('n'))]);
    assert!(state.popups.is_empty());
    assert!(state.form.source().is_none());
}

#[test]
fn loading_a_preset_over_edits_asks_first() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    // Temperature is the eighth row of the form.
    state.focus = Focus::Form;
    press(&mut state, &mut worker, &[key(KeyCode::Down); 7]);
    press(&mut state, &mut worker, &[key(KeyCode::Right)]);
    assert!(state.form.is_modified());
    let edited = state.form.track().clone();

    state.focus = Focus::Presets;
    press(&mut state, &mut worker, &[key(KeyCode::Char('j')); 4]);
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::Discard(Discard::Load(name)))) if name == "rock_anthem"
    ));
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert_eq!(*state.form.track(), edited, "no: nothing changes");

    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Enter), key(KeyCode::Char('y'))],
    );
    assert_eq!(state.form.source().unwrap().name, "rock_anthem");
    assert!(!state.form.is_modified());
}

//! A gcp generation cancelled after its request left for Vertex AI may be
//! billed anyway: the TUI says so when the cancel is asked for, on the
//! log entry and in its details. Before it was sent, a cancel costs nothing
//! and says nothing of billing.

mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use music_gen::domain::model::Model;
use music_gen::generate::{Mode, Stage};
use music_gen::tui::state::log::EntryState;
use music_gen::tui::state::{AppState, Focus};
use music_gen::tui::theme::Theme;
use music_gen::worker::Event;
use tui_support::*;

const WARNING: &str = "may have been billed";

/// A gcp generation confirmed and running, the log focused.
fn gcp_generation() -> (AppState, FakeWorker, u64) {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.settings.key.mode = Mode::Gcp;
    state.settings.key.project = Some("p".to_string());
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('g')), key(KeyCode::Char('y'))],
    );
    let id = worker.generations()[0];
    assert!(state.on_event(Event::Started { id }, &mut worker));
    press(&mut state, &mut worker, &[key(KeyCode::BackTab)]);
    assert_eq!(state.focus, Focus::Log);
    (state, worker, id)
}

fn sending(id: u64) -> Event {
    Event::Progress {
        id,
        stage: Stage::Sending {
            model: Model::Lyria2,
            location: "us-central1".to_string(),
            attempt: 1,
            of: 4,
        },
    }
}

#[test]
fn cancelled_after_sending_warns_of_billing() {
    let (mut state, mut worker, id) = gcp_generation();
    assert!(state.on_event(sending(id), &mut worker));
    press(&mut state, &mut worker, &[key(KeyCode::Char('c'))]);
    let notice = state.notice.as_ref().unwrap().text.clone();
    assert!(notice.contains("may be billed"), "{notice}");

    state.clock = Duration::from_secs(4);
    assert!(state.on_event(Event::Cancelled { id }, &mut worker));
    assert!(matches!(
        state.log.entries().next().unwrap().state,
        EntryState::Cancelled {
            may_be_billed: true,
            ..
        }
    ));
    let screen = screen(&state, 80, 24);
    assert!(screen.contains(WARNING), "{screen}");
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    let details = tui_support::screen(&state, 80, 24);
    assert!(details.contains(WARNING), "{details}");
}

#[test]
fn cancelled_before_sending_says_nothing_of_billing() {
    let (mut state, mut worker, id) = gcp_generation();
    // Still getting a token: nothing has left.
    let auth = Event::Progress {
        id,
        stage: Stage::Authenticating,
    };
    state.on_event(auth, &mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Char('c'))]);
    let notice = state.notice.as_ref().unwrap().text.clone();
    assert!(!notice.contains("billed"), "{notice}");
    assert!(state.on_event(Event::Cancelled { id }, &mut worker));
    assert!(matches!(
        state.log.entries().next().unwrap().state,
        EntryState::Cancelled {
            may_be_billed: false,
            ..
        }
    ));
    assert!(!screen(&state, 80, 24).contains(WARNING));
}

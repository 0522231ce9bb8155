//! Control characters in a preset's genre and description (a file, or a
//! track sent to the HTTP API, which accepts them as the Python tool does)
//! are shown as escapes in every pane, never passed to the terminal: no
//! escape sequence, bell or bidirectional override reaches a cell.

mod tui_support;

use crossterm::event::KeyCode;
use music_gen::tui::keymap::Context;
use music_gen::tui::state::AppState;
use music_gen::tui::theme::Theme;
use music_gen::worker::Event;
use tui_support::*;

/// Sorts after the built-ins' names; its genre holds ESC, BEL, a tab and a
/// right-to-left override.
const HOSTILE_PRESET: &str = "name: zz_hostile\ndescription: \"d\\e]0;pwned\\a \\u202Eevil\"\ngenre: \"ro\\e[31mck\\tpop\\u202E\"\n";

fn hostile_state(worker: &mut FakeWorker) -> AppState {
    let mut state = started(worker, Theme::COLOR);
    let mut keys = vec![key(KeyCode::Down); 6];
    keys.push(key(KeyCode::Enter));
    press(&mut state, worker, &keys);
    assert_eq!(state.form.source().unwrap().name, "zz_hostile");
    press(&mut state, worker, &[key(KeyCode::Char('g'))]);
    let id = worker.generations()[0];
    state.on_event(Event::Started { id }, worker);
    let result = Box::new(simulated_result(&state));
    state.on_event(Event::Generated { id, result }, worker);
    state
}

fn cells(state: &AppState, width: u16, height: u16) -> Vec<String> {
    let terminal = render(state, width, height);
    let buffer = terminal.backend().buffer();
    buffer
        .content
        .iter()
        .map(|c| c.symbol().to_string())
        .collect()
}

fn assert_safe(state: &AppState, width: u16, height: u16) {
    for c in cells(state, width, height) {
        assert!(
            !c.chars()
                .any(|ch| ch.is_control() || ('\u{202A}'..='\u{202E}').contains(&ch)),
            "{c:?} reached a cell:\n{}",
            screen(state, width, height)
        );
    }
}

#[test]
fn a_hostile_genre_is_shown_escaped_in_the_form_details_prompt_and_log() {
    let mut worker = FakeWorker::new(&[("zz_hostile", HOSTILE_PRESET)]);
    let state = hostile_state(&mut worker);
    for (w, h) in [(80, 24), (120, 40)] {
        assert_safe(&state, w, h);
    }
    let shown = screen(&state, 120, 40);
    // The form's value, the prompt preview and the log row.
    assert!(shown.contains("ro\\x1B[31mck\\x09pop"), "{shown}");
    // The prompt preview: its tab is whitespace there, as in lyrics.
    assert!(
        shown.contains("Generate a ro\\x1B[31mck    pop\\u{202E}"),
        "{shown}"
    );
    assert!(shown.contains("d\\x1B]0;pwned\\x07"), "{shown}");
    assert!(
        !shown.contains("ro[31m"),
        "an escape's visible rest alone: {shown}"
    );
}

#[test]
fn the_generation_details_show_the_genre_escaped() {
    let mut worker = FakeWorker::new(&[("zz_hostile", HOSTILE_PRESET)]);
    let mut state = hostile_state(&mut worker);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('5')), key(KeyCode::Enter)],
    );
    assert_eq!(state.context(), Context::Details);
    assert_safe(&state, 80, 24);
    let shown = screen(&state, 80, 24);
    // Wrapped at words, the tab a space.
    assert!(
        shown.contains("Genre     ro\\x1B[31mck pop\\u{202E}"),
        "{shown}"
    );
}

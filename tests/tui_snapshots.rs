//! Whole-screen snapshots of the terminal UI at 80×24 and 120×40.

mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use music_gen::tui::state::AppState;
use music_gen::tui::theme::Theme;
use music_gen::worker::Event;
use ratatui::style::Color;
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snapshot(name: &str, state: &AppState) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(state, w, h));
    }
}

const BROKEN: &str = "name: broken_one\ngenre: rock\ntemperature: 5\n";

fn lyrics() -> &'static str {
    "City lights are calling\nWe ride until the dawn"
}

/// Started, with lyrics typed and the focus back on the preset list.
fn with_lyrics(worker: &mut FakeWorker) -> AppState {
    let mut state = started(worker, Theme::COLOR);
    state.form.set_lyrics(lyrics());
    state
}

#[test]
fn main_screen() {
    let mut worker = FakeWorker::new(&[]);
    let state = with_lyrics(&mut worker);
    snapshot("main", &state);
}

#[test]
fn help_popup() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('?'))]);
    snapshot("help", &state);
}

#[test]
fn help_search() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('?')), key(KeyCode::Char('/'))],
    );
    type_text(&mut state, &mut worker, "lyrics");
    snapshot("help_search", &state);
}

#[test]
fn validation_error_at_its_field() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = with_lyrics(&mut worker);
    // Form, down to Duration, type 300.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Tab), key(KeyCode::Down), key(KeyCode::Enter)],
    );
    press(&mut state, &mut worker, &[ctrl('u')]);
    type_text(&mut state, &mut worker, "300\n");
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    snapshot("validation_error", &state);
}

#[test]
fn running_generation() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = with_lyrics(&mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    let id = worker.generations()[0];
    state.clock = Duration::from_secs(2);
    state.on_event(Event::Started { id }, &mut worker);
    state.tick(Duration::from_secs(7));
    snapshot("running", &state);
}

#[test]
fn finished_generation() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = with_lyrics(&mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    let id = worker.generations()[0];
    state.on_event(Event::Started { id }, &mut worker);
    state.clock = Duration::from_secs(1);
    let result = Box::new(simulated_result(&state));
    state.on_event(Event::Generated { id, result }, &mut worker);
    snapshot("finished", &state);
}

#[test]
fn broken_preset_is_marked_with_its_reason() {
    let mut worker = FakeWorker::new(&[("broken_one", BROKEN)]);
    let mut state = started(&mut worker, Theme::COLOR);
    // broken_one sorts first but is skipped for the form; select it.
    press(&mut state, &mut worker, &[key(KeyCode::Up)]);
    snapshot("broken_preset", &state);
}

#[test]
fn below_40x12_says_too_small_and_no_size_panics() {
    let mut worker = FakeWorker::new(&[]);
    let state = started(&mut worker, Theme::COLOR);
    for w in 1..=81 {
        for h in [1, 2, 5, 11, 12, 23, 24] {
            let text = screen(&state, w, h);
            let small = w < 40 || h < 12;
            if small && w >= 30 && h >= 5 {
                assert!(text.contains("too small"), "{w}x{h}:\n{text}");
            }
            if !small {
                assert!(!text.contains("too small"), "{w}x{h}");
            }
        }
    }
    insta::assert_snapshot!("too_small_39x11", screen(&state, 39, 11));
}

/// Below 80×24, one pane at a time under a tab bar; the keys switch it.
#[test]
fn compact_layout_shows_the_focused_pane_under_tabs() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = with_lyrics(&mut worker);
    for (w, h) in [(60, 20), (40, 12)] {
        insta::assert_snapshot!(format!("compact_presets_{w}x{h}"), screen(&state, w, h));
    }
    press(&mut state, &mut worker, &[key(KeyCode::Char('3'))]);
    for (w, h) in [(60, 20), (40, 12)] {
        insta::assert_snapshot!(format!("compact_lyrics_{w}x{h}"), screen(&state, w, h));
    }
    press(&mut state, &mut worker, &[key(KeyCode::Char('l'))]);
    for (w, h) in [(60, 20), (40, 12)] {
        insta::assert_snapshot!(format!("compact_prompt_{w}x{h}"), screen(&state, w, h));
    }
}

/// `z` shows the lyrics editor full screen at 80×24.
#[test]
fn zoomed_lyrics_at_80x24() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = with_lyrics(&mut worker);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('3')), key(KeyCode::Char('z'))],
    );
    insta::assert_snapshot!("zoom_lyrics_80x24", screen(&state, 80, 24));
}

#[test]
fn only_the_16_ansi_colours_and_none_with_no_color() {
    let mut worker = FakeWorker::new(&[("broken_one", BROKEN)]);
    for theme in [Theme::COLOR, Theme::PLAIN] {
        let mut state = started(&mut worker, theme);
        press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
        let terminal = render(&state, 120, 40);
        let mut coloured = 0;
        for cell in terminal.backend().buffer().content() {
            for c in [cell.fg, cell.bg] {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{c:?} is not one of the 16 ANSI colours"
                );
                if c != Color::Reset {
                    coloured += 1;
                }
            }
        }
        if theme.has_color() {
            assert!(coloured > 0, "the colour theme uses colour");
        } else {
            assert_eq!(coloured, 0, "NO_COLOR means no colour at all");
        }
    }
}

#[test]
fn generation_details_popup() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = with_lyrics(&mut worker);
    lyria3_generation(&mut state, &mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    insta::assert_snapshot!("details_80x24", screen(&state, 80, 24));
}

/// The settings view fits at 80×24 and 60×20, between the status bar
/// and the footer, whose keys stay in sight; a small screen drops the
/// paths, never a setting or the set-up check.
#[test]
fn settings_at_80x24_and_60x20() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('o'))]);
    for (w, h) in [(80, 24), (60, 20)] {
        let shown = screen(&state, w, h);
        let rows: Vec<&str> = shown.lines().collect();
        assert!(rows[0].contains("music-gen"), "{shown}");
        let keys = if w == 80 {
            "c check set-up"
        } else {
            "Esc close"
        };
        assert!(rows[rows.len() - 1].contains(keys), "{shown}");
        for needed in ["Mode", "Default model", "Built-ins", "Set-up check"] {
            assert!(shown.contains(needed), "{needed:?} missing:\n{shown}");
        }
        assert_eq!(shown.contains("Config file"), w == 80, "{shown}");
        insta::assert_snapshot!(format!("settings_{w}x{h}"), shown);
    }
}

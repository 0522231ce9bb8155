//! Wide characters (CJK, emoji) take two columns: lyrics, preset names and
//! genres written in them stay inside their panes, lined up, at every size.

mod tui_support;

use crossterm::event::KeyCode;
use music_gen::tui::state::AppState;
use music_gen::tui::theme::Theme;
use music_gen::worker::Event;
use tui_support::*;
use unicode_width::UnicodeWidthStr;

const WIDE_PRESET: &str = "name: yozora\ndescription: 東京の夜に響くシティポップ、きらめくシンセと温かいベース 🌃🎹\ngenre: シティポップ 🎸\n";

const LYRICS: &str = "夜空に浮かぶ星たちよ、どうか私の願いを聞いて 🌟✨\n\
    Neon 🌃 lights — 僕らは走り続ける、朝が来るまで止まらない 🚗💨\n\
    사랑해요 🎶 끝까지 함께 가요";

/// The screen as text, a wide character once (not followed by the blank
/// cell it covers), so each row reads as the terminal shows it.
fn screen(state: &AppState, width: u16, height: u16) -> String {
    let terminal = render(state, width, height);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < width {
                let symbol = buffer[(x, y)].symbol();
                row.push_str(symbol);
                x += symbol.width().max(1) as u16;
            }
            row
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn wide_state(worker: &mut FakeWorker) -> AppState {
    let mut state = started(worker, Theme::COLOR);
    // The wide preset sorts after the five built-ins: select and load it.
    let mut keys = vec![key(KeyCode::Down); 6];
    keys.push(key(KeyCode::Enter));
    press(&mut state, worker, &keys);
    state.form.set_lyrics(LYRICS);
    // And one finished generation, so the log shows it.
    press(&mut state, worker, &[key(KeyCode::Char('g'))]);
    let id = worker.generations()[0];
    state.on_event(Event::Started { id }, worker);
    let result = Box::new(simulated_result(&state));
    state.on_event(Event::Generated { id, result }, worker);
    state
}

/// Every row is as wide as the terminal, and every pane's side borders are
/// whole from its top corner to its bottom one: a wide character drawn
/// over a border would leave a gap.
fn assert_fits(state: &AppState, width: u16, height: u16) {
    let text = screen(state, width, height);
    for (i, row) in text.lines().enumerate() {
        assert_eq!(
            row.width(),
            usize::from(width),
            "row {i} overflows or falls short:\n{text}"
        );
    }
    let terminal = render(state, width, height);
    let buffer = terminal.backend().buffer();
    for x in 0..width {
        for y in 0..height {
            let sides: [&str; 3] = match buffer[(x, y)].symbol() {
                "┌" => ["└", "│", "├"],
                "┐" => ["┘", "│", "┤"],
                "┏" => ["┗", "┃", "┣"],
                "┓" => ["┛", "┃", "┫"],
                _ => continue,
            };
            for below in y + 1..height {
                let s = buffer[(x, below)].symbol();
                if s == sides[0] {
                    break;
                }
                // A pane that scrolls draws its scrollbar (track ║, thumb █)
                // over its right border.
                let scrollbar =
                    matches!(buffer[(x, y)].symbol(), "┐" | "┓") && matches!(s, "║" | "█");
                assert!(
                    sides[1..].contains(&s) || scrollbar,
                    "border broken at {x},{below} ({s:?}):\n{text}"
                );
            }
        }
    }
}

#[test]
fn wide_lyrics_and_names_stay_in_their_panes() {
    let mut worker = FakeWorker::new(&[("yozora", WIDE_PRESET)]);
    let state = wide_state(&mut worker);
    for (w, h) in [(80, 24), (120, 40)] {
        assert_fits(&state, w, h);
        insta::assert_snapshot!(format!("wide_text_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn wide_text_never_overflows_at_any_width() {
    let mut worker = FakeWorker::new(&[("yozora", WIDE_PRESET)]);
    let state = wide_state(&mut worker);
    for w in 80..=140 {
        assert_fits(&state, w, 30);
    }
}

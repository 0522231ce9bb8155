//! The library of takes in the TUI, driven by keys against real takes on
//! disk (real WAV files, metadata written by the real save path): listing
//! beside the session, filter and sort, details with the waveform, edit,
//! re-run, play, open, copy, delete, compare, the folder watch; snapshots
//! at 80×24 and smaller.

mod audio_support;
mod take_support;
mod tui_support;

use std::path::Path;
use std::time::Duration;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use music_gen::domain::model::Model;
use music_gen::generate::{GenerationSettings, Mode, OutputTarget};
use music_gen::library::{Sort, TakeState};
use music_gen::player::PlayerError;
use music_gen::tui::state::history::Row;
use music_gen::tui::state::library::FIRST_PAGE;
use music_gen::tui::state::popup::{Confirm, Popup};
use music_gen::tui::state::{AppState, Focus, NoticeKind, Paths};
use music_gen::tui::theme::Theme;
use music_gen::worker::{Event, Request, RequestId, WorkerError};
use take_support::{TakeSpec, save};
use tui_support::{FakeWorker, key, press, screen, settle, type_text};

/// A folder of its own per test, removed when the test ends; no snapshot
/// shows its path.
fn folder(test: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("music-gen-tui-library-{test}-"))
        .tempdir()
        .unwrap()
}

/// Three takes: a loud jazz take with audio (newest), a simulated rock
/// take, and an older jazz take with another seed and temperature.
fn three_takes(dir: &Path) {
    save(dir, TakeSpec::default());
    save(
        dir,
        TakeSpec {
            stem: "20261128-090000-rock",
            genre: "rock",
            words: "Engines roar and the highway sings",
            preset: Some("rock_anthem"),
            audio: None,
            ..TakeSpec::default()
        },
    );
    save(
        dir,
        TakeSpec {
            stem: "20261127-183000-jazz",
            seed: Some(7),
            temperature: 0.9,
            ..TakeSpec::default()
        },
    );
}

fn paths(out: &Path) -> Paths {
    Paths {
        output_dir: out.to_path_buf(),
        ..tui_support::paths()
    }
}

/// The app as it opens on `out`, the Generations pane focused.
fn opened(worker: &mut FakeWorker, out: &Path) -> AppState {
    let mut state = AppState::new(GenerationSettings::default(), paths(out), Theme::PLAIN);
    state.start(worker);
    settle(&mut state, worker);
    press(&mut state, worker, &[key(KeyCode::Char('5'))]);
    assert_eq!(state.focus, Focus::Log);
    state
}

fn ch(c: char) -> crossterm::event::KeyEvent {
    key(KeyCode::Char(c))
}

fn ids(state: &AppState) -> Vec<String> {
    state
        .history_rows()
        .iter()
        .map(|r| match r {
            Row::Session(e) => format!("#{}", e.number),
            Row::Take(t) => t.id.to_string(),
        })
        .collect()
}

fn last_request(worker: &FakeWorker) -> &Request {
    &worker.sent.last().expect("a request").1
}

fn request_id(worker: &FakeWorker, pick: impl Fn(&Request) -> bool) -> RequestId {
    worker
        .sent
        .iter()
        .rev()
        .find(|(_, r)| pick(r))
        .map(|(id, _)| *id)
        .expect("the request was sent")
}

/// Replaces the test's folder path, which differs by machine, in a screen.
fn redact(screen: &str, out: &Path) -> String {
    screen.replace(&out.display().to_string(), "/out")
}

#[test]
fn past_takes_are_listed_newest_first_beside_this_sessions() {
    let tmp = folder("listed");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    assert_eq!(
        ids(&state),
        [
            "20261129-201500-jazz",
            "20261128-090000-rock",
            "20261127-183000-jazz"
        ]
    );
    assert_snapshot!("library_80x24", screen(&state, 80, 24));
    assert_snapshot!("library_compact_50x16", screen(&state, 50, 16));

    // A generation of this session comes first, as #1; its take is listed
    // once, as #1, when the folder is listed again.
    press(&mut state, &mut worker, &[ch('g')]);
    let generation = *worker.generations().last().unwrap();
    state.on_event(Event::Started { id: generation }, &mut worker);
    let mut result = tui_support::simulated_result(&state);
    let written = save(
        &out,
        TakeSpec {
            stem: "20261130-100000-classical",
            genre: "classical",
            audio: None,
            ..TakeSpec::default()
        },
    );
    result.metadata_path = Some(written);
    state.on_event(
        Event::Generated {
            id: generation,
            result: Box::new(result),
        },
        &mut worker,
    );
    let watch = request_id(&worker, |r| matches!(r, Request::WatchTakes { .. }));
    state.on_event(Event::TakesChanged { id: watch }, &mut worker);
    settle(&mut state, &mut worker);
    assert_eq!(state.library.total, 4);
    assert_eq!(
        ids(&state),
        [
            "#1",
            "20261129-201500-jazz",
            "20261128-090000-rock",
            "20261127-183000-jazz"
        ]
    );
}

#[test]
fn a_take_added_by_another_process_appears_when_the_watch_says_so() {
    let tmp = folder("watched");
    let out = tmp.path().to_path_buf();
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    assert!(state.history_rows().is_empty());
    save(&out, TakeSpec::default());
    let before = worker.sent.len();
    let watch = request_id(
        &worker,
        |r| matches!(r, Request::WatchTakes { dir } if dir == &out),
    );
    // The news itself does not redraw; the listing it asks for does.
    assert!(!state.on_event(Event::TakesChanged { id: watch }, &mut worker));
    assert!(matches!(worker.sent[before].1, Request::ListTakes { .. }));
    settle(&mut state, &mut worker);
    assert_eq!(ids(&state), ["20261129-201500-jazz"]);
    // Idle, nothing ticks.
    assert_eq!(state.tick_every(), None);
}

/// The takes are listed before the folder is watched (setting up a watch
/// makes the kernel walk the folder, which would hold up the first
/// listing), and the watch is asked for once, whatever comes after.
#[test]
fn the_folder_is_watched_once_after_the_first_listing() {
    let tmp = folder("watched-after");
    let out = tmp.path().to_path_buf();
    save(&out, TakeSpec::default());
    let mut worker = FakeWorker::new(&[]);
    let mut state = AppState::new(GenerationSettings::default(), paths(&out), Theme::PLAIN);
    state.start(&mut worker);
    let watches = |worker: &FakeWorker| {
        worker
            .sent
            .iter()
            .filter(|(_, r)| matches!(r, Request::WatchTakes { .. }))
            .count()
    };
    assert_eq!(watches(&worker), 0);
    let listing = request_id(&worker, |r| matches!(r, Request::ListTakes { .. }));
    settle(&mut state, &mut worker);
    assert_eq!(watches(&worker), 1);
    let watch = request_id(&worker, |r| matches!(r, Request::WatchTakes { .. }));
    assert!(watch > listing);
    assert_eq!(ids(&state), ["20261129-201500-jazz"]);
    // The watch's first word (it is set up) lists again; no second watch.
    state.on_event(Event::TakesChanged { id: watch }, &mut worker);
    settle(&mut state, &mut worker);
    assert_eq!(watches(&worker), 1);
}

#[test]
fn slash_filters_by_genre_preset_lyrics_or_model_and_s_sorts_by_name() {
    let tmp = folder("filtered");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    press(&mut state, &mut worker, &[ch('/')]);
    type_text(&mut state, &mut worker, "highway");
    assert_eq!(ids(&state), ["20261128-090000-rock"]);
    assert_snapshot!("library_filtered_80x24", screen(&state, 80, 24));
    // Enter keeps the filter and gives the keys back to the list.
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert!(!state.library.filtering);
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert_eq!(state.history_rows().len(), 3);

    press(&mut state, &mut worker, &[ch('/')]);
    type_text(&mut state, &mut worker, "preset:jazz");
    assert_eq!(
        ids(&state),
        ["20261129-201500-jazz", "20261127-183000-jazz"]
    );
    press(&mut state, &mut worker, &[key(KeyCode::Esc), ch('S')]);
    assert_eq!(
        ids(&state),
        [
            "20261127-183000-jazz",
            "20261128-090000-rock",
            "20261129-201500-jazz"
        ]
    );
    assert!(state.notice.as_ref().unwrap().text.contains("by name"));
}

#[test]
fn enter_shows_a_take_with_its_waveform_levels_and_everything_that_made_it() {
    let tmp = folder("details");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert!(matches!(state.popups.last(), Some(Popup::Take { .. })));
    let text = redact(&screen(&state, 80, 24), &out);
    assert!(text.contains("2.0 s, WAV 8 kHz mono, peak"), "{text}");
    assert_snapshot!("take_details_80x24", text);
    // Its waveform: the louder second half stands taller.
    let wave: Vec<&str> = text.lines().skip(2).take(4).collect();
    let filled = |s: &str| s.chars().filter(|c| *c != '⠀' && *c != '┃').count();
    let (left, right): (Vec<_>, Vec<_>) = wave
        .iter()
        .map(|l| {
            let cells: Vec<char> = l.chars().collect();
            let mid = cells.len() / 2;
            (
                filled(&cells[..mid].iter().collect::<String>()),
                filled(&cells[mid..].iter().collect::<String>()),
            )
        })
        .unzip();
    assert!(
        right.iter().sum::<usize>() > left.iter().sum::<usize>(),
        "{wave:#?}"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert!(state.popups.is_empty());
}

#[test]
fn e_loads_the_takes_track_into_the_form_asking_first_over_work() {
    let tmp = folder("edit");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    // Lyrics typed in this session are work that `e` would replace.
    state.form.set_lyrics("words of my own");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Down), key(KeyCode::Down)],
    );
    press(&mut state, &mut worker, &[ch('e')]);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::Discard(_)))
    ));
    press(&mut state, &mut worker, &[ch('n')]);
    assert_eq!(state.form.track().text_input, "words of my own");
    press(&mut state, &mut worker, &[ch('e'), ch('y')]);
    let track = state.form.track();
    assert_eq!(
        track.text_input,
        "Blue notes fall like rain on the avenue tonight"
    );
    assert_eq!((track.seed, track.temperature), (Some(7), 0.9));
    assert_eq!(track.model, Some(Model::Lyria2));
    assert_eq!(state.focus, Focus::Form);
    // The preset it started from is the form's again: the title names it
    // and the next take records it.
    settle(&mut state, &mut worker);
    assert_eq!(
        state.form.source().map(|p| p.name.as_str()),
        Some("jazz_smooth")
    );
    // The form is that take now: `e` on it again loses nothing, and asks
    // nothing.
    press(&mut state, &mut worker, &[key(KeyCode::Char('5')), ch('e')]);
    assert!(state.popups.is_empty(), "{:?}", state.popups);
    assert_eq!(state.focus, Focus::Form);
    // Nor does `e` on the take a generation of this form just wrote, whose
    // model the form leaves to the default.
    state.form.set_lyrics("words of my own");
    let mut track = state.form.track().clone();
    track.model = None;
    state.form.restore(track, None);
    let mut taken = state.form.track().clone();
    taken.model = Some(Model::Lyria2);
    save(
        &out,
        TakeSpec {
            stem: "20261130-100000-jazz",
            words: "words of my own",
            seed: Some(7),
            temperature: 0.9,
            ..TakeSpec::default()
        },
    );
    state.on_event(
        Event::TakesChanged {
            id: request_id(&worker, |r| matches!(r, Request::WatchTakes { .. })),
        },
        &mut worker,
    );
    settle(&mut state, &mut worker);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('5')), key(KeyCode::Home)],
    );
    assert_eq!(ids(&state)[0], "20261130-100000-jazz");
    press(&mut state, &mut worker, &[ch('e')]);
    assert!(state.popups.is_empty(), "{:?}", state.popups);
    assert_eq!(state.form.track().model, taken.model);
}

/// `e` loads a take's settings with its track: the location it ran at.
#[test]
fn e_loads_the_location_the_take_ran_at() {
    let tmp = folder("edit-location");
    let out = tmp.path().to_path_buf();
    save(
        &out,
        TakeSpec {
            location: "europe-west4",
            ..TakeSpec::default()
        },
    );
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    assert_eq!(state.settings.key.location, "us-central1");
    press(&mut state, &mut worker, &[ch('e')]);
    assert_eq!(state.settings.key.location, "europe-west4");
    assert_eq!(state.form.track().seed, Some(42));
    let shown = screen(&state, 80, 24);
    assert!(shown.contains("europe-west4"), "{shown}");

    // A location that could not be one (a hand-edited file) is not taken.
    let meta = out.join("20261129-201500-jazz.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &meta,
        text.replace("europe-west4", r"evil.example/x\u001b[2J"),
    )
    .unwrap();
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    press(&mut state, &mut worker, &[ch('e')]);
    assert_eq!(state.settings.key.location, "us-central1");
    let shown = screen(&state, 80, 24);
    assert!(!shown.contains("evil"), "{shown}");
}

#[test]
fn r_runs_a_take_again_with_its_track_and_seed_and_gcp_asks_first() {
    let tmp = folder("rerun");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    press(&mut state, &mut worker, &[key(KeyCode::End), ch('r')]);
    let Request::Generate(job) = last_request(&worker) else {
        panic!("a generate request, got {:?}", last_request(&worker));
    };
    assert_eq!(job.track.seed, Some(7));
    assert_eq!(job.track.genre, "jazz");
    assert_eq!(job.preset.as_deref(), Some("jazz_smooth"));
    assert_eq!(job.settings.key.mode, Mode::Simulate);
    assert_eq!(job.settings.output, OutputTarget::Dir(out.clone()));
    assert_eq!(ids(&state)[0], "#1");
    // The footer says what happened: the number, the mode, the cost.
    let notice = state.notice.as_ref().expect("a status line").text.clone();
    assert_eq!(
        notice,
        "#1 queued: jazz_smooth · simulate · lyria-002 · no charge (gcp ~$0.0600)"
    );

    state.settings.key.mode = Mode::Gcp;
    state.settings.key.project = Some("my-project".into());
    let sent = worker.generations().len();
    press(&mut state, &mut worker, &[key(KeyCode::End), ch('r')]);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::Spend { .. }))
    ));
    assert_eq!(worker.generations().len(), sent, "nothing sent before yes");
    press(&mut state, &mut worker, &[ch('y')]);
    assert_eq!(worker.generations().len(), sent + 1);
    let notice = state.notice.as_ref().expect("a status line").text.clone();
    assert_eq!(
        notice,
        "#2 queued: jazz_smooth · gcp · lyria-002 · ~$0.0600"
    );
}

#[test]
fn p_plays_and_stops_with_the_elapsed_time_and_no_player_is_one_line() {
    let tmp = folder("play");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    press(&mut state, &mut worker, &[ch('p')]);
    let Request::Play { path } = last_request(&worker) else {
        panic!("a play request, got {:?}", last_request(&worker));
    };
    assert_eq!(path, &out.join("20261129-201500-jazz.wav"));
    let play = request_id(&worker, |r| matches!(r, Request::Play { .. }));
    state.clock = Duration::from_secs(10);
    state.on_event(
        Event::Playing {
            id: play,
            player: "mpv".into(),
        },
        &mut worker,
    );
    assert_eq!(state.tick_every(), Some(Duration::from_secs(1)));
    state.tick(Duration::from_secs(75));
    let text = screen(&state, 80, 24);
    assert!(text.contains("playing 1m05s"), "{text}");
    assert_snapshot!("library_playing_80x24", text);

    press(&mut state, &mut worker, &[ch('p')]);
    assert!(matches!(last_request(&worker), Request::StopPlayback));
    state.on_event(
        Event::PlaybackEnded {
            id: play,
            failure: None,
        },
        &mut worker,
    );
    assert!(state.library.playing.is_none());
    assert_eq!(state.tick_every(), None);

    // A simulated take has nothing to play.
    press(&mut state, &mut worker, &[key(KeyCode::Down), ch('p')]);
    assert_eq!(state.notice.as_ref().unwrap().kind, NoticeKind::Error);

    // No player on this machine: one line, with the path.
    press(&mut state, &mut worker, &[key(KeyCode::Up), ch('p')]);
    let play = request_id(&worker, |r| matches!(r, Request::Play { .. }));
    let path = out.join("20261129-201500-jazz.wav");
    state.on_event(
        Event::Failed {
            id: play,
            error: WorkerError::Player(PlayerError::NoPlayer { path: path.clone() }),
        },
        &mut worker,
    );
    let notice = state.notice.as_ref().unwrap();
    assert_eq!(notice.kind, NoticeKind::Error);
    assert!(
        notice.text.contains(&path.display().to_string()),
        "{}",
        notice.text
    );
    assert!(!notice.text.contains('\n'));

    // A player that starts and then fails: the row stops playing and the
    // status line says why.
    press(&mut state, &mut worker, &[ch('p')]);
    let play = request_id(&worker, |r| matches!(r, Request::Play { .. }));
    state.on_event(
        Event::Playing {
            id: play,
            player: "mpv".into(),
        },
        &mut worker,
    );
    state.on_event(
        Event::PlaybackEnded {
            id: play,
            failure: Some("mpv exited with status 2: cannot open audio device".into()),
        },
        &mut worker,
    );
    assert!(state.library.playing.is_none());
    let notice = state.notice.as_ref().unwrap();
    assert_eq!(notice.kind, NoticeKind::Error);
    assert_eq!(
        notice.text,
        "Could not play 20261129-201500-jazz: mpv exited with status 2: cannot open audio device"
    );
}

#[test]
fn o_opens_y_copies_and_d_deletes_after_asking() {
    let tmp = folder("files");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    let wav = out.join("20261129-201500-jazz.wav");
    press(&mut state, &mut worker, &[ch('O')]);
    assert!(matches!(last_request(&worker), Request::OpenPath { path } if *path == wav));
    press(&mut state, &mut worker, &[ch('y')]);
    assert_eq!(state.clipboard.as_deref(), Some(wav.to_str().unwrap()));

    press(&mut state, &mut worker, &[ch('D')]);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::DeleteTake(_)))
    ));
    press(&mut state, &mut worker, &[ch('n')]);
    assert!(wav.exists());
    press(&mut state, &mut worker, &[ch('D'), ch('y')]);
    assert!(!wav.exists());
    assert!(!out.join("20261129-201500-jazz.json").exists());
    assert_eq!(
        ids(&state),
        ["20261128-090000-rock", "20261127-183000-jazz"]
    );
    assert!(state.notice.as_ref().unwrap().text.contains("Deleted take"));
}

#[test]
fn a_take_whose_audio_is_gone_says_so() {
    let tmp = folder("gone");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    std::fs::remove_file(out.join("20261127-183000-jazz.wav")).unwrap();
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    let gone = state.library.visible().last().unwrap().state.clone();
    assert!(matches!(gone, TakeState::Missing { .. }), "{gone:?}");
    let text = screen(&state, 80, 24);
    assert!(text.contains("audio missing"), "{text}");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::End), key(KeyCode::Enter)],
    );
    let text = screen(&state, 80, 24);
    assert!(text.contains("gone from the disk"), "{text}");
}

#[test]
fn two_marked_takes_compare_side_by_side_with_the_differences_marked() {
    let tmp = folder("compare");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    // One mark is not a pair yet.
    press(&mut state, &mut worker, &[ch('m'), ch('C')]);
    assert_eq!(state.notice.as_ref().unwrap().kind, NoticeKind::Error);
    // Mark one, select another: C compares the two.
    press(&mut state, &mut worker, &[key(KeyCode::End), ch('C')]);
    assert!(matches!(state.popups.last(), Some(Popup::Compare { .. })));
    let text = screen(&state, 80, 24);
    assert!(text.contains("≠Seed"), "{text}");
    assert!(text.contains("≠Temp."), "{text}");
    assert!(text.contains(" Genre"), "same genre, no mark: {text}");
    assert_snapshot!("compare_80x24", text);
    assert_snapshot!("compare_60x20", screen(&state, 60, 20));
}

/// A difference at the end of a long value is not cut off: a row that
/// differs is shown whole, wrapped in its column.
#[test]
fn a_difference_at_the_end_of_a_long_value_is_in_sight() {
    let tmp = folder("compare-long");
    let out = tmp.path().to_path_buf();
    let words = "Blue notes fall like rain on the avenue while the city sleeps";
    save(
        &out,
        TakeSpec {
            words,
            ..TakeSpec::default()
        },
    );
    let tonight = format!("{words} tonight");
    save(
        &out,
        TakeSpec {
            stem: "20261129-203000-jazz",
            words: &tonight,
            ..TakeSpec::default()
        },
    );
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    press(
        &mut state,
        &mut worker,
        &[ch('m'), key(KeyCode::Down), ch('C')],
    );
    settle(&mut state, &mut worker);
    let text = screen(&state, 80, 40);
    assert!(text.contains("≠Lyrics"), "{text}");
    assert!(text.contains("tonight"), "{text}");
}

/// A marked take deleted outside the app: compare reads it again (what
/// was read before is not shown as if it were there), finds it gone and
/// unmarks it.
#[test]
fn a_marked_take_deleted_by_hand_is_unmarked_not_compared() {
    let tmp = folder("marked-gone");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    let first = ids(&state)[0].clone();
    press(
        &mut state,
        &mut worker,
        &[ch('m'), key(KeyCode::Down), ch('C')],
    );
    settle(&mut state, &mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert_eq!(state.library.marked.len(), 1);
    // Its details open while it goes: they say so, not what it was.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Home), key(KeyCode::Enter)],
    );
    settle(&mut state, &mut worker);
    let shown = screen(&state, 100, 40);
    assert!(
        shown.contains("reading the take") || shown.contains("Lyrics"),
        "{shown}"
    );
    std::fs::remove_file(out.join(format!("{first}.json"))).unwrap();
    state.on_event(
        Event::TakesChanged {
            id: request_id(&worker, |r| matches!(r, Request::WatchTakes { .. })),
        },
        &mut worker,
    );
    settle(&mut state, &mut worker);
    let text = screen(&state, 100, 40);
    assert!(text.contains("This take is no longer listed"), "{text}");
    assert!(!text.contains("reading the take"), "{text}");
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    state.on_event(
        Event::TakesChanged {
            id: request_id(&worker, |r| matches!(r, Request::WatchTakes { .. })),
        },
        &mut worker,
    );
    settle(&mut state, &mut worker);
    assert!(!ids(&state).contains(&first));
    press(&mut state, &mut worker, &[ch('C')]);
    settle(&mut state, &mut worker);
    assert!(
        state.library.marked.is_empty(),
        "{:?}",
        state.library.marked
    );
    let text = screen(&state, 80, 40);
    assert!(
        !text.contains("Blue notes"),
        "shown as if it were there: {text}"
    );
}

/// Deleting a take whose upload to the bucket failed says that these
/// files are its only copy.
#[test]
fn deleting_a_take_never_uploaded_says_it_is_the_only_copy() {
    let tmp = folder("only-copy");
    let out = tmp.path().to_path_buf();
    three_takes(&out);
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    let mut takes: Vec<_> = state.library.visible().cloned().collect();
    takes[0].state = TakeState::NotUploaded;
    let first = takes[0].id.to_string();
    let watch = request_id(&worker, |r| matches!(r, Request::WatchTakes { .. }));
    state.on_event(Event::TakesChanged { id: watch }, &mut worker);
    let listing = request_id(&worker, |r| matches!(r, Request::ListTakes { .. }));
    let page = music_gen::library::Page {
        total: takes.len(),
        matched: takes.len(),
        takes,
        spent: None,
    };
    state.on_event(Event::Takes { id: listing, page }, &mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Home), ch('D')]);
    let text = screen(&state, 100, 30)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(&format!("Delete take {first}? It was never uploaded")),
        "{text}"
    );
    assert!(text.contains("its only copy"), "{text}");
}

#[test]
fn a_page_at_a_time_and_the_next_when_the_selection_nears_the_end() {
    let tmp = folder("paged");
    let out = tmp.path().to_path_buf();
    for i in 0..230 {
        let stem = format!("20260101-{:06}-rock", i);
        save(
            &out,
            TakeSpec {
                stem: &stem,
                genre: "rock",
                audio: None,
                ..TakeSpec::default()
            },
        );
    }
    let mut worker = FakeWorker::new(&[]);
    let mut state = opened(&mut worker, &out);
    assert_eq!(state.library.len(), FIRST_PAGE);
    assert_eq!(state.library.total, 230);
    assert!(screen(&state, 80, 24).contains("230 takes"));
    // The next page: 200 more than listed, so the first End lists 230.
    press(&mut state, &mut worker, &[key(KeyCode::End)]);
    assert_eq!(state.library.len(), 230);
    press(&mut state, &mut worker, &[key(KeyCode::End)]);
    assert_eq!(ids(&state).last().unwrap(), "20260101-000000-rock");

    // Sized to the terminal, the first listing reads no more takes than
    // its rows could show, two rows a take (ten at the least); so does a
    // new sort.
    for (rows, first) in [(24, 12), (40, 20), (5, 10), (200, FIRST_PAGE)] {
        let mut worker = FakeWorker::new(&[]);
        let mut state = AppState::new(GenerationSettings::default(), paths(&out), Theme::PLAIN);
        state.library.fit_first_page(rows);
        state.start(&mut worker);
        settle(&mut state, &mut worker);
        assert_eq!(state.library.len(), first, "{rows} rows");
        press(&mut state, &mut worker, &[key(KeyCode::Char('5')), ch('S')]);
        assert_eq!(state.library.sort(), Sort::Name);
        assert_eq!(state.library.len(), first, "{rows} rows, sorted by name");
    }
}

//! The update logic driven by keys and worker events, without a terminal.

mod tui_support;

use std::time::Duration;
use strum::VariantArray;

use crossterm::event::KeyCode;
use music_gen::generate::{Mode, OutputTarget, Status};
use music_gen::tui::action::Action;
use music_gen::tui::keymap::Context;
use music_gen::tui::state::log::EntryState;
use music_gen::tui::state::popup::{Confirm, InputPurpose, Popup};
use music_gen::tui::state::{AppState, Focus};
use music_gen::tui::theme::Theme;
use music_gen::worker::{Event, Request};
use tui_support::*;

fn prompt(state: &AppState) -> String {
    music_gen::domain::prompt::build_prompt(state.form.track())
}

#[test]
fn opens_on_the_preset_list_with_the_first_preset_in_the_form() {
    let mut worker = FakeWorker::new(&[]);
    let state = started(&mut worker, Theme::COLOR);
    assert_eq!(state.focus, Focus::Presets);
    assert_eq!(state.presets.len(), 5);
    assert_eq!(state.form.source().unwrap().name, "classical_orchestral");
    assert_eq!(state.form.track().genre, "classical");
    assert!(!state.is_waiting());
}

#[test]
fn load_a_preset_change_verses_and_the_prompt_follows() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    // rock_anthem is the fifth preset.
    press(&mut state, &mut worker, &[key(KeyCode::Char('j')); 4]);
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert_eq!(state.form.track().genre, "rock");
    let before = prompt(&state);
    assert!(before.contains("verse 2 -> chorus -> chorus"), "{before}");

    // Form pane, down to Verses (Genre, Duration, Intro, Verses), one more.
    press(&mut state, &mut worker, &[key(KeyCode::Tab)]);
    press(&mut state, &mut worker, &[key(KeyCode::Down); 3]);
    press(&mut state, &mut worker, &[key(KeyCode::Right)]);
    assert_eq!(state.form.track().structure.verse_count, 3);
    let after = prompt(&state);
    assert!(after.contains("verse 3"), "{after}");
    assert!(!before.contains("verse 3"));
}

#[test]
fn generate_puts_a_queued_entry_in_the_log_and_follows_it_to_the_end() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    let ids = worker.generations();
    assert_eq!(ids.len(), 1, "one generate request");
    let (_, Request::Generate(job)) = worker.sent.iter().find(|(i, _)| *i == ids[0]).unwrap()
    else {
        unreachable!()
    };
    assert_eq!(job.track, *state.form.track());
    assert_eq!(
        job.settings.output,
        OutputTarget::Dir(paths().output_dir),
        "simulate writes its metadata into the output dir"
    );
    let entry = state.log.entries().next().unwrap();
    assert_eq!(entry.state, EntryState::Queued);
    assert!(state.is_animating(), "the spinner turns while queued");

    let id = ids[0];
    state.clock = Duration::from_secs(3);
    assert!(state.on_event(Event::Started { id }, &mut worker));
    assert!(matches!(
        state.log.entries().next().unwrap().state,
        EntryState::Running { .. }
    ));
    state.clock = Duration::from_secs(5);
    assert!(state.on_event(Event::Cancelled { id }, &mut worker));
    assert_eq!(
        state.log.entries().next().unwrap().state,
        EntryState::Cancelled {
            took: Duration::from_secs(2),
            may_be_billed: false,
        }
    );
    assert!(!state.is_animating(), "idle again: no ticks");
    // A late answer for a finished request changes nothing.
    assert!(!state.on_event(Event::Started { id }, &mut worker));
}

#[test]
fn several_generations_in_flight_and_one_cancelled() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('g')), key(KeyCode::Char('g'))],
    );
    let ids = worker.generations();
    assert_eq!(ids.len(), 2);
    assert_eq!(state.log.active_count(), 2);
    // Numbered for the user from 1, whatever the request ids.
    let numbers: Vec<u64> = state.log.entries().map(|e| e.number).collect();
    assert_eq!(numbers, [2, 1]);
    // Focus the log (Presets → Form → Lyrics → Prompt → Log); the newest is
    // selected; move to the older one and cancel it.
    press(&mut state, &mut worker, &[key(KeyCode::BackTab)]);
    assert_eq!(state.focus, Focus::Log);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Down), key(KeyCode::Char('c'))],
    );
    let (_, last) = worker.sent.last().unwrap();
    assert!(
        matches!(last, Request::Cancel { target } if *target == ids[0]),
        "{last:?}"
    );
    assert_eq!(
        state.log.active_count(),
        2,
        "cancelling until the worker confirms"
    );
}

#[test]
fn invalid_values_are_refused_until_fixed() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[
            key(KeyCode::Tab),
            key(KeyCode::Down),
            key(KeyCode::Enter),
            ctrl('u'),
        ],
    );
    assert_eq!(state.context(), Context::FieldEdit);
    type_text(&mut state, &mut worker, "abc\n");
    // Not a number: the field stays open with the reason.
    let edit = state.form.edit.as_ref().expect("still editing");
    assert!(
        edit.error.as_deref().unwrap().contains("60 to 240"),
        "{:?}",
        edit.error
    );
    press(&mut state, &mut worker, &[ctrl('u')]);
    type_text(&mut state, &mut worker, "30\n");
    assert_eq!(state.form.track().duration_seconds, 30);
    let problems = state.form.problems(&state.settings);
    assert_eq!(problems[0].field, "duration_seconds");

    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    assert!(
        worker.generations().is_empty(),
        "nothing sent while invalid"
    );
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("duration_seconds")
    );

    press(&mut state, &mut worker, &[key(KeyCode::Right)]);
    assert_eq!(
        state.form.track().duration_seconds,
        60,
        "stepping clamps into range"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    assert_eq!(worker.generations().len(), 1);
}

#[test]
fn letters_typed_in_a_field_go_to_the_field() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Tab), key(KeyCode::Enter), ctrl('u')],
    );
    // q, g and ? would quit, generate and open help in a pane.
    type_text(&mut state, &mut worker, "qg? rock\n");
    assert_eq!(state.form.track().genre, "qg? rock");
    assert!(!state.should_quit());
    assert!(worker.generations().is_empty());
    assert!(state.popups.is_empty());
}

#[test]
fn lyrics_editor_takes_typing_and_paste() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Enter)],
    );
    assert_eq!(state.context(), Context::LyricsEdit);
    type_text(&mut state, &mut worker, "Hello\nworld q");
    state.apply(Action::Paste("\r\npasted line".to_string()), &mut worker);
    assert_eq!(state.form.track().text_input, "Hello\nworld q\npasted line");
    assert!(prompt(&state).contains("Hello\nworld q\npasted line"));
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert_eq!(state.context(), Context::Lyrics);
}

#[test]
fn pasting_into_the_lyrics_pane_opens_the_editor() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Tab), key(KeyCode::Tab)],
    );
    assert_eq!(state.context(), Context::Lyrics);
    assert!(state.context().accepts_paste());
    state.apply(Action::Paste("Line one\nLine two".to_string()), &mut worker);
    assert_eq!(state.context(), Context::LyricsEdit);
    assert_eq!(state.form.track().text_input, "Line one\nLine two");
}

#[test]
fn filter_narrows_the_list_and_esc_clears_it() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('/'))]);
    type_text(&mut state, &mut worker, "jaz");
    let names: Vec<_> = state
        .presets
        .visible()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, ["jazz_smooth"]);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Enter), key(KeyCode::Enter)],
    );
    assert_eq!(state.form.track().genre, "jazz");
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert_eq!(state.presets.visible().len(), 5);
    assert_eq!(
        state.presets.selected().unwrap().name,
        "jazz_smooth",
        "selection kept"
    );
}

#[test]
fn save_asks_before_overwriting_an_existing_preset() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    let file = worker.dir().join("classical_orchestral.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    // Change the temperature, then save under the loaded name: the box
    // offers a new name, so overwriting takes typing the old one.
    press(&mut state, &mut worker, &[key(KeyCode::Tab)]);
    press(&mut state, &mut worker, &[key(KeyCode::Down); 7]);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Right), key(KeyCode::Char('s'))],
    );
    assert_eq!(state.context(), Context::Input);
    let Some(Popup::Input(name_box)) = state.popups.last() else {
        panic!("{:?}", state.popups)
    };
    assert_eq!(name_box.input.text(), "classical_orchestral_2");
    press(&mut state, &mut worker, &[ctrl('u')]);
    type_text(&mut state, &mut worker, "classical_orchestral\n");
    // Asked as the name is entered, not after the description and tips.
    assert!(
        matches!(state.popups.last(), Some(Popup::Confirm(Confirm::Replace(n))) if n == "classical_orchestral"),
        "asks first: {:?}",
        state.popups
    );
    let shown = screen(&state, 80, 24);
    assert!(shown.contains("built-in preset"), "{shown}");
    press(&mut state, &mut worker, &[key(KeyCode::Char('y'))]);
    // Description and tips come pre-filled from the loaded preset; Enter
    // keeps each, and the save replaces the file without asking again.
    let Some(Popup::Input(description)) = state.popups.last() else {
        panic!("{:?}", state.popups)
    };
    assert!(!description.input.text().is_empty());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        original,
        "nothing written yet"
    );
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Enter), key(KeyCode::Enter)],
    );
    assert!(state.popups.is_empty(), "{:?}", state.popups);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("temperature: 0.6"), "{saved}");
    assert!(
        saved.contains("tips:") && saved.contains("description:"),
        "description and tips kept: {saved}"
    );
}

#[test]
fn save_as_a_taken_name_asks_at_once_and_no_goes_back_to_the_name() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('s')), ctrl('u')],
    );
    type_text(&mut state, &mut worker, "jazz_smooth\n");
    assert!(
        matches!(state.popups.last(), Some(Popup::Confirm(Confirm::Replace(n))) if n == "jazz_smooth"),
        "{:?}",
        state.popups
    );
    press(&mut state, &mut worker, &[key(KeyCode::Char('n'))]);
    let Some(Popup::Input(name_box)) = state.popups.last() else {
        panic!("{:?}", state.popups)
    };
    assert_eq!(
        name_box.input.text(),
        "jazz_smooth",
        "the name is kept to edit"
    );
    assert_eq!(state.popups.len(), 1);
    press(&mut state, &mut worker, &[ctrl('u')]);
    type_text(&mut state, &mut worker, "jazz_mine\n");
    assert!(
        matches!(state.popups.last(), Some(Popup::Input(b)) if b.purpose == InputPurpose::PresetDescription),
        "a free name goes on to the description: {:?}",
        state.popups
    );
}

#[test]
fn save_as_a_new_name_adds_it_to_the_list() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('s')), ctrl('u')],
    );
    type_text(&mut state, &mut worker, "bad name\n");
    assert!(matches!(state.popups.last(), Some(Popup::Input(i)) if i.error.is_some()));
    press(&mut state, &mut worker, &[ctrl('u')]);
    type_text(&mut state, &mut worker, "my_song\n");
    // A new description; the tips box emptied: no tips.
    press(&mut state, &mut worker, &[ctrl('u')]);
    type_text(&mut state, &mut worker, "Soft strings for the evening\n");
    press(&mut state, &mut worker, &[ctrl('u'), key(KeyCode::Enter)]);
    assert!(state.popups.is_empty(), "{:?}", state.popups);
    let saved = std::fs::read_to_string(worker.dir().join("my_song.yaml")).unwrap();
    assert!(
        saved.contains("description: Soft strings for the evening"),
        "{saved}"
    );
    assert!(!saved.contains("tips:"), "{saved}");
    assert_eq!(state.presets.len(), 6);
    assert_eq!(state.presets.selected().unwrap().name, "my_song");

    // The filter finds it by its description; S orders by genre.
    press(&mut state, &mut worker, &[key(KeyCode::Char('/'))]);
    type_text(&mut state, &mut worker, "evening");
    let names: Vec<_> = state
        .presets
        .visible()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, ["my_song"]);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Esc), key(KeyCode::Char('S'))],
    );
    let genres: Vec<_> = state
        .presets
        .visible()
        .iter()
        .map(|p| p.genre.clone().unwrap_or_default())
        .collect();
    let mut sorted = genres.clone();
    sorted.sort();
    assert_eq!(genres, sorted);
    assert!(screen(&state, 80, 24).contains("by genre"));
}

/// Deleting a built-in asks, says how it comes back, and Settings → Built-in
/// presets writes it back.
#[test]
fn a_deleted_builtin_comes_back_from_settings() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('d'))]);
    let shown = screen(&state, 100, 30);
    assert!(shown.contains("built-in: Settings"), "{shown}");
    press(&mut state, &mut worker, &[key(KeyCode::Char('y'))]);
    assert_eq!(state.presets.len(), 4);
    press(&mut state, &mut worker, &[key(KeyCode::Char('o'))]);
    press(&mut state, &mut worker, &[key(KeyCode::Down); 4]);
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert_eq!(state.presets.len(), 5);
    let notice = state.notice.clone().unwrap().text;
    assert_eq!(notice, "Restored built-in presets: classical_orchestral");
}

#[test]
fn delete_asks_first() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    let file = worker.dir().join("classical_orchestral.yaml");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('d')), key(KeyCode::Char('n'))],
    );
    assert!(file.is_file(), "n keeps it");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('d')), key(KeyCode::Char('y'))],
    );
    assert!(!file.exists());
    assert_eq!(state.presets.len(), 4);
}

#[test]
fn broken_presets_are_listed_but_not_loaded() {
    let mut worker = FakeWorker::new(&[("a_broken", "genre: [unclosed\n")]);
    let mut state = started(&mut worker, Theme::COLOR);
    assert_eq!(state.form.source().unwrap().name, "classical_orchestral");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Up), key(KeyCode::Enter)],
    );
    let broken = state.presets.selected().unwrap();
    assert_eq!(broken.name, "a_broken");
    assert!(broken.error.is_some());
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("cannot be loaded")
    );
    assert_eq!(state.form.source().unwrap().name, "classical_orchestral");
}

#[test]
fn enter_on_a_log_entry_shows_everything_about_it() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.form.set_lyrics("City lights are calling");
    // An empty log has nothing to show.
    press(&mut state, &mut worker, &[key(KeyCode::BackTab)]);
    assert!(!state.apply(Action::Activate, &mut worker));
    assert!(state.popups.is_empty());
    press(&mut state, &mut worker, &[key(KeyCode::Tab)]);

    let id = lyria3_generation(&mut state, &mut worker);
    let entry = state.log.get(id).unwrap();
    let EntryState::Finished {
        files,
        metadata,
        text,
        ..
    } = &entry.state
    else {
        panic!("{entry:?}");
    };
    assert_eq!(files[0].size_bytes, 3_254_271);
    assert_eq!(metadata.as_deref(), Some(std::path::Path::new(LYRIA3_JSON)));
    assert_eq!(text.as_deref(), Some(LYRIA3_TEXT));
    assert_eq!(entry.target.location, "global");

    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Details { id: shown, scroll: 0 }) if *shown == id
    ));
    assert_eq!(state.context(), Context::Details);
    let tall = screen(&state, 120, 70);
    for needed in [
        "✓ completed",
        "gcp (Vertex AI)",
        "lyria-3-pro-preview",
        "global",
        "my-project",
        "Elapsed   42s",
        "Track generated with lyria-3-pro-preview.",
        LYRIA3_MP3,
        "audio/mpeg · 3.1 MiB",
        LYRIA3_JSON,
        "[Chorus]",
        "Until the dawn",
    ] {
        assert!(tall.contains(needed), "{needed:?} missing from:\n{tall}");
    }
    // Keys other than the popup's own do nothing underneath.
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    assert_eq!(worker.generations().len(), 1);

    // At 80×24 the lyrics' end is below; ↓ scrolls to it, ↑ back.
    let small = screen(&state, 80, 24);
    assert!(
        small.contains("Status") && !small.contains("[Outro]"),
        "{small}"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Down); 30]);
    let small = screen(&state, 80, 24);
    assert!(
        !small.contains("Status") && small.contains("[Outro]"),
        "{small}"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Up); 30]);
    assert!(screen(&state, 80, 24).contains("Status"));

    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert!(state.popups.is_empty());
    assert_eq!(state.context(), Context::Log);
}

#[test]
fn a_failed_generation_shows_its_whole_error_in_the_details() {
    use music_gen::generate::GenerateError;
    use music_gen::worker::WorkerError;
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    let id = worker.generations()[0];
    let advice = "Vertex AI refused the request (403 PERMISSION_DENIED): the account \
                  lacks aiplatform.endpoints.predict on project my-project. Grant it the \
                  Vertex AI User role (roles/aiplatform.user) and try again.";
    let error = WorkerError::Generate(GenerateError::Api {
        status: Some(403),
        message: advice.to_string(),
    });
    state.on_event(Event::Failed { id, error }, &mut worker);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::BackTab), key(KeyCode::Enter)],
    );
    let text = screen(&state, 80, 24);
    assert!(
        text.contains("✗ failed") && text.contains("Error"),
        "{text}"
    );
    // Wrapped, but every word of it is there, in order.
    let inside: Vec<&str> = text.lines().filter_map(|l| l.split('┃').nth(1)).collect();
    let error_at = inside.iter().position(|l| l.starts_with("Error")).unwrap();
    // The error comes first, before what the generation was asked.
    let words: Vec<&str> = inside[error_at + 1..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .flat_map(|l| l.split_whitespace())
        .collect();
    let expected: Vec<&str> = advice.split_whitespace().collect();
    assert_eq!(words, expected, "{text}");
}

#[test]
fn quit_asks_while_a_generation_runs_but_ctrl_c_does_not() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('g')), key(KeyCode::Char('q'))],
    );
    assert!(!state.should_quit());
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::Quit { running: 1 }))
    ));
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert!(state.popups.is_empty() && !state.should_quit());
    // Even in a text field.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('/')), ctrl('c')],
    );
    assert!(state.should_quit());
}

#[test]
fn gcp_mode_shows_the_cost_before_sending() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    // Settings: Enter on Mode switches to gcp, which asks for a project.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('o')), key(KeyCode::Enter)],
    );
    type_text(&mut state, &mut worker, "p\n");
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert_eq!(state.settings.key.mode, Mode::Gcp);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    let Some(Popup::Confirm(Confirm::Spend { cost, .. })) = state.popups.last() else {
        panic!("no cost confirmation: {:?}", state.popups);
    };
    assert_eq!(cost.total_display(), "$0.0600");
    assert!(worker.generations().is_empty());
    press(&mut state, &mut worker, &[key(KeyCode::Char('y'))]);
    assert_eq!(worker.generations().len(), 1);
}

#[test]
fn settings_edit_project_and_location() {
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
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Down), key(KeyCode::Enter), ctrl('u')],
    );
    type_text(&mut state, &mut worker, "global\n");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Down), key(KeyCode::Right)],
    );
    assert_eq!(state.settings.key.project.as_deref(), Some("my-proj"));
    assert_eq!(state.settings.key.location, "global");
    assert_eq!(state.settings.model.id(), "lyria-3-clip-preview");
    let status = screen(&state, 80, 24);
    assert!(
        status
            .lines()
            .next()
            .unwrap()
            .contains("my-proj · global · lyria-3-clip-preview"),
        "{status}"
    );
}

#[test]
fn style_references_add_edit_remove() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    let before = state.form.track().style_references.len();
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Tab), key(KeyCode::Char('a')), ctrl('u')],
    );
    type_text(&mut state, &mut worker, "artist: Vivaldi\n");
    let refs = &state.form.track().style_references;
    assert_eq!(refs.len(), before + 1);
    assert_eq!(
        (refs[before].kind.as_str(), refs[before].value.as_str()),
        ("artist", "Vivaldi")
    );
    assert!(prompt(&state).contains("- artist: Vivaldi"));
    // The new reference is selected: edit it, then remove it.
    press(&mut state, &mut worker, &[key(KeyCode::Enter), ctrl('u')]);
    type_text(&mut state, &mut worker, "sound: harpsichord\n");
    assert_eq!(
        state.form.track().style_references[before].value,
        "harpsichord"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Char('x'))]);
    assert_eq!(state.form.track().style_references.len(), before);
}

#[test]
fn help_lists_every_binding_of_the_keymap() {
    use music_gen::tui::keymap;
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('?'))]);
    // Scroll through the whole help on a tall screen and collect the text.
    let text = screen(&state, 120, 200);
    for &ctx in Context::VARIANTS {
        for b in keymap::bindings(ctx) {
            assert!(text.contains(b.desc), "help misses {:?}: {}", ctx, b.desc);
        }
    }
    assert!(text.contains("music-gen.log"), "help names the log file");
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert!(state.popups.is_empty());
}

/// The real worker: generate in simulate mode writes the metadata file.
#[tokio::test]
async fn generate_with_the_real_worker_writes_metadata() {
    let presets = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let mut handle = music_gen::worker::spawn(presets.path().to_path_buf()).unwrap();
    let mut p = paths();
    p.output_dir = output.path().to_path_buf();
    let mut state = AppState::new(Default::default(), p, Theme::PLAIN);
    state.start(&mut handle);
    while state.is_waiting() {
        let event = handle.recv().await.unwrap();
        state.on_event(event, &mut handle);
    }
    state.apply(Action::Generate, &mut handle);
    while state.is_waiting() {
        let event = handle.recv().await.unwrap();
        state.on_event(event, &mut handle);
    }
    let entry = state.log.entries().next().unwrap();
    let EntryState::Finished {
        status,
        files,
        metadata,
        ..
    } = &entry.state
    else {
        panic!("{entry:?}");
    };
    assert_eq!(*status, Status::Simulated);
    assert!(files.is_empty(), "simulate writes no audio");
    let metadata = metadata.as_ref().expect("a metadata file");
    assert!(metadata.starts_with(output.path()) && metadata.is_file());
    assert_eq!(entry.written(), vec![metadata.as_path()]);
}

/// Past the end, ↓ stops counting: the first ↑ scrolls at once.
#[test]
fn help_scroll_stops_at_the_end() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('?'))]);
    let down = vec![key(KeyCode::Down); 500];
    press(&mut state, &mut worker, &down);
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let max = music_gen::tui::ui::popup_scroll_limit(&state, area).unwrap();
    assert!(max > 0, "the help is longer than 24 lines");
    state.clamp_popup_scroll(max);
    let bottom = screen(&state, 80, 24);
    press(&mut state, &mut worker, &[key(KeyCode::Up)]);
    assert!(matches!(state.popups.last(), Some(Popup::Help { scroll, .. }) if *scroll == max - 1));
    assert_ne!(screen(&state, 80, 24), bottom);
}

/// The prompt scrolls in the rows it wraps to: at 80×24 with lyrics, ↓
/// reaches the last line ("Temperature"), stops there, and a resize to a
/// larger screen pulls the scroll back so no row is left blank.
#[test]
fn prompt_scrolls_in_wrapped_rows_to_its_last_line() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state
        .form
        .set_lyrics("City lights are calling\nWe ride until the dawn\nAnd the night is young");
    press(&mut state, &mut worker, &[key(KeyCode::Char('4'))]);
    assert_eq!(state.context(), Context::Prompt);
    draw(&mut state, 80, 24);
    let last = prompt(&state).lines().last().unwrap().to_string();
    assert!(last.starts_with("Temperature"), "{last}");
    assert!(!screen(&state, 80, 24).contains("Temperature:"));
    for _ in 0..200 {
        press(&mut state, &mut worker, &[key(KeyCode::Down)]);
        draw(&mut state, 80, 24);
    }
    let bottom = screen(&state, 80, 24);
    assert!(bottom.contains("Temperature: 0.5"), "{bottom}");
    let max = state.prompt_scroll;
    assert!(max > prompt(&state).lines().count() as u16 / 2);
    press(&mut state, &mut worker, &[key(KeyCode::Up)]);
    assert_eq!(state.prompt_scroll, max - 1, "↑ acts at once at the end");

    press(&mut state, &mut worker, &[key(KeyCode::Home)]);
    assert_eq!(state.prompt_scroll, 0);
    press(&mut state, &mut worker, &[key(KeyCode::End)]);
    assert_eq!(state.prompt_scroll, max);
    press(&mut state, &mut worker, &[key(KeyCode::PageUp)]);
    assert!(state.prompt_scroll < max - 1, "a page is more than a row");

    press(&mut state, &mut worker, &[key(KeyCode::End)]);
    draw(&mut state, 120, 40);
    assert!(state.prompt_scroll < max, "clamped after the resize");
    let wide = screen(&state, 120, 40);
    assert!(wide.contains("Temperature: 0.5"), "{wide}");
}

/// Keys as in lazygit and gitui: h/l and 1–5 move between panes, q closes
/// every popup, a stray Space in the settings changes nothing, and Esc
/// typed quickly before a key (read as Alt-key) is both keys.
#[test]
fn pane_keys_popups_and_esc_then_a_key() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(&mut state, &mut worker, &[key(KeyCode::Char('l'))]);
    assert_eq!(state.focus, Focus::Form);
    press(&mut state, &mut worker, &[key(KeyCode::Char('h'))]);
    assert_eq!(state.focus, Focus::Presets);
    press(&mut state, &mut worker, &[key(KeyCode::Char('5'))]);
    assert_eq!(state.focus, Focus::Log);

    press(&mut state, &mut worker, &[key(KeyCode::Char('o'))]);
    press(&mut state, &mut worker, &[key(KeyCode::Char(' '))]);
    assert_eq!(
        state.settings.key.mode,
        Mode::Simulate,
        "Space is not Enter"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Char('q'))]);
    assert!(state.popups.is_empty(), "q closes the settings");
    assert!(!state.should_quit());
    press(&mut state, &mut worker, &[key(KeyCode::Char('?'))]);
    press(&mut state, &mut worker, &[key(KeyCode::Char('q'))]);
    assert!(state.popups.is_empty(), "q closes the help");

    // In the lyrics editor: Esc then j, arriving as Alt-j, leaves the
    // editor and moves nothing into the words.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('3')), key(KeyCode::Enter)],
    );
    type_text(&mut state, &mut worker, "la");
    let alt_l =
        crossterm::event::KeyEvent::new(KeyCode::Char('l'), crossterm::event::KeyModifiers::ALT);
    press(&mut state, &mut worker, &[alt_l]);
    assert!(!state.form.is_editing_lyrics());
    assert_eq!(state.form.track().text_input, "la");
    assert_eq!(state.focus, Focus::Prompt, "l moved to the next pane");
}

/// In the editor Ctrl-Z undoes (it suspends everywhere else) a group of
/// edits at a time, a word as editors do, and Ctrl-R redoes; Ctrl-U
/// deletes to the line start, as in the one-line fields.
#[test]
fn ctrl_z_undoes_a_word_at_a_time_in_the_lyrics_editor() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('3')), key(KeyCode::Enter)],
    );
    type_text(&mut state, &mut worker, "one two\nthree");
    let lyrics = |s: &AppState| s.form.track().text_input.clone();
    press(&mut state, &mut worker, &[ctrl('z')]);
    assert!(!state.take_suspend());
    assert_eq!(lyrics(&state), "one two\n");
    press(&mut state, &mut worker, &[ctrl('z')]);
    assert_eq!(lyrics(&state), "one ");
    press(&mut state, &mut worker, &[ctrl('r'), ctrl('r')]);
    assert_eq!(lyrics(&state), "one two\nthree");
    // A run of Backspaces is one step; so is a paste.
    press(&mut state, &mut worker, &[key(KeyCode::Backspace); 3]);
    state.apply(Action::Paste("ee\nfour".into()), &mut worker);
    assert_eq!(lyrics(&state), "one two\nthee\nfour");
    press(&mut state, &mut worker, &[ctrl('z')]);
    assert_eq!(lyrics(&state), "one two\nth");
    press(&mut state, &mut worker, &[ctrl('z')]);
    assert_eq!(lyrics(&state), "one two\nthree");
    // Typing after a move is a step of its own.
    press(&mut state, &mut worker, &[key(KeyCode::Home)]);
    type_text(&mut state, &mut worker, "and ");
    assert_eq!(lyrics(&state), "one two\nand three");
    press(&mut state, &mut worker, &[ctrl('z')]);
    assert_eq!(lyrics(&state), "one two\nthree");
    type_text(&mut state, &mut worker, "!");
    press(&mut state, &mut worker, &[ctrl('r')]);
    assert_eq!(
        lyrics(&state),
        "one two\n!three",
        "an edit forgets the redo"
    );
    press(&mut state, &mut worker, &[ctrl('u')]);
    assert_eq!(lyrics(&state), "one two\nthree");
    press(&mut state, &mut worker, &[key(KeyCode::Esc), ctrl('z')]);
    assert!(state.take_suspend(), "outside the editor Ctrl-Z suspends");
}

/// Undo and redo are in the keymap, so the footer and the help say them;
/// F1 opens the help from the editor (where `?` is typed) and closing it
/// goes back to the words as they were.
#[test]
fn f1_opens_the_help_from_the_lyrics_editor_which_lists_undo_and_redo() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('3')), key(KeyCode::Enter)],
    );
    type_text(&mut state, &mut worker, "why?");
    let footer = screen(&state, 80, 24).lines().last().unwrap().to_string();
    for hint in ["Ctrl-Z undo", "Ctrl-R redo", "F1 help"] {
        assert!(footer.contains(hint), "{hint:?} not in {footer:?}");
    }
    press(&mut state, &mut worker, &[key(KeyCode::F(1))]);
    assert_eq!(state.context(), Context::Help);
    let help = screen(&state, 80, 24);
    assert!(help.contains("Here: Editing lyrics"), "{help}");
    for entry in ["Ctrl-Z", "undo", "Ctrl-R", "redo"] {
        assert!(help.contains(entry), "{entry:?} not in the help:\n{help}");
    }
    press(&mut state, &mut worker, &[key(KeyCode::F(1))]);
    assert_eq!(state.context(), Context::LyricsEdit);
    assert_eq!(state.form.track().text_input, "why?");
    // In a one-line field too.
    press(
        &mut state,
        &mut worker,
        &[
            key(KeyCode::Esc),
            key(KeyCode::Char('2')),
            key(KeyCode::Enter),
        ],
    );
    assert_eq!(state.context(), Context::FieldEdit);
    press(&mut state, &mut worker, &[key(KeyCode::F(1))]);
    assert_eq!(state.context(), Context::Help);
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert_eq!(state.context(), Context::FieldEdit);
}

/// The default model is instrumental and returns ~30 s: the lyrics pane
/// and the duration say so, and which model would sing them at length.
#[test]
fn the_form_says_what_the_model_leaves_out() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.form.set_lyrics("City lights are calling");
    let shown = screen(&state, 80, 24);
    for said in [
        "Not sung by lyria-002;",
        "lyria-3-pro sings them",
        "lyria-002 gives ~30 s;",
        "lyria-3-pro follows",
    ] {
        assert!(shown.contains(said), "{said:?} missing:\n{shown}");
    }
    let mut track = state.form.track().clone();
    track.model = Some(music_gen::domain::model::Model::Lyria3Pro);
    state.form.restore(track, None);
    let shown = screen(&state, 80, 24);
    assert!(!shown.contains("Not sung"), "{shown}");
    assert!(shown.contains("lyria-3-pro: sung"), "{shown}");
}

/// At 80×24 the form's last rows are below the pane: its bottom border
/// says how many, and that there are more above once it scrolled.
#[test]
fn the_form_says_it_has_rows_out_of_sight() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    let form_bottom = |s: &AppState| {
        screen(s, 80, 24)
            .lines()
            .find(|l| l.contains("more ") && (l.contains('↓') || l.contains('↑')))
            .map(str::to_string)
    };
    let first = form_bottom(&state).expect("an indicator at 80×24");
    assert!(first.contains("↓") && !first.contains("↑"), "{first}");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('2')), key(KeyCode::End)],
    );
    let last = form_bottom(&state).expect("an indicator at the end");
    assert!(last.contains("↑") && !last.contains("↓"), "{last}");
    // Tall enough, no indicator.
    let tall = screen(&state, 120, 60);
    assert!(
        !tall.contains(" more ━") && !tall.contains(" more ─"),
        "{tall}"
    );
}

/// Lyria 3 is served only at `global`: in gcp mode the form says so at the
/// model before anything (even the cost question) happens.
#[test]
fn lyria3_outside_global_is_refused_at_the_model() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.settings.key.mode = Mode::Gcp;
    state.settings.key.project = Some("p".to_string());
    state.settings.model = music_gen::domain::model::Model::Lyria3Clip;
    let problems = state.form.problems(&state.settings);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "model");
    assert!(problems[0].message.contains("only at location global"));
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    assert!(worker.generations().is_empty());
    assert!(
        state.popups.is_empty(),
        "no cost question for a request that cannot run"
    );

    state.settings.key.location = "global".to_string();
    assert!(state.form.problems(&state.settings).is_empty());
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    assert!(matches!(state.popups.last(), Some(Popup::Confirm(_))));
}

/// What the settings view chooses is written to the config file (by the
/// worker) as it changes; a setting the environment gives is said to win at
/// the next start.
#[test]
fn settings_changes_are_written_to_the_config_file() {
    use music_gen::tui::state::popup::Setting;
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    let saves = |worker: &FakeWorker| {
        worker
            .sent
            .iter()
            .filter_map(|(_, r)| match r {
                Request::SaveSettings { path, settings } => Some((path.clone(), settings.clone())),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    // Opening and closing the view writes nothing.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('o')), key(KeyCode::Esc)],
    );
    assert!(saves(&worker).is_empty());

    state.config.outranked = vec![(Setting::Location, "env GOOGLE_CLOUD_REGION".into())];
    // Model → Lyria 3 Clip, which offers the global location: yes.
    press(
        &mut state,
        &mut worker,
        &[
            key(KeyCode::Char('o')),
            key(KeyCode::Down),
            key(KeyCode::Down),
            key(KeyCode::Down),
            key(KeyCode::Right),
        ],
    );
    let first = saves(&worker);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].0, paths().config_file);
    assert_eq!(first[0].1.model.id(), "lyria-3-clip-preview");
    settle(&mut state, &mut worker);
    let notice = state.notice.clone().unwrap().text;
    assert!(
        notice.starts_with("Settings saved to /home/user/.config/music-gen/config.toml"),
        "{notice}"
    );
    assert!(!notice.contains("GOOGLE_CLOUD_REGION"), "{notice}");

    press(&mut state, &mut worker, &[key(KeyCode::Char('y'))]);
    let second = saves(&worker);
    assert_eq!(second.len(), 2, "{second:?}");
    assert_eq!(second[1].1.location, "global");
    settle(&mut state, &mut worker);
    let notice = state.notice.clone().unwrap().text;
    assert!(
        notice.ends_with("env GOOGLE_CLOUD_REGION still sets location at start"),
        "{notice}"
    );
    let screen = screen(&state, 100, 30);
    assert!(
        screen.contains("(env GOOGLE_CLOUD_REGION wins at start)"),
        "{screen}"
    );
    assert!(screen.contains("Config file"), "{screen}");
}

/// `/` in the help narrows it to the lines that mention what is typed,
/// under their section titles; Esc brings the whole help back.
#[test]
fn help_search_narrows_to_matching_keys() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('?')), key(KeyCode::Char('/'))],
    );
    assert_eq!(state.context(), Context::HelpSearch);
    // Letters are typed into the search, not taken as commands ('q').
    type_text(&mut state, &mut worker, "quit");
    assert!(!state.should_quit());
    let shown = screen(&state, 80, 24);
    assert!(shown.contains("search: quit"), "{shown}");
    assert!(shown.contains("In every pane"), "{shown}");
    assert!(!shown.contains("scroll a page down"), "{shown}");
    let matches = shown
        .lines()
        .filter(|l| l.to_lowercase().contains("quit"))
        .count();
    assert!(matches >= 2, "{shown}");

    // Enter keeps the search and leaves typing; Esc closes the help.
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert_eq!(state.context(), Context::Help);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('/')), ctrl('u')],
    );
    type_text(&mut state, &mut worker, "zzzz");
    let shown = screen(&state, 80, 24);
    assert!(
        shown.contains("Nothing in the help matches \"zzzz\""),
        "{shown}"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    let shown = screen(&state, 80, 24);
    assert!(shown.contains("/ search"), "{shown}");
    assert_eq!(state.context(), Context::Help);
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);
    assert!(state.popups.is_empty());
}

/// A take that ends while the user looks elsewhere rings the bell once;
/// the window title counts what runs; `bell = false` silences it.
#[test]
fn a_take_that_ends_unwatched_rings_the_bell_and_the_title_counts() {
    use music_gen::worker::WorkerError;
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    assert_eq!(state.window_title(), "music-gen");
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('g')), key(KeyCode::Char('g'))],
    );
    let ids = worker.generations();
    assert_eq!(state.window_title(), "music-gen · 2 running");
    let fail = |id| Event::Failed {
        id,
        error: WorkerError::Internal("test"),
    };
    // The terminal says it lost focus: the end of a take rings.
    state.attention.focused = Some(false);
    state.on_event(fail(ids[0]), &mut worker);
    assert_eq!(state.window_title(), "music-gen · 1 running");
    assert!(state.take_bell());
    assert!(!state.take_bell(), "once");
    // Watching (focus back): no bell.
    state.attention.focused = Some(true);
    state.attention.bell_enabled = true;
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    let third = *worker.generations().last().unwrap();
    state.on_event(fail(ids[1]), &mut worker);
    assert!(!state.take_bell());
    // Away, but the config file said `bell = false`.
    state.attention.focused = Some(false);
    state.attention.bell_enabled = false;
    state.on_event(fail(third), &mut worker);
    assert!(!state.take_bell());
    assert_eq!(state.window_title(), "music-gen");
}

/// A take this session made reads as a take in the library does — time,
/// preset, measured length, model, temperature, first words — under the
/// `#N` the status line uses too.
#[test]
fn a_finished_take_of_the_session_reads_like_a_library_take() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.form.set_lyrics("City lights are calling\nme home");
    lyria3_generation(&mut state, &mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Char('z'))]);
    let shown = screen(&state, 100, 24);
    for needed in [
        "♪ #1 12:00 classical_orchestral",
        "3:04.3 · lyria-3-pro-preview · t 0.5 · “City lights are calling me home”",
    ] {
        assert!(shown.contains(needed), "{needed:?} missing from:\n{shown}");
    }
    // The keys on a take work on it at once, before the library lists it.
    assert_eq!(
        state.selected_take().map(|t| t.id.as_str()),
        Some("20260101-120000-classical")
    );
}

/// One numbering: the row, the cancel message and the details say `#2`
/// of the second generation, whatever request ids the worker saw.
#[test]
fn the_log_the_cancel_message_and_the_details_share_one_number() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    let mut track = state.form.track().clone();
    track.seed = Some(4242);
    let source = state.form.source().cloned();
    state.form.restore(track, source);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    let second = *worker.generations().last().unwrap();
    state.on_event(Event::Started { id: second }, &mut worker);
    // Presets → Form → Lyrics → Prompt → Log.
    press(&mut state, &mut worker, &[key(KeyCode::BackTab)]);
    press(&mut state, &mut worker, &[key(KeyCode::Char('z'))]);
    let shown = screen(&state, 100, 24);
    for needed in [
        "#2 running 0s · classical_orchestral · simulate",
        "lyria-002 · seed 4242 · t 0.5",
        "#1 queued · classical_orchestral",
        // Offered while something runs (and only then).
        "c cancel generation",
    ] {
        assert!(shown.contains(needed), "{needed:?} missing from:\n{shown}");
    }
    press(&mut state, &mut worker, &[key(KeyCode::Char('c'))]);
    assert_eq!(
        state.notice.as_ref().map(|n| n.text.as_str()),
        Some("Cancelling generation #2")
    );
    state.on_event(Event::Cancelled { id: second }, &mut worker);
    let shown = screen(&state, 100, 24);
    assert!(
        shown.contains("⊘ #2 cancelled 00:00 · classical_orchestral"),
        "{shown}"
    );
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    let details = screen(&state, 100, 30);
    for needed in ["Generation #2", "Seed      4242", "Temp.     0.5"] {
        assert!(
            details.contains(needed),
            "{needed:?} missing from:\n{details}"
        );
    }
}

/// Words put in whole (a draft, a take) are continued where they end, not
/// typed in front of them.
#[test]
fn the_editor_opens_at_the_end_of_restored_words() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.form.set_lyrics("City lights\nare calling");
    // Presets → Form → Lyrics, then the editor.
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Enter)],
    );
    assert!(state.form.is_editing_lyrics());
    type_text(&mut state, &mut worker, " me");
    assert_eq!(state.form.track().text_input, "City lights\nare calling me");
}

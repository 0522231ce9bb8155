//! gcp mode guides instead of failing: a project is asked for when it is
//! needed, Lyria 3 is offered its location, the form says what the model
//! returns, and the estimate follows the chosen model.

mod tui_support;

use crossterm::event::KeyCode;
use music_gen::domain::model::Model;
use music_gen::generate::Mode;
use music_gen::tui::state::popup::{Confirm, InputPurpose, Popup};
use music_gen::tui::theme::Theme;
use tui_support::*;

#[test]
fn switching_to_gcp_without_a_project_opens_the_project_field() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    press(
        &mut state,
        &mut worker,
        &[key(KeyCode::Char('o')), key(KeyCode::Enter)],
    );
    assert_eq!(state.settings.key.mode, Mode::Gcp);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Input(i)) if i.purpose == InputPurpose::Project
    ));
    let screen = screen(&state, 80, 24);
    assert!(!screen.contains("optional"), "{screen}");
    assert!(!screen.contains("default"), "{screen}");
    type_text(&mut state, &mut worker, "my-project");
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert_eq!(state.settings.key.project.as_deref(), Some("my-project"));
}

#[test]
fn generate_in_gcp_without_a_project_says_where_to_set_it_before_any_cost() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    // Settings: Enter on Mode switches to gcp and asks for a project; Esc
    // leaves it unset, Esc closes the view.
    press(
        &mut state,
        &mut worker,
        &[
            key(KeyCode::Char('o')),
            key(KeyCode::Enter),
            key(KeyCode::Esc),
            key(KeyCode::Esc),
        ],
    );
    assert_eq!(state.settings.key.mode, Mode::Gcp);
    press(&mut state, &mut worker, &[key(KeyCode::Char('g'))]);
    assert!(state.popups.is_empty(), "no cost question");
    assert!(worker.generations().is_empty());
    let notice = &state.notice.as_ref().unwrap().text;
    assert!(notice.contains("Set a project: o → Project"), "{notice}");
    assert!(!notice.contains("--project"), "no flag inside the TUI");
}

#[test]
fn lyria3_outside_global_is_offered_the_global_location() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    assert_eq!(state.settings.key.location, "us-central1");
    // Settings: Mode, Project, Location, Model; → picks the next model.
    press(&mut state, &mut worker, &[key(KeyCode::Char('o'))]);
    press(&mut state, &mut worker, &[key(KeyCode::Down); 3]);
    press(&mut state, &mut worker, &[key(KeyCode::Right)]);
    assert!(state.settings.model.requires_global());
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::UseGlobal(_)))
    ));
    press(&mut state, &mut worker, &[key(KeyCode::Char('y'))]);
    assert_eq!(state.settings.key.location, "global");
}

#[test]
fn the_form_says_what_the_model_returns_and_the_estimate_follows_it() {
    let mut worker = FakeWorker::new(&[]);
    let mut state = started(&mut worker, Theme::COLOR);
    state.settings.model = Model::Lyria2;
    let lyria2 = screen(&state, 120, 40);
    assert!(lyria2.contains("lyria-002 gives ~30 s;"), "{lyria2}");
    assert!(lyria2.contains("Not sung by lyria-002"), "{lyria2}");
    assert!(lyria2.contains("est. $0.0600"), "{lyria2}");
    state.settings.model = Model::Lyria3Pro;
    let pro = screen(&state, 120, 40);
    assert!(pro.contains("lyria-3-pro: sung, up to ~3 min"), "{pro}");
    assert!(!pro.contains("Not sung"), "{pro}");
    assert!(
        !pro.contains("est. $0.0600"),
        "the estimate changed:\n{pro}"
    );
}

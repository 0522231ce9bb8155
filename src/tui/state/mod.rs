//! Everything the screen shows, and the update logic that changes it. No
//! terminal and no I/O here: requests leave through an [`Outbox`], answers
//! come back as worker events, and tests drive both directly.

pub mod attention;
mod config;
mod draft;
mod events;
pub mod form;
pub mod history;
pub mod input;
pub mod library;
pub mod log;
pub mod popup;
pub mod presets;
mod takes;
mod undo;
mod update;
pub mod variations;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::model::{Model, PresetConfig};
use crate::generate::{GenerationSettings, OutputTarget};
use crate::tui::keymap::{self, Context};
use crate::tui::theme::Theme;
use crate::worker::{Request, RequestId, WorkerHandle};

use form::TrackForm;
use library::Library;
use log::GenerationLog;
use popup::Popup;
use presets::PresetList;

/// Where requests go. The worker in the app, a recorder in tests.
pub trait Outbox {
    fn send(&mut self, request: Request) -> RequestId;
}

impl Outbox for WorkerHandle {
    fn send(&mut self, request: Request) -> RequestId {
        WorkerHandle::send(self, request)
    }
}

/// The panes, in the order Tab visits them and the digits name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray)]
pub enum Focus {
    Presets,
    Form,
    Lyrics,
    Prompt,
    Log,
}

impl Focus {
    pub const ORDER: &[Focus] = <Focus as strum::VariantArray>::VARIANTS;

    pub fn name(self) -> &'static str {
        match self {
            Focus::Presets => "Presets",
            Focus::Form => "Track",
            Focus::Lyrics => "Lyrics",
            Focus::Prompt => "Prompt",
            Focus::Log => "Log",
        }
    }

    fn step(self, delta: isize) -> Focus {
        let i = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        Focus::ORDER[(i + delta).rem_euclid(Focus::ORDER.len() as isize) as usize]
    }
}

/// What the last frame could show: how far the prompt and the topmost
/// popup scroll, and how many rows make a page. The renderer measures; the
/// state keeps its positions within these after each draw (a resize
/// included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewLimits {
    pub prompt_max: u16,
    pub prompt_page: u16,
    pub popup_max: Option<u16>,
    pub popup_page: u16,
    pub list_page: u16,
}

impl Default for ViewLimits {
    fn default() -> ViewLimits {
        ViewLimits {
            prompt_max: 0,
            prompt_page: 1,
            popup_max: None,
            popup_page: 1,
            list_page: 1,
        }
    }
}

/// The directories and files the help and settings name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub presets_dir: PathBuf,
    pub output_dir: PathBuf,
    pub log_path: PathBuf,
    /// Where each session keeps its draft.
    pub drafts_dir: PathBuf,
    /// music-gen's config file, where the settings view keeps its choices.
    pub config_file: PathBuf,
}

impl Paths {
    /// A path as the UI shows it: whole, as `config`, `generate` and
    /// `history` print it. A `~` would be shorter, but it is not expanded
    /// inside quotes or by other programs, and it names another folder
    /// under `sudo` or another `HOME`; one form everywhere is what a user
    /// can copy.
    pub fn show(&self, path: &std::path::Path) -> String {
        path.display().to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

/// One line of feedback in the footer, until the next key; news fades
/// after [`NOTICE_FADES`] so the key hints come back, an error stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
    /// When it was given, on the app's clock.
    pub at: Duration,
}

pub const NOTICE_FADES: Duration = Duration::from_secs(4);

/// The spinner's pace while a generation runs.
pub const SPINNER_TICK: Duration = Duration::from_millis(120);

/// A preset being saved, between the steps of "save as".
#[derive(Debug)]
struct PresetSave {
    name: String,
    description: Option<String>,
    /// The user agreed to replace the preset of this name.
    replace: bool,
}

/// What an answer from the worker is for.
#[derive(Debug)]
enum Pending {
    List,
    /// `apply`: put it in the form; otherwise only show its details.
    Load {
        name: String,
        apply: bool,
    },
    Save(Box<PresetConfig>),
    Delete,
    Generate,
    RestoreDraft,
    SaveDraft,
    RestoreBuiltins,
    /// The settings that changed since the last write.
    SaveSettings(Vec<popup::Setting>),
    /// A listing of the takes; only the latest one is applied.
    Takes,
    /// The folder watch, answered again at each change.
    Watch,
    /// A take read whole, and what to do with it then.
    LoadTake {
        take: crate::library::TakeId,
        then: takes::AfterLoad,
    },
    Sound(crate::library::TakeId),
    Play(crate::library::TakeId),
    Open,
    DeleteTake,
    CheckSetup,
}

impl Pending {
    /// Answered in `takes`.
    fn is_take(&self) -> bool {
        matches!(
            self,
            Pending::Takes
                | Pending::Watch
                | Pending::LoadTake { .. }
                | Pending::Sound(_)
                | Pending::Play(_)
                | Pending::Open
                | Pending::DeleteTake
        )
    }
}

/// The settings view's set-up check: not run, running, or its report for
/// the settings it ran with.
#[derive(Debug, Clone, Default)]
pub enum SetupCheck {
    #[default]
    NotRun,
    Running(RequestId),
    Done(crate::doctor::Report),
}

pub struct AppState {
    pub settings: GenerationSettings,
    pub paths: Paths,
    pub theme: Theme,
    pub focus: Focus,
    pub presets: PresetList,
    pub form: TrackForm,
    pub log: GenerationLog,
    /// Past takes in the output folder.
    pub library: Library,
    /// The selected row of the Generations pane (see `history`).
    pub history_selected: usize,
    /// Text to put on the clipboard with the next frame (OSC 52).
    pub clipboard: Option<String>,
    /// Topmost last.
    pub popups: Vec<popup::Popup>,
    pub notice: Option<Notice>,
    pub prompt_scroll: u16,
    /// The focused pane alone, full screen.
    pub zoom: bool,
    pub view: ViewLimits,
    /// Time since the app started; the log measures from it, and tests set
    /// it so snapshots do not depend on the clock.
    pub clock: Duration,
    /// Unix seconds (UTC) when the clock read zero: the wall-clock time of
    /// a log entry. Tests leave it 0.
    pub epoch: i64,
    pub spinner: usize,
    pending: HashMap<RequestId, Pending>,
    /// The one preset load whose answer goes into the form; an older one
    /// that arrives late is dropped.
    latest_apply: Option<RequestId>,
    /// Select this preset when the next listing arrives (after a save).
    select_after_list: Option<String>,
    /// The preset a take loaded into the form started from: it becomes the
    /// form's when its details arrive.
    source_after_load: Option<String>,
    /// The form has had its start: a restored draft or the first preset.
    first_loaded: bool,
    /// The start's load of the first preset, which is not announced.
    first_load: Option<RequestId>,
    pub draft: draft::DraftKeeper,
    pub setup_check: SetupCheck,
    pub config: config::ConfigKeeper,
    pub attention: attention::Attention,
    /// A preset save between its steps (name → description → tips).
    preset_save: Option<PresetSave>,
    /// Bounds the variations' requests in flight, shared by all of them.
    pub limiter: crate::generate::Limiter,
    quit: bool,
    suspend: bool,
}

impl AppState {
    pub fn new(settings: GenerationSettings, paths: Paths, theme: Theme) -> AppState {
        let config = config::ConfigKeeper::new(&settings);
        AppState {
            settings,
            draft: draft::DraftKeeper::new(paths.drafts_dir.clone()),
            config,
            preset_save: None,
            limiter: crate::generate::Limiter::new(variations::IN_FLIGHT),
            attention: attention::Attention::default(),
            paths,
            theme,
            focus: Focus::Presets,
            presets: PresetList::default(),
            form: TrackForm::new(theme),
            log: GenerationLog::default(),
            library: Library::default(),
            history_selected: 0,
            clipboard: None,
            popups: Vec::new(),
            notice: None,
            prompt_scroll: 0,
            zoom: false,
            view: ViewLimits::default(),
            clock: Duration::ZERO,
            epoch: 0,
            spinner: 0,
            pending: HashMap::new(),
            latest_apply: None,
            select_after_list: None,
            source_after_load: None,
            first_loaded: false,
            first_load: None,
            setup_check: SetupCheck::NotRun,
            quit: false,
            suspend: false,
        }
    }

    /// Asks for the newest draft and the preset list; the draft, or else
    /// the first usable preset, goes into the form.
    pub fn start(&mut self, out: &mut dyn Outbox) {
        // The takes first: with many, theirs is the longest answer. The
        // folder is watched once the first listing is in: setting up a
        // watch costs the kernel a walk over the folder's files, which
        // would otherwise delay the takes on screen (docs/benchmarks.md).
        self.list_takes(out);
        self.ask_for_draft(out);
        self.request(out, Request::ListPresets, Pending::List);
    }

    /// Once both the draft answer and the listing are in, and no draft came
    /// back: the first usable preset goes into the form.
    fn load_first_preset(&mut self, out: &mut dyn Outbox) {
        if self.first_loaded || !self.presets.is_listed() || !self.draft.restore_answered {
            return;
        }
        self.first_loaded = true;
        if let Some(first) = self.presets.first_usable() {
            let name = first.name.clone();
            self.presets.select_name(&name);
            let request = Request::LoadPreset { name: name.clone() };
            let id = self.request(out, request, Pending::Load { name, apply: true });
            self.latest_apply = Some(id);
            self.first_load = Some(id);
        }
    }

    fn request(&mut self, out: &mut dyn Outbox, request: Request, pending: Pending) -> RequestId {
        let id = out.send(request);
        self.pending.insert(id, pending);
        id
    }

    /// Maps a key through the keymap and applies it; returns whether the
    /// screen needs a redraw.
    pub fn key(&mut self, key: KeyEvent, out: &mut dyn Outbox) -> bool {
        // A quick Esc then a key arrives as Alt-key (no binding uses Alt):
        // it is both keys, as the user typed them.
        if key.modifiers.contains(KeyModifiers::ALT) {
            let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
            let plain = KeyEvent {
                modifiers: key.modifiers - KeyModifiers::ALT,
                ..key
            };
            let first = self.key(esc, out);
            return self.key(plain, out) || first;
        }
        match keymap::action_for(self.context(), key) {
            Some(action) => self.apply(action, out),
            None => false,
        }
    }

    pub fn context(&self) -> Context {
        match self.popups.last() {
            Some(Popup::Help { typing: true, .. }) => return Context::HelpSearch,
            Some(Popup::Help { .. }) => return Context::Help,
            Some(Popup::Details { .. } | Popup::Take { .. } | Popup::Compare { .. }) => {
                return Context::Details;
            }
            Some(Popup::Confirm(_)) => return Context::Confirm,
            Some(Popup::Input(_)) => return Context::Input,
            Some(Popup::Settings { .. }) => return Context::Settings,
            Some(Popup::Variations(_)) => return Context::Variations,
            None => {}
        }
        self.pane_context()
    }

    /// Where the keys go under any popup: the focused pane, or the field
    /// typed in there.
    pub fn pane_context(&self) -> Context {
        match self.focus {
            Focus::Presets if self.presets.filtering => Context::Filter,
            Focus::Presets => Context::Presets,
            Focus::Form if self.form.edit.is_some() => Context::FieldEdit,
            Focus::Form => Context::Form,
            Focus::Lyrics if self.form.is_editing_lyrics() => Context::LyricsEdit,
            Focus::Lyrics => Context::Lyrics,
            Focus::Prompt => Context::Prompt,
            Focus::Log if self.library.filtering => Context::LogFilter,
            Focus::Log => Context::Log,
        }
    }

    /// The model a generation from the form would use.
    pub fn model(&self) -> Model {
        self.form.track().model.unwrap_or(self.settings.model)
    }

    pub fn output(&self) -> OutputTarget {
        OutputTarget::folder(self.paths.output_dir.clone())
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// True once per Ctrl-Z; the app then suspends the process.
    pub fn take_suspend(&mut self) -> bool {
        std::mem::take(&mut self.suspend)
    }

    /// Takes what the frame just drawn could show and keeps every scroll
    /// position within it (the renderer clamps too, so no redraw is
    /// needed).
    pub fn set_view(&mut self, view: ViewLimits) {
        self.view = view;
        self.prompt_scroll = self.prompt_scroll.min(view.prompt_max);
        if let Some(max) = view.popup_max {
            self.clamp_popup_scroll(max);
        }
    }

    /// Keeps the topmost popup's scroll within what the last frame could
    /// show (the renderer clamps too, so no redraw is needed).
    pub fn clamp_popup_scroll(&mut self, max: u16) {
        if let Some(
            Popup::Help { scroll, .. }
            | Popup::Details { scroll, .. }
            | Popup::Take { scroll, .. }
            | Popup::Compare { scroll, .. },
        ) = self.popups.last_mut()
        {
            *scroll = (*scroll).min(max);
        }
    }

    /// Whether a spinner turns, so the app should tick.
    pub fn is_animating(&self) -> bool {
        self.log.any_active()
    }

    /// How often the screen changes by itself: the spinner's pace while a
    /// generation runs, once a second while a take plays (its elapsed
    /// time), never otherwise.
    pub fn tick_every(&self) -> Option<Duration> {
        if self.is_animating() {
            Some(SPINNER_TICK)
        } else if self.library.playing.is_some() {
            Some(Duration::from_secs(1))
        } else {
            None
        }
    }

    /// Whether any request still waits for its answer. The folder watch
    /// and a playing take answer whenever something happens, so they are
    /// not waited for.
    pub fn is_waiting(&self) -> bool {
        self.pending
            .values()
            .any(|p| !matches!(p, Pending::Watch | Pending::Play(_)))
    }

    /// Advances the spinner and the elapsed times.
    pub fn tick(&mut self, clock: Duration) -> bool {
        self.clock = clock;
        if self.library.playing.is_some() && !self.is_animating() {
            return true;
        }
        if !self.is_animating() {
            return false;
        }
        self.spinner = self.spinner.wrapping_add(1);
        true
    }

    fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind: NoticeKind::Info,
            text: text.into(),
            at: self.clock,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind: NoticeKind::Error,
            text: text.into(),
            at: self.clock,
        });
    }

    /// When the news in the footer fades, if it does.
    pub fn notice_fades(&self) -> Option<Duration> {
        match &self.notice {
            Some(n) if n.kind == NoticeKind::Info => Some(n.at + NOTICE_FADES),
            _ => None,
        }
    }

    /// Lets faded news go; returns whether the screen changes.
    pub fn fade_notice(&mut self, clock: Duration) -> bool {
        self.clock = clock;
        match self.notice_fades() {
            Some(at) if at <= clock => {
                self.notice = None;
                true
            }
            _ => false,
        }
    }
}

//! The terminal UI: `music-gen` with no subcommand. It renders the preset
//! list, the track form, the prompt and the generation log, and talks to
//! the worker only through requests and events.

pub mod action;
mod app;
pub mod clipboard;
pub mod keymap;
pub mod report;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ui;

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::generate::GenerationSettings;
use crate::settings::file::ConfigFile;
use crate::settings::{Settings, Source};
use crate::worker::WorkerHandle;
use state::popup::Setting;

/// What the binary hands the UI.
pub struct Launch {
    pub worker: WorkerHandle,
    pub settings: GenerationSettings,
    pub presets_dir: PathBuf,
    pub output_dir: PathBuf,
    pub log_path: PathBuf,
    /// A line for the status bar at start, such as the import hint.
    pub notice: Option<String>,
    /// Where each setting came from at start; the settings view writes
    /// its changes to the config file and says which ones a flag, the
    /// environment or `.env` will still outrank.
    pub sources: Settings,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("the terminal UI needs a terminal; run a subcommand instead (see --help)")]
    NotATerminal,
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("the background worker stopped unexpectedly; see the log file")]
    WorkerStopped,
}

/// How the UI ended, so the process can exit as a shell expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// SIGTERM or SIGHUP (an SSH drop): the number of the signal.
    Signal(i32),
}

impl Exit {
    /// 0 for a quit, 128 + the signal number otherwise.
    pub fn code(self) -> u8 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(n) => (128 + n).clamp(0, 255) as u8,
        }
    }
}

/// Runs the UI until the user quits, a signal asks it to, or the terminal
/// fails. The terminal is restored in every case.
pub async fn run(launch: Launch) -> Result<Exit, TuiError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let Launch {
        mut worker,
        settings,
        presets_dir,
        output_dir,
        log_path,
        notice,
        sources,
    } = launch;
    let paths = state::Paths {
        presets_dir,
        output_dir,
        log_path,
        drafts_dir: crate::paths::drafts_dir(),
        config_file: ConfigFile::path(),
    };
    let (theme, theme_error) = match theme::Theme::from_env().with_file(&theme_file()) {
        Ok(theme) => (theme, None),
        Err(e) => (
            theme::Theme::from_env(),
            Some(format!("{e}; using the default colours")),
        ),
    };
    let mut state = state::AppState::new(settings, paths, theme);
    state.config.outranked = outranked(&sources);
    state.attention.bell_enabled = sources.bell;
    state.notice = match (theme_error, notice) {
        (Some(text), _) => Some((state::NoticeKind::Error, text)),
        (None, notice) => notice.map(|text| (state::NoticeKind::Info, text)),
    }
    .map(|(kind, text)| state::Notice {
        kind,
        text,
        at: std::time::Duration::ZERO,
    });
    // The first requests go out before the terminal is set up, so the
    // takes are being read while the first frame is drawn; the first
    // listing asks for no more takes than the terminal has rows.
    state.library.fit_first_page(crossterm::terminal::size()?.1);
    state.start(&mut worker);
    let mut terminal = terminal::TerminalGuard::enter()?;
    let result = app::run(&mut terminal, &mut state, &mut worker).await;
    drop(terminal);
    result
}

/// The settings whose value at start comes from a layer above the config
/// file, with that layer.
fn outranked(sources: &Settings) -> Vec<(Setting, String)> {
    let above = |source: &Source| match source {
        Source::Flag(_) | Source::Env(_) | Source::DotEnv(_) => Some(source.to_string()),
        Source::ConfigFile(_) | Source::Default => None,
    };
    [
        (Setting::Mode, Some(&sources.mode.source)),
        (
            Setting::Project,
            sources.project.as_ref().map(|p| &p.source),
        ),
        (Setting::Location, Some(&sources.location.source)),
        (Setting::Model, Some(&sources.model.source)),
    ]
    .into_iter()
    .filter_map(|(setting, source)| Some((setting, above(source?)?)))
    .collect()
}

/// `theme.toml` in the folder of the config file.
fn theme_file() -> PathBuf {
    ConfigFile::path()
        .parent()
        .map_or_else(|| PathBuf::from("theme.toml"), |d| d.join("theme.toml"))
}

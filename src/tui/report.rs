//! Fatal-error and panic reports for the terminal UI (color-eyre), installed
//! together with the terminal restore so a report is never printed into the
//! alternate screen. The CLI keeps its one-line errors and does not use this.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::thread::ThreadId;

use color_eyre::config::{HookBuilder, Theme};

use crate::generate::contain;
use crate::tui::terminal;

/// The thread that draws: a panic there ends the UI; a panic anywhere else,
/// or inside a contained generation, is that task's failure, reported by
/// whoever awaited it, and must not tear down a terminal still in use.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Installs color-eyre's report hooks, colored only when stderr is a
/// terminal, and a panic hook that restores the terminal before the
/// report prints. Replaces `contain::install_hook`'s hook, doing its job
/// too. Call from the UI's thread; later calls change nothing.
pub fn install() {
    if UI_THREAD.set(std::thread::current().id()).is_err() {
        return;
    }
    let theme = if std::io::stderr().is_terminal() {
        Theme::dark()
    } else {
        Theme::new()
    };
    let (panic_hook, eyre_hook) = HookBuilder::default()
        .theme(theme)
        .capture_span_trace_by_default(false)
        .into_hooks();
    if let Err(e) = eyre_hook.install() {
        tracing::warn!(%e, "error reports keep the default format");
    }
    std::panic::set_hook(Box::new(move |info| {
        let on_ui = UI_THREAD.get() == Some(&std::thread::current().id());
        match verdict(on_ui, contain::inside()) {
            Verdict::Caught => tracing::warn!(panic = %info, "a panic was caught"),
            Verdict::TaskFailed => {
                let report = panic_hook.panic_report(info);
                tracing::error!("a task panicked:\n{report}");
            }
            Verdict::UiEnds => {
                let report = panic_hook.panic_report(info);
                terminal::restore();
                eprintln!("{report}");
            }
        }
    }));
}

/// What a panic means for the running UI.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Inside `contain` or `catch` (a decoder on a hostile file, a
    /// generation): whoever catches it turns it into an error; the screen
    /// stays as it is.
    Caught,
    /// Another thread's task: it fails alone and the log has the report.
    TaskFailed,
    /// The UI's own thread: the app is going down, so the terminal is
    /// restored before the report prints.
    UiEnds,
}

fn verdict(on_ui: bool, caught: bool) -> Verdict {
    match (on_ui, caught) {
        (_, true) => Verdict::Caught,
        (false, false) => Verdict::TaskFailed,
        (true, false) => Verdict::UiEnds,
    }
}

/// The report for an error that ended the UI: the error, its causes and
/// where it was raised.
pub fn fatal(error: impl std::error::Error + Send + Sync + 'static) -> String {
    format!("{:?}", color_eyre::Report::new(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_uncaught_panic_on_the_ui_thread_restores_the_terminal() {
        assert_eq!(verdict(true, true), Verdict::Caught);
        assert_eq!(verdict(false, true), Verdict::Caught);
        assert_eq!(verdict(false, false), Verdict::TaskFailed);
        assert_eq!(verdict(true, false), Verdict::UiEnds);
        // What a decoder guard on the UI's thread looks like to the hook.
        let seen = contain::catch(|| verdict(true, contain::inside())).unwrap();
        assert_eq!(seen, Verdict::Caught);
    }
}

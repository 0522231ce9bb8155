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
        let report = panic_hook.panic_report(info);
        let on_ui = UI_THREAD.get() == Some(&std::thread::current().id());
        if on_ui && !contain::inside() {
            terminal::restore();
            eprintln!("{report}");
        } else {
            tracing::error!("a task panicked:\n{report}");
        }
    }));
}

/// The report for an error that ended the UI: the error, its causes and
/// where it was raised.
pub fn fatal(error: impl std::error::Error + Send + Sync + 'static) -> String {
    format!("{:?}", color_eyre::Report::new(error))
}

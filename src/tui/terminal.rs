//! The real terminal: raw mode, the alternate screen and bracketed paste,
//! restored on every way out — a normal quit, an error (the guard's Drop), a
//! panic (the hook in `report` restores before the report prints) — and
//! around Ctrl-Z.

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, EnableBracketedPaste, EnableFocusChange,
};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    SetTitle, disable_raw_mode, enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use std::io::Write;

use crate::tui::state::AppState;
use crate::tui::ui;

/// Whether the terminal is in the app's modes; restoring twice would emit
/// a second "leave alternate screen", which moves the cursor on some
/// terminals.
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    /// The window title last set, so it is sent only when it changes.
    title: String,
}

/// xterm's "save the window title" and "restore it": the shell's title
/// comes back on exit where the terminal keeps a stack (others ignore it).
const PUSH_TITLE: &str = "\x1b[22;0t";
const POP_TITLE: &str = "\x1b[23;0t";

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        crate::tui::report::install();
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        let guard = TerminalGuard {
            terminal,
            title: String::new(),
        };
        enter_modes()?;
        Ok(guard)
    }

    /// Draws one frame. ratatui sends only the cells that changed since the
    /// last frame, and the synchronized update makes the terminal show them
    /// at once, without tearing.
    /// Returns the area drawn, which says how much a popup can scroll.
    pub fn draw(&mut self, state: &AppState) -> io::Result<Rect> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        let area = self.terminal.draw(|frame| ui::render(frame, state))?.area;
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        Ok(area)
    }

    /// Sets the window title when it changed, and rings the bell.
    pub fn signal(&mut self, title: &str, bell: bool) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        if title != self.title {
            queue!(out, SetTitle(title))?;
            self.title = title.to_string();
        }
        if bell {
            out.write_all(b"\x07")?;
        }
        out.flush()
    }

    /// Puts `text` on the clipboard of the terminal the user sits at (OSC
    /// 52), wherever this process runs. Text too long for terminals is not
    /// sent.
    pub fn copy(&mut self, text: &str) -> io::Result<()> {
        use std::io::Write;
        if let Some(seq) = crate::tui::clipboard::osc52(text) {
            let out = self.terminal.backend_mut();
            out.write_all(seq.as_bytes())?;
            out.flush()?;
        }
        Ok(())
    }

    /// Ctrl-Z: gives the terminal back to the shell and stops; after `fg`
    /// takes the terminal again and forgets the last frame so the next draw
    /// repaints everything the shell drew over.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        // No handler is installed for SIGTSTP, so the default action stops
        // the process and raise returns after SIGCONT.
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
        enter_modes()?;
        // The title was saved and cleared with the modes: set it again.
        self.title.clear();
        self.terminal.clear()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn enter_modes() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        crossterm::style::Print(PUSH_TITLE),
        EnterAlternateScreen,
        EnableBracketedPaste,
        EnableFocusChange,
        Hide
    )
}

/// Leaves the app's modes if it is in them. Errors are ignored: after an
/// SSH drop there is no terminal left to restore.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(
            io::stdout(),
            DisableFocusChange,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            crossterm::style::Print(POP_TITLE),
            Show
        );
        let _ = disable_raw_mode();
    }
}

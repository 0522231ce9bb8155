//! Getting the user's attention when a take ends while they look elsewhere:
//! the terminal bell (unless the config file says `bell = false`), and the
//! window title, which counts what is running.

use crate::tui::state::{AppState, Focus};

#[derive(Debug)]
pub struct Attention {
    pub bell_enabled: bool,
    /// What the terminal last said about its focus; `None` when it never
    /// said (many terminals, and tmux without `focus-events on`).
    pub focused: Option<bool>,
    /// A bell is due at the next frame.
    bell: bool,
}

impl Default for Attention {
    fn default() -> Self {
        Attention {
            bell_enabled: true,
            focused: None,
            bell: false,
        }
    }
}

impl AppState {
    /// A generation finished or failed: ring when the user is not looking —
    /// the terminal lost focus, or, where it never tells, the log is not
    /// the focused pane.
    pub(super) fn take_ended(&mut self) {
        let away = match self.attention.focused {
            Some(focused) => !focused,
            None => self.focus != Focus::Log || self.zoom,
        };
        self.attention.bell |= self.attention.bell_enabled && away;
    }

    /// Whether to ring now; a bell rings once.
    pub fn take_bell(&mut self) -> bool {
        std::mem::take(&mut self.attention.bell)
    }

    /// The terminal window's title: the app, and how many takes run.
    pub fn window_title(&self) -> String {
        match self.log.active_count() {
            0 => "music-gen".to_string(),
            n => format!("music-gen · {n} running"),
        }
    }
}

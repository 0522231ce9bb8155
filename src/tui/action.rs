//! Everything a user can do. Keys map to these per context (see
//! [`crate::tui::keymap`]); tests drive them directly.

use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Quits, asking first while a generation is in flight.
    Quit,
    /// Quits at once, whatever runs.
    ForceQuit,
    Suspend,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    /// Home: the first row, or the top.
    First,
    /// End: the last row, or the bottom.
    Last,
    /// Jumps to the pane of this number, 1 to 5.
    FocusPane(u8),
    /// Shows the focused pane alone, full screen, or the layout again.
    Zoom,
    /// Ctrl-Z in the lyrics editor: the last group of edits (a word, a
    /// run of deletions, a paste).
    Undo,
    /// Ctrl-R in the lyrics editor: what the last undo took back.
    Redo,
    /// Enter: load, edit, toggle or confirm, depending on where the focus is.
    Activate,
    /// Esc: close a popup, leave a field, clear a filter.
    Back,
    Less,
    More,
    Filter,
    /// Orders a list the next way.
    Sort,
    Generate,
    /// Opens "generate N variations" of the form's track.
    Variations,
    Save,
    Delete,
    NewTrack,
    AddStyle,
    RemoveStyle,
    CancelGeneration,
    Settings,
    /// Runs the `doctor` checks from the settings view.
    CheckSetup,
    /// `?` in a pane, F1 anywhere: the help, or closes it.
    Help,
    /// Loads the selected take's track and settings into the form.
    EditTake,
    /// Runs the selected take again.
    Rerun,
    /// Plays the selected take, or stops it.
    Play,
    /// Opens the take's file or folder with the system opener.
    OpenExternal,
    /// Copies the take's path to the clipboard (OSC 52).
    CopyPath,
    /// Marks the take for comparison, or unmarks it.
    Mark,
    /// Shows two takes side by side.
    Compare,
    Yes,
    No,
    /// A key for the text field being typed in.
    Edit(KeyEvent),
    /// Bracketed paste into the text field being typed in.
    Paste(String),
}

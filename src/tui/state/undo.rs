//! Undo and redo for the lyrics editor, a step per run of edits as editors
//! group them. The editor widget (ratatui-textarea 0.9) undoes one edit, a
//! character, per call and offers no grouping, so the form keeps its own
//! history of whole snapshots: lyrics are at most a few pages, and a step
//! is taken per group, not per key.

use std::collections::VecDeque;

/// Steps kept; the oldest go first.
const MAX_STEPS: usize = 200;

/// What an edit did, for grouping: a run of one kind is one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// A character typed (Enter and Tab included).
    Type(char),
    /// Backspace.
    DeleteBack,
    /// Del.
    DeleteForward,
    /// Anything else (paste, cut, delete to the line end or a word): a step
    /// of its own.
    Other,
}

/// The words and where the cursor was (row, column in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub lines: Vec<String>,
    pub cursor: (usize, usize),
}

/// The group edits are being added to: its kind, where its last edit left
/// the cursor, and whether that edit typed a space.
#[derive(Debug, Clone, Copy)]
struct Open {
    kind: EditKind,
    cursor: (usize, usize),
    after_space: bool,
}

#[derive(Debug, Default)]
pub struct History {
    undo: VecDeque<Snapshot>,
    redo: Vec<Snapshot>,
    open: Option<Open>,
}

impl History {
    /// Records an edit, given the text before it and the cursor after it.
    /// It joins the open group when it continues it: the same kind, at the
    /// cursor the last edit left, and (typing) within the same word and the
    /// spaces after it, so undo takes back a word at a time.
    pub fn record(&mut self, kind: EditKind, before: Snapshot, cursor_after: (usize, usize)) {
        let space = matches!(kind, EditKind::Type(c) if c.is_whitespace());
        let joins = self.open.is_some_and(|open| {
            let same_kind = match (open.kind, kind) {
                // A word starts a step; the spaces after it stay with it.
                (EditKind::Type(_), EditKind::Type(_)) => !open.after_space || space,
                (EditKind::Other, _) => false,
                (a, b) => a == b,
            };
            same_kind && open.cursor == before.cursor
        });
        if !joins {
            if self.undo.len() == MAX_STEPS {
                self.undo.pop_front();
            }
            self.undo.push_back(before);
        }
        self.redo.clear();
        self.open = Some(Open {
            kind,
            cursor: cursor_after,
            after_space: space,
        });
    }

    /// Ends the open group: the next edit starts a step of its own.
    pub fn close(&mut self) {
        self.open = None;
    }

    /// The text to go back to, given the text now (kept for redo).
    pub fn undo(&mut self, now: Snapshot) -> Option<Snapshot> {
        self.open = None;
        let back = self.undo.pop_back()?;
        self.redo.push(now);
        Some(back)
    }

    /// The text an undo left, given the text now (kept for undo).
    pub fn redo(&mut self, now: Snapshot) -> Option<Snapshot> {
        self.open = None;
        let forward = self.redo.pop()?;
        self.undo.push_back(now);
        Some(forward)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(text: &str) -> Snapshot {
        let lines: Vec<String> = text.split('\n').map(String::from).collect();
        let row = lines.len() - 1;
        let col = lines[row].chars().count();
        Snapshot {
            lines,
            cursor: (row, col),
        }
    }

    /// Types `text` at the end of `start`, recording each character.
    fn type_into(h: &mut History, start: &str, text: &str) -> String {
        let mut now = start.to_string();
        for c in text.chars() {
            let before = snap(&now);
            now.push(c);
            h.record(EditKind::Type(c), before, snap(&now).cursor);
        }
        now
    }

    fn text(s: &Snapshot) -> String {
        s.lines.join("\n")
    }

    #[test]
    fn typing_undoes_a_word_at_a_time_and_redoes_it() {
        let mut h = History::default();
        let now = type_into(&mut h, "", "one two\nthree");
        let back = h.undo(snap(&now)).unwrap();
        assert_eq!(text(&back), "one two\n");
        let back = h.undo(back).unwrap();
        assert_eq!(text(&back), "one ");
        let back = h.undo(back).unwrap();
        assert_eq!(text(&back), "");
        assert!(h.undo(back.clone()).is_none());
        let forward = h.redo(back).unwrap();
        assert_eq!(text(&forward), "one ");
        let forward = h.redo(forward).unwrap();
        assert_eq!(text(&forward), "one two\n");
    }

    #[test]
    fn a_run_of_backspaces_is_one_step_and_a_move_ends_a_group() {
        let mut h = History::default();
        let mut now = type_into(&mut h, "", "abc");
        for _ in 0..2 {
            let before = snap(&now);
            now.pop();
            h.record(EditKind::DeleteBack, before, snap(&now).cursor);
        }
        assert_eq!(now, "a");
        let back = h.undo(snap(&now)).unwrap();
        assert_eq!(text(&back), "abc");

        // Typing at the start after typing at the end: two steps.
        let mut h = History::default();
        let now = type_into(&mut h, "", "ab");
        let before = Snapshot {
            lines: vec![now.clone()],
            cursor: (0, 0),
        };
        h.record(EditKind::Type('x'), before, (0, 1));
        let back = h.undo(snap(&format!("x{now}"))).unwrap();
        assert_eq!(text(&back), "ab");
    }

    #[test]
    fn a_new_edit_forgets_the_redo_and_the_oldest_steps_go() {
        let mut h = History::default();
        let now = type_into(&mut h, "", "a b");
        let back = h.undo(snap(&now)).unwrap();
        h.record(EditKind::Other, back, (0, 0));
        assert!(h.redo(snap("")).is_none());

        let mut h = History::default();
        for i in 0..MAX_STEPS + 5 {
            h.record(EditKind::Other, snap(&i.to_string()), (0, 0));
        }
        let mut now = snap("end");
        let mut steps = 0;
        while let Some(back) = h.undo(now.clone()) {
            now = back;
            steps += 1;
        }
        assert_eq!(steps, MAX_STEPS);
        assert_eq!(text(&now), "5");
    }
}

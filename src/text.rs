//! Text measured the way a terminal shows it: in columns, where a CJK
//! character or most emoji take two and a combining mark none. Every place
//! the UI or a table lines text up or cuts it goes through here, so wide
//! lyrics and names never overflow their pane.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `s` takes.
pub fn width(s: &str) -> usize {
    s.width()
}

/// `s` as one line of a terminal ([`one_line`]: control characters shown
/// as escapes) cut to `width` columns, the cut marked with an ellipsis.
pub fn truncate(s: &str, width: usize) -> String {
    let s = one_line(s);
    if s.width() <= width {
        return s.to_string();
    }
    let room = width.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Where a cut may fall: between words, or at the parts of a name
/// (`classical_orchestral`, `lyria-002`, a path).
fn is_break(c: char) -> bool {
    c.is_whitespace() || matches!(c, '_' | '-' | '/' | ',' | ';' | ':' | '·' | '(')
}

/// `s` cut to `width` columns at a word's end, the cut marked with an
/// ellipsis: `classical_orchestral` → `classical…`, never `classical_orch…`.
/// Only a word too long to leave at least half the room is cut inside.
pub fn truncate_words(s: &str, width: usize) -> String {
    let shown = one_line(s);
    if shown.width() <= width {
        return shown.into_owned();
    }
    match truncate_at_word(&shown, width) {
        Some(cut) if cut.width() * 2 > width => cut,
        _ => truncate(&shown, width),
    }
}

/// `s` cut to `width` columns at a word's end with an ellipsis, or `None`
/// when no word ends within them: where a half word would mislead (a
/// title), leave the text out.
pub fn truncate_at_word(s: &str, width: usize) -> Option<String> {
    let s = &*one_line(s);
    if s.width() <= width {
        return Some(s.to_string());
    }
    let room = width.saturating_sub(1);
    let mut head = None;
    let mut used = 0;
    for (i, c) in s.char_indices() {
        if is_break(c) {
            let before = s[..i].trim_end_matches(is_break);
            if !before.is_empty() && before.width() <= room {
                head = Some(before);
            }
        }
        used += c.width().unwrap_or(0);
        if used > room {
            break;
        }
    }
    head.map(|head| format!("{head}…"))
}

/// `s` followed by spaces up to `width` columns (`format!("{s:<w$}")`
/// counts characters, which misaligns wide ones).
pub fn pad(s: &str, width: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(s.width())));
    out
}

/// `text` wrapped at spaces into lines of at most `width` columns; runs of
/// whitespace count as one space, other control characters are shown as
/// escapes, and a word wider than the line is cut.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let words = one_line(&text.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned();
    if words.is_empty() {
        return Vec::new();
    }
    textwrap::wrap(&words, options(width))
        .into_iter()
        .map(String::from)
        .collect()
}

/// Lines break at spaces only: never inside `lyria-3-pro` or a file name
/// at its hyphens; a word wider than the line is cut.
fn options(width: usize) -> textwrap::Options<'static> {
    textwrap::Options::new(width.max(1))
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true)
}

/// Each line of `text` wrapped at spaces into lines of at most `width`
/// columns, its indentation and inner spacing kept (a tab as spaces to the
/// next multiple of four columns), other control characters shown as
/// escapes, a word wider than the line cut. ratatui's own wrapping can put a wide character in the last
/// column, over the pane's border; this never does.
pub fn wrap_lines(text: &str, width: usize) -> Vec<String> {
    let options = options(width);
    text.lines()
        .flat_map(|line| {
            let line = expand_tabs(line);
            let line = one_line(&line);
            let wrapped = textwrap::wrap(&line, &options);
            if wrapped.is_empty() {
                vec![String::new()]
            } else {
                wrapped.into_iter().map(String::from).collect()
            }
        })
        .collect()
}

/// `line` with each tab replaced by spaces up to the next multiple of four
/// columns, as an editor shows indented lyrics.
fn expand_tabs(line: &str) -> Cow<'_, str> {
    if !line.contains('\t') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if c == '\t' {
            let pad = 4 - out.width() % 4;
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` cut into pieces of at most `width` columns, nothing dropped: for a
/// path, which has no spaces to wrap at and is there to be read whole.
pub fn chunks(s: &str, width: usize) -> Vec<String> {
    let room = width.max(1);
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room && used > 0 {
            pieces.push(String::new());
            used = 0;
        }
        used += w;
        pieces.last_mut().expect("never empty").push(c);
    }
    pieces.retain(|p| !p.is_empty());
    pieces
}

/// Text with every control character but newline and tab shown as an
/// escape (`\x1B`, `\u{9B}`), and the bidirectional overrides that can make
/// text read differently from what it is. `Cow::Borrowed` when nothing
/// needed escaping, which is nearly always.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escaped(text, needs_escape)
}

/// [`terminal_safe`] for a one-line value (a genre, a name): newline and tab
/// are shown as escapes too, where a terminal would break the line or a
/// pane would drop them.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escaped(text, |c| needs_escape(c) || c.is_control())
}

fn escaped(text: &str, needs_escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let n = c as u32;
            if n <= 0xFF {
                out.push_str(&format!("\\x{n:02X}"));
            } else {
                out.push_str(&format!("\\u{{{n:X}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` must not reach a terminal as it is: a control character
/// other than newline and tab, or a bidirectional override.
pub fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `512 bytes`, `4.0 KiB`, `3.1 MiB`.
pub fn bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / (KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("夜空"), 4);
        assert_eq!(width("🎸x"), 3);
        assert_eq!(width("e\u{301}"), 1);
    }

    #[test]
    fn truncate_counts_columns_and_never_splits_a_wide_character() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("夜空の星", 8), "夜空の星");
        assert_eq!(truncate("夜空の星", 7), "夜空の…");
        assert_eq!(truncate("夜空の星", 6), "夜空…");
        assert_eq!(width(&truncate("夜空の星", 6)), 5);
        assert_eq!(truncate("🎸🎸🎸", 4), "🎸…");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn truncate_words_cuts_between_words_and_names_parts() {
        assert_eq!(truncate_words("classical_orchestral", 16), "classical…");
        assert_eq!(
            truncate_words("17:10 · seed 4 · lyria-002", 22),
            "17:10 · seed 4…"
        );
        assert_eq!(truncate_words("fits whole", 10), "fits whole");
        // A word too long for half the room is cut inside, as before.
        assert_eq!(truncate_words("a supercalifragilistic", 12), "a supercali…");
        assert_eq!(truncate_words("夜空 の星", 6), "夜空…");
        assert_eq!(truncate_words("abc", 0), "");
    }

    #[test]
    fn wrapped_lines_show_tabs_as_spaces_and_escapes_as_text() {
        assert_eq!(
            wrap_lines("a\tb\n\tc\x1b[2J", 40),
            ["a   b", "    c\\x1B[2J"]
        );
    }

    #[test]
    fn wrapping_never_breaks_at_a_hyphen() {
        let lines = wrap_words("Not sung by lyria-002; lyria-3-pro sings them", 29);
        assert_eq!(lines, ["Not sung by lyria-002;", "lyria-3-pro sings them"]);
        let lines = wrap_lines("lyria-002 gives ~30 s; lyria-3-pro follows this", 24);
        assert!(lines.iter().all(|l| !l.ends_with('-')), "{lines:?}");
    }

    #[test]
    fn escapes_are_made_visible_and_the_rest_kept() {
        assert_eq!(terminal_safe("rock\n\tjazz é 🎵"), "rock\n\tjazz é 🎵");
        assert_eq!(
            terminal_safe("a\x1b[2J\x1b]0;pwned\x07b\rc\u{9b}d\u{202e}"),
            "a\\x1B[2J\\x1B]0;pwned\\x07b\\x0Dc\\x9Bd\\u{202E}"
        );
        assert_eq!(one_line("ro\x1bck\tpop\n"), "ro\\x1Bck\\x09pop\\x0A");
        assert!(matches!(one_line("rock é 🎵"), Cow::Borrowed(_)));
    }

    #[test]
    fn pad_fills_to_columns() {
        assert_eq!(pad("夜", 4), "夜  ");
        assert_eq!(pad("abc", 2), "abc");
    }

    #[test]
    fn wrapped_lines_fit_in_columns() {
        let lines = wrap_words("春の 夜空に 星が 光る 🎸🎸🎸🎸🎸🎸", 7);
        assert!(lines.iter().all(|l| width(l) <= 7), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "春の夜空に星が光る🎸🎸🎸🎸🎸🎸"
        );
        assert_eq!(wrap_words("a  b\n c", 10), ["a b c"]);
        assert!(wrap_words("", 5).is_empty());
    }

    #[test]
    fn wrapped_lines_keep_indentation_and_blank_lines() {
        let text = "Generate a シティポップ 🎸 music track\n\n  - 夜空 🌃";
        let lines = wrap_lines(text, 25);
        assert!(lines.iter().all(|l| width(l) <= 25), "{lines:?}");
        assert_eq!(lines[0], "Generate a シティポップ");
        assert_eq!(lines[1], "🎸 music track");
        assert_eq!(lines[2], "");
        assert_eq!(lines[3], "  - 夜空 🌃");
    }

    #[test]
    fn chunks_keep_every_character_within_the_width() {
        let pieces = chunks("/tmp/音楽/夜空.wav", 5);
        assert!(pieces.iter().all(|p| width(p) <= 5), "{pieces:?}");
        assert_eq!(pieces.concat(), "/tmp/音楽/夜空.wav");
    }
}

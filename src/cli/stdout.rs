//! Everything the CLI prints: written with its errors handled (a closed pipe
//! ends the command quietly, as `ls` does; a full disk is one line), and
//! with control characters made visible, so a preset or a server message
//! cannot clear the screen, retitle the window or overwrite lines.

use std::borrow::Cow;
use std::io::Write;

use crate::cli::error::CliError;

/// Prints `text` as is, but for control characters.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(terminal_safe(text).as_bytes())
        .and_then(|()| out.flush())
        .map_err(write_error)
}

/// Prints a value as indented JSON, which escapes control characters itself.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let mut json = serde_json::to_string_pretty(value).expect("values always serialize");
    json.push('\n');
    let mut out = std::io::stdout().lock();
    out.write_all(json.as_bytes())
        .and_then(|()| out.flush())
        .map_err(write_error)
}

/// Prints one line to stderr, control characters made visible. A failing
/// stderr has nowhere left to report to, so its errors are dropped.
pub fn eprint_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", terminal_safe(text));
}

fn write_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Failure(format!("cannot write to standard output: {e}"))
    }
}

/// Text with every control character but newline and tab shown as an
/// escape (`\x1B`, `\u{9B}`), and the bidirectional overrides that can make
/// text read differently from what it is. `Cow::Borrowed` when nothing
/// needed escaping, which is nearly always.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
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

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn escapes_are_made_visible_and_the_rest_kept() {
        assert_eq!(terminal_safe("rock\n\tjazz é 🎵"), "rock\n\tjazz é 🎵");
        assert_eq!(
            terminal_safe("a\x1b[2J\x1b]0;pwned\x07b\rc\u{9b}d\u{202e}"),
            "a\\x1B[2J\\x1B]0;pwned\\x07b\\x0Dc\\x9Bd\\u{202E}"
        );
    }
}

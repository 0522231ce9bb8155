//! Everything the CLI prints: written with its errors handled (a closed pipe
//! ends the command quietly, as `ls` does; a full disk is one line), and
//! with control characters made visible, so a preset or a server message
//! cannot clear the screen, retitle the window or overwrite lines.

use std::io::Write;

use crate::cli::error::CliError;
pub use crate::text::terminal_safe;

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

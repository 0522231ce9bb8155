//! How the CLI fails: one clear line and an exit code.

use std::process::ExitCode;

use crate::worker::WorkerError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Invalid usage or input: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// Anything else (not found, I/O, generation failure): exit code 1.
    #[error("{0}")]
    Failure(String),
    /// A plan refused by a limit the user set (`batch --max-cost`); nothing
    /// was sent: exit code 3, so a script tells it from a failed take.
    #[error("{0}")]
    Refused(String),
    /// Stopped by the user: exit code 130, like a shell.
    #[error("cancelled")]
    Cancelled,
    /// Stopped by a signal: exit code 128 + its number, like a shell.
    #[error("cancelled by signal {0}")]
    Signal(i32),
    /// Whoever read the output stopped (`| head`): exit quietly with the
    /// status a process killed by SIGPIPE has, as `ls` does.
    #[error("")]
    BrokenPipe,
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Failure(_) => ExitCode::from(1),
            CliError::Refused(_) => ExitCode::from(3),
            CliError::Cancelled => ExitCode::from(130),
            CliError::BrokenPipe => ExitCode::from(128 + libc::SIGPIPE as u8),
            CliError::Signal(n) => ExitCode::from(u8::try_from(128 + n).unwrap_or(1)),
        }
    }
}

impl From<WorkerError> for CliError {
    fn from(e: WorkerError) -> Self {
        if e.is_invalid_input() {
            CliError::Usage(e.to_string())
        } else {
            CliError::Failure(e.to_string())
        }
    }
}

/// A value clap refused from a fixed set (`--mode`, `--model`) as one line,
/// like every other usage error: `--model: "x" is not allowed; use one of …`;
/// a missing argument as what is missing and the usage line, which shows
/// the choices (`history prune` without `--older-than` or `--keep`). Other
/// clap errors keep clap's own report with its usage and tips.
pub fn one_line(e: &clap::Error) -> Option<CliError> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        _ => None,
    };
    if e.kind() == ErrorKind::MissingRequiredArgument {
        let missing = text(ContextKind::InvalidArg)?;
        let usage = text(ContextKind::Usage)?;
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        return Some(CliError::Usage(format!(
            "missing {missing}; usage: {usage}"
        )));
    }
    if e.kind() != ErrorKind::InvalidValue {
        return None;
    }
    let arg = text(ContextKind::InvalidArg)?;
    let flag = arg.split(' ').next().unwrap_or(&arg);
    let value = text(ContextKind::InvalidValue)?;
    let allowed = text(ContextKind::ValidValue)?;
    Some(CliError::Usage(format!(
        "{flag}: {value:?} is not allowed; use one of {allowed}"
    )))
}

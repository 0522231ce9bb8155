//! Shell completions and the manual page, both generated from the same clap
//! definitions as the parser, so they never drift from it.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::args::Cli;
use crate::cli::error::CliError;

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "music-gen", &mut out);
    if shell == Shell::Bash {
        out = fix_bash_labels(&out);
    }
    out
}

/// clap_complete's bash script spells the state for `music-gen presets` as
/// `music__gen__subcmd__presets` where it builds it and
/// `music__subcmd__gen__subcmd__presets` where it matches it, so nothing
/// completes past the first subcommand of a hyphenated program
/// (clap-rs/clap#6421, open). The labels are respelled as the loop builds them.
fn fix_bash_labels(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("music__subcmd__gen", "music__gen")
        .into_bytes()
}

/// The man page, in roff: music-gen(1).
pub fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .expect("writing to memory cannot fail");
    out
}

/// Writes music-gen.1 and one page per visible subcommand (the pages the
/// main one refers to) into `dir`, creating it.
pub fn write_man_pages(dir: &Path) -> Result<(), CliError> {
    let failed = |e: std::io::Error| CliError::Failure(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    crate::cli::stdout::print(&format!("Wrote the manual pages to {}\n", dir.display()))
}

/// Writes generated text to stdout; a reader that went away (`| head`) is
/// not an error worth a message.
pub fn print(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    printed(stdout.write_all(bytes).and_then(|()| stdout.flush()))
}

/// `--help` and `--version`, which clap writes: its own `exit` drops a
/// failed write and exits 0, so help that never reached a full disk would
/// look printed.
pub fn print_clap(e: &clap::Error) -> Result<(), CliError> {
    printed(e.print().and_then(|()| std::io::stdout().flush()))
}

fn printed(written: std::io::Result<()>) -> Result<(), CliError> {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failure(format!("stdout: {e}")))
        }
        _ => Ok(()),
    }
}

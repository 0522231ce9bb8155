//! The headless command line. Every subcommand goes through the same worker
//! the TUI uses.

pub mod args;
mod batch;
mod compat;
mod doctor;
pub mod env;
pub mod error;
mod generate;
mod history;
mod import;
mod info;
mod presets;
mod serve;
mod settings;
mod setup;
pub mod shell;
pub mod stdout;
pub mod summary;
mod table;
mod track;
mod worker_call;

use std::path::Path;

pub use args::Cli;
pub use error::CliError;
pub use settings::{output_dir, resolve as resolve_settings, settings};

use args::Command;

use crate::worker::WorkerHandle;

/// Commands that need neither the worker nor the preset store: they run
/// before either is opened, so printing completions touches no file.
pub fn run_standalone(command: &Command) -> Option<Result<(), CliError>> {
    match command {
        Command::Completions { shell } => Some(shell::print(&shell::completions(*shell))),
        Command::Man { dir: None } => Some(shell::print(&shell::man_page())),
        Command::Man { dir: Some(dir) } => Some(shell::write_man_pages(dir)),
        _ => None,
    }
}

/// The one-time hint to import the Python tool's `./presets`, unless the
/// command is that import already.
pub async fn startup_hint(
    command: Option<&Command>,
    worker: &mut WorkerHandle,
    log_file: &Path,
) -> Option<String> {
    if let Some(Command::Presets(args::PresetsCommand::Import(_))) = command {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    let marker = log_file.with_file_name("python-presets-hinted");
    import::python_presets_hint(worker, &cwd, &marker).await
}

/// `music-gen doctor`, which needs no worker: it runs (and reports a
/// presets store that cannot be opened as a failed check) even when the
/// store would stop every other command at start.
pub async fn run_doctor(
    cli: &Cli,
    presets_dir: &Path,
    log_file: &Path,
    json: bool,
) -> Result<(), CliError> {
    let s = settings(&cli.generation)?;
    let out = output_dir(&cli.generation);
    let subject = doctor::subject(&s, (presets_dir, out.as_path(), log_file));
    doctor::run(subject, json).await
}

/// Runs one subcommand. `log_file` is shown by `config`. The worker is
/// the server's to keep once `serve` starts.
pub async fn run(
    command: Command,
    cli: &Cli,
    mut worker: WorkerHandle,
    presets_dir: &Path,
    log_file: &Path,
) -> Result<(), CliError> {
    for name in worker.restored_builtins() {
        tracing::info!(%name, "wrote missing built-in preset");
    }
    let model_flag = cli.generation.model;
    match command {
        Command::Serve(args) => serve::serve(args, cli, worker).await,
        Command::Presets(cmd) => presets::run(cmd, &mut worker).await,
        Command::Completions { .. } | Command::Man { .. } => {
            run_standalone(&command).unwrap_or(Ok(()))
        }
        Command::Python(alias) => presets::run(alias.into_presets(), &mut worker).await,
        Command::Prompt(args) => generate::prompt(&mut worker, &args, model_flag).await,
        Command::Generate(args) => {
            let s = settings(&cli.generation)?;
            let location_flag = cli.generation.location.is_some();
            generate::generate(&mut worker, args, s, model_flag, location_flag).await
        }
        Command::Setup => setup::run(cli, presets_dir, log_file).await,
        Command::Batch(args) => {
            let s = settings(&cli.generation)?;
            batch::batch(&mut worker, args, s).await
        }
        Command::Tips { preset, json } => info::tips(&mut worker, preset, json).await,
        Command::History(args) => {
            let dir = output_dir(&cli.generation);
            history::run(args, &mut worker, &dir).await
        }
        Command::Play { id } => {
            let dir = output_dir(&cli.generation);
            history::play(&mut worker, &dir, &id).await
        }
        Command::Rerun(args) => {
            let s = settings(&cli.generation)?;
            let location_flag = cli.generation.location.is_some();
            history::rerun(
                &mut worker,
                &args.id,
                args.generate,
                s,
                location_flag,
                model_flag,
            )
            .await
        }
        Command::Doctor { json } => run_doctor(cli, presets_dir, log_file, json).await,
        Command::Config { json } => {
            let (s, sources) = settings::resolve(&cli.generation)?;
            let out = output_dir(&cli.generation);
            info::config(
                &mut worker,
                &s,
                &sources,
                (presets_dir, &out, log_file),
                json,
            )
            .await
        }
    }
}

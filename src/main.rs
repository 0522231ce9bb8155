use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use music_gen::cli::{self, Cli, CliError};
use music_gen::{logging, paths, tui, worker};

fn main() -> ExitCode {
    // SAFETY: nothing else runs yet; the runtime and the log thread start later.
    unsafe { cli::env::unset_empty() };
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match cli::error::one_line(&e) {
            Some(usage) => {
                cli::stdout::eprint_line(&format!("music-gen: {usage}"));
                return usage.exit_code();
            }
            None if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
            {
                return match cli::shell::print_clap(&e) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        cli::stdout::eprint_line(&format!("music-gen: {e}"));
                        e.exit_code()
                    }
                };
            }
            None => e.exit(),
        },
    };
    if let Some(done) = cli.command.as_ref().and_then(cli::run_standalone) {
        return match done {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                cli::stdout::eprint_line(&format!("music-gen: {e}"));
                e.exit_code()
            }
        };
    }
    let log_file = paths::log_file();
    let _log_guard = logging::init(&log_file);
    // Colours only for a person at a terminal, never into a log or a pipe.
    let theme = if std::io::stderr().is_terminal() {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    if let Err(e) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .install()
    {
        cli::stdout::eprint_line(&format!("music-gen: {e}"));
    }
    music_gen::generate::contain::install_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            cli::stdout::eprint_line(&format!("music-gen: cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let command = cli.command.take();
    let result = runtime.block_on(async {
        let (presets_dir, source) = match cli.presets_dir.clone() {
            Some(dir) => (dir, presets_dir_source(&cli)),
            None => match config_presets_dir() {
                Some(dir) => (dir, "presets_dir in the config file"),
                None => (paths::default_presets_dir(), presets_dir_source(&cli)),
            },
        };
        // A bad bucket URL is a usage error naming the setting, before
        // anything is opened.
        let location = music_gen::storage::Location::from_path(&presets_dir)
            .map_err(|e| CliError::Usage(format!("{source}: {e}")))?;
        let from_config = cli.generation.output_dir.is_none();
        if from_config {
            cli.generation.output_dir = config_output_dir();
        }
        if let Some(out) = &cli.generation.output_dir {
            check_output_dir(out, from_config)?;
        }
        if let Some(link) = location.local().and_then(paths::dead_link_in_the_way) {
            return Err(CliError::Usage(format!(
                "{}: {} is a link that leads nowhere (a loop, or its target is gone)",
                source,
                link.display()
            )));
        }
        if let Some(file) = location.local().and_then(paths::file_in_the_way) {
            return Err(CliError::Usage(format!(
                "{}: {} is a file, not a folder; presets are kept in a folder of YAML files",
                source,
                file.display()
            )));
        }
        if let Some(cli::args::Command::Doctor { json }) = &command {
            return cli::run_doctor(&cli, &presets_dir, &log_file, *json)
                .await
                .map(|()| 0);
        }
        let mut worker = worker::spawn(presets_dir.clone())
            .map_err(|e| CliError::Failure(format!("presets: {e}")))?;
        let hint = cli::startup_hint(command.as_ref(), &mut worker, &log_file).await;
        if let (Some(hint), Some(_)) = (&hint, &command) {
            cli::stdout::eprint_line(&format!("music-gen: {hint}"));
        }
        match command {
            Some(command) => cli::run(command, &cli, worker, &presets_dir, &log_file)
                .await
                .map(|()| 0),
            None => {
                let (settings, sources) = cli::resolve_settings(&cli.generation)?;
                let launch = tui::Launch {
                    worker,
                    settings,
                    sources,
                    presets_dir,
                    output_dir: cli::output_dir(&cli.generation),
                    log_path: log_file.clone(),
                    notice: hint,
                };
                match tui::run(launch).await {
                    Ok(exit) => Ok(exit.code()),
                    Err(e @ tui::TuiError::NotATerminal) => Err(CliError::Usage(e.to_string())),
                    // The UI's own failures get a full report (color-eyre,
                    // installed with the terminal restore); the CLI's stay
                    // one line.
                    Err(e) => {
                        // A report of several lines, coloured at a terminal;
                        // a stderr that cannot be written is not a panic.
                        use std::io::Write;
                        let _ = writeln!(std::io::stderr(), "music-gen: {}", tui::report::fatal(e));
                        Ok(1)
                    }
                }
            }
        }
    });
    tracing::info!(ok = result.is_ok(), "exit");
    match result {
        Ok(code) => ExitCode::from(code),
        Err(CliError::BrokenPipe) => CliError::BrokenPipe.exit_code(),
        Err(e) => {
            cli::stdout::eprint_line(&format!("music-gen: {e}"));
            e.exit_code()
        }
    }
}

/// Takes go to a folder or a bucket (Cloud Storage or S3); a location
/// that does not parse is refused in one line naming the setting, instead of
/// becoming a local folder named `gs:`.
fn check_output_dir(out: &std::path::Path, from_config: bool) -> Result<(), CliError> {
    use music_gen::storage::Location;
    let setting = if from_config {
        "output_dir in the config file"
    } else {
        "--output-dir / MUSIC_GEN_OUTPUT_DIR"
    };
    Location::from_path(out)
        .map(drop)
        .map_err(|e| CliError::Usage(format!("{setting}: {e}")))
}

/// Where the presets folder was named: the flag, the variable, or nowhere.
fn presets_dir_source(cli: &Cli) -> &'static str {
    let flag = std::env::args_os().any(|a| {
        a.to_str()
            .is_some_and(|a| a == "--presets-dir" || a.starts_with("--presets-dir="))
    });
    match (flag, &cli.presets_dir) {
        (true, _) => "--presets-dir",
        (false, Some(_)) => "MUSIC_GEN_PRESETS_DIR",
        (false, None) => "the presets folder",
    }
}

/// The config file's `output_dir`, if it sets one.
fn config_output_dir() -> Option<std::path::PathBuf> {
    use music_gen::settings::file::ConfigFile;
    let file = ConfigFile::load(&ConfigFile::path()).ok().flatten()?;
    file.output_dir
        .filter(|d| !d.trim().is_empty())
        .map(std::path::PathBuf::from)
}

/// The config file's `presets_dir`, if it sets one. A config file that
/// cannot be read is reported where the settings are resolved, not here.
fn config_presets_dir() -> Option<std::path::PathBuf> {
    use music_gen::settings::file::ConfigFile;
    let file = ConfigFile::load(&ConfigFile::path()).ok().flatten()?;
    file.presets_dir
        .filter(|d| !d.trim().is_empty())
        .map(std::path::PathBuf::from)
}

//! `music-gen presets …`

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::args::{PresetsCommand, SaveArgs};
use crate::cli::error::CliError;
use crate::cli::track::{parse_file, resolve, shape_flags};
use crate::cli::worker_call::call;
use crate::cli::{stdout, table};
use crate::domain::layers::Layer;
use crate::domain::model::PresetConfig;
use crate::domain::model::TrackField;
use crate::domain::preset_yaml::to_yaml;
use crate::domain::presets::{LoadedPreset, PresetSummary, RestoreReport};
use crate::worker::{Event, Request, WorkerHandle};

pub async fn run(cmd: PresetsCommand, worker: &mut WorkerHandle) -> Result<(), CliError> {
    match cmd {
        PresetsCommand::List { json } => {
            let presets = list(worker).await?;
            if json {
                stdout::print_json(&presets)?;
            } else {
                stdout::print(&table::presets(&presets))?;
            }
        }
        PresetsCommand::Show { name, json } => {
            let loaded = load(worker, &name).await?;
            for w in &loaded.warnings {
                stdout::eprint_line(&format!("warning: {name}: {w}"));
            }
            if json {
                stdout::print_json(&loaded.preset)?;
            } else {
                stdout::print(&to_yaml(&loaded.preset))?;
            }
        }
        PresetsCommand::Save(args) => {
            let overwrite = !args.no_replace;
            let preset = preset_from_args(*args)?;
            let req = Request::SavePreset { preset, overwrite };
            if let Event::Saved { name, path, .. } = call(worker, req).await? {
                stdout::print(&format!("Saved preset {name} to {}\n", path.display()))?;
            }
        }
        PresetsCommand::Delete { name, yes } => {
            if !yes {
                confirm_delete(&name)?;
            }
            let req = Request::DeletePreset { name };
            if let Event::Deleted { name, path, .. } = call(worker, req).await? {
                stdout::print(&format!("Deleted preset {name} ({})\n", path.display()))?;
            }
        }
        PresetsCommand::Import(args) => crate::cli::import::run(args, worker).await?,
        PresetsCommand::RestoreBuiltins { json } => {
            if let Event::BuiltinsRestored { report, .. } =
                call(worker, Request::RestoreBuiltins).await?
            {
                if json {
                    stdout::print_json(&report)?;
                } else {
                    stdout::print(&restore_summary(&report))?;
                }
            }
        }
    }
    Ok(())
}

pub async fn list(worker: &mut WorkerHandle) -> Result<Vec<PresetSummary>, CliError> {
    match call(worker, Request::ListPresets).await? {
        Event::Presets { presets, .. } => Ok(presets),
        other => Err(unexpected(&other)),
    }
}

pub async fn load(worker: &mut WorkerHandle, name: &str) -> Result<LoadedPreset, CliError> {
    let req = Request::LoadPreset {
        name: name.to_string(),
    };
    match call(worker, req).await? {
        Event::Preset { preset, .. } => Ok(preset),
        other => Err(unexpected(&other)),
    }
}

fn unexpected(ev: &Event) -> CliError {
    CliError::Failure(format!("unexpected answer from the worker: {ev:?}"))
}

fn preset_from_args(args: SaveArgs) -> Result<PresetConfig, CliError> {
    if let Some(file) = &args.file {
        return parse_file::<PresetConfig>(file);
    }
    let (Some(name), Some(genre)) = (args.name, args.genre) else {
        return Err(CliError::Usage(
            "presets save needs --file, or --name and --genre".to_string(),
        ));
    };
    let mut layer = Layer::new(None);
    layer.set(TrackField::Genre, genre);
    layer.set(TrackField::TextInput, "");
    shape_flags(&mut layer, &args.shape)?;
    let track = resolve(&[layer])?;
    Ok(PresetConfig::from_track(
        name,
        args.description,
        args.tips,
        &track,
    ))
}

fn confirm_delete(name: &str) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "refusing to delete {name:?} without --yes: stdin is not a terminal"
        )));
    }
    let builtin = if crate::domain::presets::is_builtin(name) {
        " (a built-in: `music-gen presets restore-builtins` brings it back)"
    } else {
        ""
    };
    if ask(&format!("Delete preset {name}{builtin}? [y/N] "))? {
        Ok(())
    } else {
        Err(CliError::Cancelled)
    }
}

/// Asks a yes/no question on the terminal; anything but y or yes is no.
pub fn ask(question: &str) -> Result<bool, CliError> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Failure(format!("stdin: {e}")))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

fn restore_summary(report: &RestoreReport) -> String {
    let mut text = match report.restored.as_slice() {
        [] => "No built-in preset was missing.\n".to_string(),
        names => format!("Restored: {}\n", names.join(", ")),
    };
    if !report.kept.is_empty() && !report.restored.is_empty() {
        text.push_str(&format!(
            "Already there, left as they are: {}\n",
            report.kept.join(", ")
        ));
    }
    text
}

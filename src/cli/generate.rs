//! `music-gen prompt` and `music-gen generate`.

use std::io::IsTerminal;

use crate::cli::args::{GenerateArgs, TrackArgs};
use crate::cli::error::CliError;
use crate::cli::presets::{ask, load, print_json};
use crate::cli::summary;
use crate::cli::track::{TrackPatch, parse_file};
use crate::domain::cost;
use crate::domain::model::{Model, TrackConfig};
use crate::domain::prompt::build_prompt;
use crate::generate::{GenerationSettings, Job, Mode, OutputTarget};
use crate::worker::{Event, Request, WorkerHandle};

/// Defaults, then `--preset`, then `--config`, then the flags.
pub async fn build_track(
    worker: &mut WorkerHandle,
    args: &TrackArgs,
    model_flag: Option<Model>,
) -> Result<TrackConfig, CliError> {
    let mut patch = TrackPatch::default();
    if let Some(name) = &args.preset {
        let loaded = load(worker, name).await?;
        patch = TrackPatch::from_preset(&loaded.preset);
    }
    if let Some(path) = &args.config {
        patch = patch.overlay(parse_file::<TrackPatch>(path)?);
    }
    patch
        .overlay(TrackPatch::from_flags(args, model_flag)?)
        .into_track()
}

pub async fn prompt(
    worker: &mut WorkerHandle,
    args: &TrackArgs,
    model_flag: Option<Model>,
) -> Result<(), CliError> {
    let track = build_track(worker, args, model_flag).await?;
    print!("{}", build_prompt(&track));
    Ok(())
}

pub async fn generate(
    worker: &mut WorkerHandle,
    args: GenerateArgs,
    mut settings: GenerationSettings,
    model_flag: Option<Model>,
) -> Result<(), CliError> {
    let track = build_track(worker, &args.track, model_flag).await?;
    settings.output = match (&args.output, settings.key.mode) {
        (Some(path), _) => OutputTarget::File(path.clone()),
        (None, Mode::Simulate) => OutputTarget::None,
        (None, Mode::Gcp) => settings.output.clone(),
    };
    let job = Job { track, settings };
    if job.settings.key.mode == Mode::Gcp {
        let model = job.model();
        job.track
            .options()
            .check_model(model)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        if !args.yes {
            confirm_cost(model, job.track.sample_count.unwrap_or(1))?;
        }
    }
    let id = worker.send(Request::Generate(Box::new(job.clone())));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut cancelling = false;
    loop {
        tokio::select! {
            ev = worker.recv() => {
                let Some(ev) = ev else {
                    return Err(CliError::Failure("the worker stopped unexpectedly".to_string()));
                };
                if ev.id() != id {
                    continue;
                }
                match ev {
                    Event::Progress { message, .. } => eprintln!("… {message}"),
                    Event::Generated { result, .. } => {
                        if args.json {
                            print_json(&result);
                        } else {
                            print!("{}", summary::render(&job, &result));
                        }
                        return Ok(());
                    }
                    Event::Cancelled { .. } => return Err(CliError::Cancelled),
                    Event::Failed { error, .. } => return Err(error.into()),
                    _ => {}
                }
            }
            _ = &mut ctrl_c, if !cancelling => {
                cancelling = true;
                eprintln!("Cancelling…");
                worker.send(Request::Cancel { target: id });
            }
        }
    }
}

/// A paid generation is confirmed first; without a terminal, `--yes` must
/// say so up front.
fn confirm_cost(model: Model, samples: i64) -> Result<(), CliError> {
    let estimate = cost::vertex(model, samples);
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "a gcp generation costs about {} ({model}); pass --yes to confirm when stdin is not a terminal",
            estimate.total_display()
        )));
    }
    eprintln!("{}", estimate.note);
    if ask(&format!(
        "Generate with {model} for about {}? [y/N] ",
        estimate.total_display()
    ))? {
        Ok(())
    } else {
        Err(CliError::Cancelled)
    }
}

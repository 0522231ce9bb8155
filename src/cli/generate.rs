//! `music-gen prompt` and `music-gen generate`.

use std::io::IsTerminal;

use crate::cli::args::{GenerateArgs, TrackArgs};
use crate::cli::error::CliError;
use crate::cli::presets::{ask, load};
use crate::cli::track::{config_file, flags_layer, resolve};
use crate::cli::{stdout, summary};
use crate::domain::cost;
use crate::domain::layers::Layer;
use crate::domain::model::{Model, TrackConfig};
use crate::domain::prompt::build_prompt;
use crate::generate::vertex::check_location;
use crate::generate::{GenerationSettings, Job, Mode, Stage, output};
use crate::worker::{Event, Request, WorkerHandle};

/// A track, and the location a `--config` result file recorded.
pub struct Built {
    pub track: TrackConfig,
    pub location: Option<String>,
}

/// Defaults, then `--preset`, then `--config`, then the flags.
pub async fn build_track(
    worker: &mut WorkerHandle,
    args: &TrackArgs,
    model_flag: Option<Model>,
) -> Result<Built, CliError> {
    let mut layers = Vec::new();
    if let Some(name) = &args.preset {
        layers.push(Layer::from_preset(&load(worker, name).await?.preset));
    }
    let mut location = None;
    if let Some(path) = &args.config {
        let file = config_file(path)?;
        if let Some(l) = &file.location {
            check_location(l).map_err(|e| {
                CliError::Usage(format!("{}: settings.location: {e}", path.display()))
            })?;
        }
        location = file.location;
        layers.push(file.layer);
    }
    layers.push(flags_layer(args, model_flag)?);
    Ok(Built {
        track: resolve(&layers)?,
        location,
    })
}

pub async fn prompt(
    worker: &mut WorkerHandle,
    args: &TrackArgs,
    model_flag: Option<Model>,
) -> Result<(), CliError> {
    let built = build_track(worker, args, model_flag).await?;
    stdout::print(&build_prompt(&built.track))
}

/// `location_flag`: `--location` was given, so it wins over the location
/// a `--config` result recorded.
pub async fn generate(
    worker: &mut WorkerHandle,
    args: GenerateArgs,
    mut settings: GenerationSettings,
    model_flag: Option<Model>,
    location_flag: bool,
) -> Result<(), CliError> {
    let Built { track, location } = build_track(worker, &args.track, model_flag).await?;
    // A take's result re-creates its settings too: as `rerun` does, the
    // location it ran at goes with it (Lyria 3 runs only at `global`).
    if !location_flag
        && let Some(location) = location
        && location != settings.key.location
    {
        stdout::eprint_line(&format!(
            "Location {location}, as the result file recorded (--location changes it)"
        ));
        settings.key.location = location;
    }
    // Every generation, simulate included, leaves a take in the library:
    // its metadata is what `history`, `rerun` and `--config` read.
    if let Some(path) = &args.output {
        settings.output = output::resolve(path);
    }
    // A folder that cannot take the files is found before money is spent.
    output::check_target(&settings.output).map_err(CliError::Usage)?;
    let job = Job {
        track,
        settings,
        preset: args.track.preset.clone(),
    };
    run(worker, job, args.json, args.yes).await
}

/// Runs a job to its end: asks first in gcp mode (unless `yes`), shows
/// progress on stderr, prints the result, and turns a signal into a
/// cancel. Shared by `generate` and `rerun`.
pub async fn run(
    worker: &mut WorkerHandle,
    job: Job,
    json: bool,
    yes: bool,
) -> Result<(), CliError> {
    if job.settings.key.mode == Mode::Gcp {
        let model = job.model();
        job.track
            .options()
            .check_model(model)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        if !yes {
            let note = model.unmet(&job.track);
            confirm_cost(model, job.track.sample_count.unwrap_or(1), note.as_deref())?;
        }
    }
    let id = worker.send(Request::Generate(Box::new(job.clone())));
    let mut signals = Signals::new()?;
    let mut cancelling = None;
    // After the paid request is sent, the first Ctrl-C only warns.
    let mut sent = false;
    let mut warned = false;
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
                    Event::Progress { stage, .. } => {
                        // From the first send on, Vertex AI may be making
                        // (and billing) the generation.
                        sent |= matches!(stage, Stage::Sending { .. });
                        stdout::eprint_line(&format!("… {stage}"));
                    }
                    // A signal that came while the files were being moved
                    // into place: they are complete, so say where they are.
                    Event::Generated { result, .. } => {
                        if json {
                            stdout::print_json(&result)?;
                        } else {
                            stdout::print(&summary::render(&job, &result))?;
                        }
                        return cancelling.map_or(Ok(()), |s| Err(CliError::Signal(s)));
                    }
                    Event::Cancelled { .. } => {
                        if sent {
                            eprintln!(
                                "The request had reached Vertex AI: this generation may have been billed."
                            );
                        }
                        return Err(cancelling.map_or(CliError::Cancelled, CliError::Signal));
                    }
                    Event::Failed { error, .. } => return Err(error.into()),
                    _ => {}
                }
            }
            signal = signals.next(), if cancelling.is_none() => {
                // Stopping would not stop the bill, and the audio may still
                // come: an interrupt warns once and keeps waiting.
                if signal == libc::SIGINT && sent && !warned {
                    warned = true;
                    eprintln!(
                        "Vertex AI may already be making this generation, and billing it: still \
                         waiting, so the audio is kept if it arrives. Press Ctrl-C again to stop \
                         waiting."
                    );
                    continue;
                }
                cancelling = Some(signal);
                eprintln!("Cancelling…");
                worker.send(Request::Cancel { target: id });
            }
        }
    }
}

/// A paid generation is confirmed first; without a terminal, `--yes` must
/// say so up front.
/// What the model will not do with the track is said before the question
/// (lyria-002 sings no words and returns ~30 s); the summary says it too.
fn confirm_cost(model: Model, samples: i64, note: Option<&str>) -> Result<(), CliError> {
    let estimate = cost::vertex(model, samples);
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "a gcp generation costs about {} ({model}); pass --yes to confirm when stdin is not a terminal",
            estimate.total_display()
        )));
    }
    eprintln!("{}", estimate.note);
    if let Some(note) = note {
        stdout::eprint_line(&format!("Note: {note}"));
    }
    if ask(&format!(
        "Generate with {model} for about {}? [y/N] ",
        estimate.total_display()
    ))? {
        Ok(())
    } else {
        Err(CliError::Cancelled)
    }
}

/// SIGINT, SIGTERM and SIGHUP all cancel a generation: the worker removes
/// what it had started writing, then the process exits with 128 + signal.
pub(crate) struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub(crate) fn new() -> Result<Signals, CliError> {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind| {
            signal(kind).map_err(|e| CliError::Failure(format!("cannot listen for signals: {e}")))
        };
        Ok(Signals {
            int: listen(SignalKind::interrupt())?,
            term: listen(SignalKind::terminate())?,
            hup: listen(SignalKind::hangup())?,
        })
    }

    /// The number of the next signal to arrive.
    pub(crate) async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.int.recv() => libc::SIGINT,
            _ = self.term.recv() => libc::SIGTERM,
            _ = self.hup.recv() => libc::SIGHUP,
        }
    }
}

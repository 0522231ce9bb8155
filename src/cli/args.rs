//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::domain::model::Model;
use crate::domain::named::Named;
use crate::generate::Mode;

/// Parses a named enum as its type, listing its names in `--help`.
fn named<T: Named + Clone + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::names()).try_map(|s| T::from_name(&s))
}

#[derive(Debug, Parser)]
#[command(
    name = "music-gen",
    version,
    about = "Compose music-generation requests and run them on Google's Lyria models on Vertex AI.",
    long_about = "Compose music-generation requests and run them on Google's Lyria models on Vertex AI.\n\n\
        With no subcommand, music-gen opens its terminal UI. Without credentials it runs in simulate \
        mode, where everything but the network call works."
)]
pub struct Cli {
    /// Folder of preset YAML files, or a bucket: gs://BUCKET/PREFIX or s3://BUCKET/PREFIX [default: ~/.local/share/music-gen/presets]
    #[arg(
        long,
        global = true,
        env = "MUSIC_GEN_PRESETS_DIR",
        value_name = "DIR",
        help_heading = "Settings"
    )]
    pub presets_dir: Option<PathBuf>,

    #[command(flatten)]
    pub generation: GenerationArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where and how generations run; shared by `generate` and the TUI.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Settings")]
pub struct GenerationArgs {
    /// simulate (no credentials, nothing sent) or gcp (Vertex AI) [env: MUSIC_GEN_MODE] [default: simulate]
    #[arg(long, global = true, value_parser = named::<Mode>())]
    pub mode: Option<Mode>,

    /// Google Cloud project that runs and pays for generations [env: GOOGLE_CLOUD_PROJECT]
    #[arg(long, global = true, value_name = "P")]
    pub project_id: Option<String>,

    /// Vertex AI location; Lyria 3 models need `global` [env: GOOGLE_CLOUD_REGION] [default: us-central1]
    #[arg(long, global = true, value_name = "L")]
    pub location: Option<String>,

    /// Lyria model [env: MUSIC_GEN_MODEL] [default: lyria-002, or the preset's]
    #[arg(long, global = true, value_name = "MODEL", value_parser = named::<Model>())]
    pub model: Option<Model>,

    /// Service-account key file [env: GOOGLE_APPLICATION_CREDENTIALS] [default: gcp_auth's chain: gcloud ADC, metadata server]
    #[arg(long, global = true, value_name = "FILE")]
    pub credentials: Option<PathBuf>,

    /// Project billed for quota (x-goog-user-project) [env: GOOGLE_CLOUD_QUOTA_PROJECT] [default: for a user login its quota_project_id, else --project-id; none for a service account]
    #[arg(long, global = true, value_name = "P")]
    pub quota_project: Option<String>,

    /// Replaces https://{location}-aiplatform.googleapis.com (private endpoints, proxies, tests)
    #[arg(
        long,
        global = true,
        env = "MUSIC_GEN_VERTEX_ENDPOINT",
        value_name = "URL"
    )]
    pub endpoint: Option<String>,

    /// Where generated tracks go: a folder, or a bucket: gs://BUCKET/PREFIX or s3://BUCKET/PREFIX [default: ~/.local/share/music-gen/tracks]
    #[arg(long, global = true, env = "MUSIC_GEN_OUTPUT_DIR", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Seconds to wait for Vertex AI before giving up (1 to 3600)
    #[arg(long, global = true, default_value_t = 300, value_name = "SECS")]
    pub timeout: u64,

    /// Attempts for a request Vertex AI cannot have processed: 429, 500, 502, 503 or a failure to connect
    #[arg(long, global = true, default_value_t = 4, value_name = "N")]
    pub max_attempts: u32,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show, save and delete presets
    #[command(subcommand)]
    Presets(PresetsCommand),
    /// Print the exact prompt a track sends, nothing else
    Prompt(TrackArgs),
    /// Generate a track (simulate mode unless --mode gcp)
    Generate(GenerateArgs),
    /// Generate many takes from a file of jobs: bounded, resumable, with progress
    #[command(long_about = BATCH_ABOUT)]
    Batch(BatchArgs),
    /// Show the tips of every preset that has some, or of one
    Tips {
        #[arg(long, short = 'p', value_name = "NAME")]
        preset: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show the mode, project, location, directories and presets in use
    Config {
        #[arg(long)]
        json: bool,
    },
    /// Check that gcp mode would work: credentials, token, project, API, permission, location, folders
    #[command(
        long_about = "Check that gcp mode would work with these settings: credentials, an access \
            token, the project, the Vertex AI API, the permission the model needs, the model's \
            location and the folders. Nothing is generated and nothing is billed. Exits 0 only \
            when gcp mode would work."
    )]
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Set up gcp mode step by step: project, location, model, credentials; then check it
    #[command(
        long_about = "Set up gcp mode on a terminal: asks for the project, location, model and \
            credentials (each with the current value as default), writes them to music-gen's \
            config file (a key file's path, never the key), then runs the `doctor` checks. \
            Nothing is generated and nothing is billed. Also the Python tool's `setup`."
    )]
    Setup,
    /// Print a completion script: bash, zsh, fish, powershell (or elvish)
    #[command(
        after_help = "Install, e.g.: music-gen completions bash > ~/.local/share/bash-completion/completions/music-gen"
    )]
    Completions { shell: clap_complete::Shell },
    /// Print the manual page music-gen(1) in roff, or write every page to --dir
    Man {
        /// Write music-gen.1 and a page per subcommand here, e.g. ~/.local/share/man/man1
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    #[command(flatten)]
    Python(crate::cli::compat::PythonCommand),
    /// Serve the Python tool's HTTP API (FastAPI-compatible) from this worker
    Serve(ServeArgs),
    /// List past takes in the output folder, newest first; show one; prune old ones
    ///
    /// On a terminal the rows fit its width (the lyrics shrink, then
    /// temperature, length, state, model and seed give way; the id stays
    /// whole). Piped or redirected, rows are printed whole; --json is the
    /// stable form for scripts.
    History(HistoryArgs),
    /// Play a take with an external player (mpv, ffplay, afplay, paplay/aplay, or $MUSIC_GEN_PLAYER)
    Play {
        /// A take's id, or a unique prefix of one (see `music-gen history`)
        id: String,
    },
    /// Generate a take again: its track and model options (the seed too), in the current mode; flags change it
    Rerun(RerunArgs),
}

/// `music-gen history`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    /// Print the takes as JSON
    #[arg(long)]
    pub json: bool,
    /// Show at most N takes
    #[arg(long, short = 'n', value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Only takes whose genre, preset, model or lyrics match every word (genre:, preset:, model:, lyrics: narrow a word)
    #[arg(long, short = 'f', value_name = "TEXT")]
    pub filter: Option<String>,
    /// Only takes made in the last AGE (30d, 12h, 2w), with what gcp mode spent over it
    #[arg(long, value_name = "AGE")]
    pub since: Option<String>,
    /// Order: time (newest first) or name
    #[arg(long, value_enum, default_value_t = SortArg::Time)]
    pub sort: SortArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortArg {
    Time,
    Name,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Everything about one take: track, settings, files, levels and the waveform
    Show {
        /// A take's id, or a unique prefix of one
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete old takes' files (asks first, and says how much space it frees)
    #[command(group(clap::ArgGroup::new("rule").required(true).multiple(false)))]
    Prune {
        /// Delete takes made longer ago than AGE (30d, 12h, 2w)
        #[arg(long, value_name = "AGE", group = "rule")]
        older_than: Option<String>,
        /// Keep the newest N takes, delete the rest
        #[arg(long, value_name = "N", group = "rule")]
        keep: Option<usize>,
        /// Do not ask; required when stdin is not a terminal
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Upload the takes whose upload to the output bucket failed (kept on this machine, listed as "not uploaded")
    ///
    /// An earlier upload that completed after all, or stopped between the
    /// audio and the metadata, is found and finished, never uploaded twice.
    Upload,
}

/// `music-gen rerun ID [flags]`.
#[derive(Debug, Args)]
pub struct RerunArgs {
    /// A take's id, or a unique prefix of one (see `music-gen history`)
    pub id: String,
    #[command(flatten)]
    pub generate: GenerateArgs,
}

/// `music-gen serve`. The API key comes only from MUSIC_GEN_API_KEY, so it
/// never shows in a process listing.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1, or 0.0.0.0 when PORT is set]
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Port to listen on; 0 picks a free one [default: $PORT, else 8080]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Serve gcp mode beyond loopback without MUSIC_GEN_API_KEY (when a proxy or Cloud Run IAM checks callers)
    #[arg(long)]
    pub allow_unauthenticated: bool,
    /// gcp generations running at once; more are answered 429 without sending anything
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_generations: u16,
    /// Seconds requests in flight get to finish after SIGTERM or SIGINT
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub shutdown_timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum PresetsCommand {
    /// List presets: name, genre, description (broken files with the reason)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show everything in one preset
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Create or replace a preset, from a file or from flags
    Save(Box<SaveArgs>),
    /// Delete a preset (asks first unless --yes)
    Delete {
        name: String,
        /// Do not ask; required when stdin is not a terminal
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Bring presets over from a folder, such as the Python tool's ./presets
    Import(crate::cli::import::ImportArgs),
    /// Write back the built-in presets that were deleted (edited ones stay as they are)
    RestoreBuiltins {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    /// A preset in YAML or JSON; `-` reads stdin
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "genre", "description", "tips"])]
    pub file: Option<PathBuf>,
    /// Preset name: 1 to 64 letters, digits, '_' or '-'
    #[arg(long, short = 'n', required_unless_present = "file")]
    pub name: Option<String>,
    /// Genre, 1 to 100 characters
    #[arg(long, short = 'g', required_unless_present = "file")]
    pub genre: Option<String>,
    /// One line about the preset, shown in listings
    #[arg(long, short = 'd')]
    pub description: Option<String>,
    /// Advice for writing lyrics with this preset
    #[arg(long)]
    pub tips: Option<String>,
    /// Only create: fail if a preset of this name exists (atomic, also
    /// between instances sharing a bucket)
    #[arg(long)]
    pub no_replace: bool,
    #[command(flatten)]
    pub shape: ShapeArgs,
}

/// Structure, style and sound settings: everything a preset holds.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Track")]
pub struct ShapeArgs {
    /// Start with an intro
    #[arg(long, overrides_with = "no_intro")]
    pub intro: bool,
    /// No intro
    #[arg(long)]
    pub no_intro: bool,
    /// Number of verses, 1 to 5
    #[arg(long, value_name = "N")]
    pub verses: Option<i64>,
    /// Number of choruses, 1 to 4
    #[arg(long, value_name = "N")]
    pub choruses: Option<i64>,
    /// Include a bridge
    #[arg(long, overrides_with = "no_bridge")]
    pub bridge: bool,
    /// No bridge
    #[arg(long)]
    pub no_bridge: bool,
    /// End with an outro
    #[arg(long, overrides_with = "no_outro")]
    pub outro: bool,
    /// No outro
    #[arg(long)]
    pub no_outro: bool,
    /// A style reference TYPE:VALUE (style, sound, artist, similar_to, …); repeatable
    #[arg(long = "style", short = 's', value_name = "TYPE:VALUE")]
    pub styles: Vec<String>,
    /// 0.0 to 1.0
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub temperature: Option<f64>,
    /// What the music should not contain (lyria-002 only)
    #[arg(long, value_name = "TEXT")]
    pub negative_prompt: Option<String>,
    /// Seed for repeatable results (lyria-002 only; not with --samples above 1)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Number of samples, 1 to 4 (lyria-002 only)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub samples: Option<i64>,
}

impl ShapeArgs {
    pub fn intro(&self) -> Option<bool> {
        pair(self.intro, self.no_intro)
    }
    pub fn bridge(&self) -> Option<bool> {
        pair(self.bridge, self.no_bridge)
    }
    pub fn outro(&self) -> Option<bool> {
        pair(self.outro, self.no_outro)
    }
}

fn pair(yes: bool, no: bool) -> Option<bool> {
    match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Track")]
pub struct TrackArgs {
    /// Lyrics or a description of the track
    #[arg(long, short = 't', value_name = "TEXT")]
    pub text: Option<String>,
    /// Genre, 1 to 100 characters (e.g. rock, lo-fi hip hop)
    #[arg(long, short = 'g')]
    pub genre: Option<String>,
    /// Duration in seconds, 60 to 240
    #[arg(long, short = 'd', value_name = "SECS", allow_negative_numbers = true)]
    pub duration: Option<i64>,
    /// Start from this preset; every flag given overrides it
    #[arg(long, short = 'p', value_name = "NAME")]
    pub preset: Option<String>,
    /// A TrackConfig in JSON or YAML, or a take's metadata JSON (its track, model and location) (`-` reads stdin); flags override it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub shape: ShapeArgs,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Write here: audio at PATH, the metadata beside it as .json
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Print the result object as JSON
    #[arg(long)]
    pub json: bool,
    /// Do not ask before a paid generation; required when stdin is not a terminal
    #[arg(long, short = 'y')]
    pub yes: bool,
    // Last: the flags above stay under "Options", not the track's heading.
    #[command(flatten)]
    pub track: TrackArgs,
}

const BATCH_ABOUT: &str = "Generate many takes from a YAML or JSON file of jobs. A job is a track \
    (its fields, a `preset:` and/or a `config:` file) plus settings (model, negative_prompt, seed, \
    samples, name); `vary: {seed: [1, 2], temperature: [0.5, 0.9]}` makes one take per \
    combination and `repeat: N` makes N takes. Every take is checked before anything is sent. \
    A re-run of the same file skips takes already done (files verified), sends again those that \
    failed without being billed, and holds back those that may have been billed and those whose \
    files changed since (see --resend-uncertain, --resend-changed). Exit codes: 0 all takes \
    succeeded, 1 some failed or were held back, 2 a bad file, 3 the plan was refused by \
    --max-cost (--dry-run says so too) or not confirmed (no --yes and no terminal to ask on), \
    nothing sent; 130/143 stopped by Ctrl-C/SIGTERM.";

/// `music-gen batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The jobs, in YAML or JSON (up to 16 MiB); `-` reads stdin
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Requests in flight at once, 1 to 64; a 429 slows every one of them down
    #[arg(long, short = 'j', default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Do not ask before paid takes; required when there is no terminal
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Refuse a plan whose estimated cost is above USD
    #[arg(long, value_name = "USD", value_parser = parse_cost)]
    pub max_cost: Option<f64>,
    /// Print the plan and every prompt; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// A JSON line per event on stdout instead of progress bars
    #[arg(long)]
    pub json: bool,
    /// Send again takes an earlier run sent without an answer (they may have been billed)
    #[arg(long)]
    pub resend_uncertain: bool,
    /// Send again takes an earlier run made whose files are missing or changed since (they were billed)
    #[arg(long)]
    pub resend_changed: bool,
}

fn parse_cost(s: &str) -> Result<f64, String> {
    match s.trim().trim_start_matches('$').parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err("must be an amount in US dollars, such as 5 or 2.50".to_string()),
    }
}

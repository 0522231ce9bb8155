//! `music-gen setup` (also the Python tool's `setup`): on a terminal, asks
//! for the project, location, model and credentials, each with the current
//! value as default, writes them to music-gen's config file, then runs the
//! `doctor` checks, which cost nothing, and says what to do about each
//! failure. The config file never holds a key, only its path.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use strum::VariantArray;

use crate::cli::args::Cli;
use crate::cli::error::CliError;
use crate::cli::settings::{check_project, resolve};
use crate::cli::stdout::terminal_safe;
use crate::doctor::{self, Found, Subject, locations};
use crate::domain::model::Model;
use crate::domain::named::Named;
use crate::generate::Mode;
use crate::generate::vertex::check_location;
use crate::settings::file::ConfigFile;
use crate::settings::{Flags, Layers, Settings, Source, gcloud};

/// What a script runs instead of the questions.
pub const NOT_A_TERMINAL: &str = "setup asks questions and needs a terminal; in a script, give \
     the settings as flags or variables (--project-id or GOOGLE_CLOUD_PROJECT, --location or \
     GOOGLE_CLOUD_REGION, --model or MUSIC_GEN_MODEL, --credentials or \
     GOOGLE_APPLICATION_CREDENTIALS, --mode gcp or MUSIC_GEN_MODE=gcp) and check them with \
     `music-gen doctor`";

/// The values each question starts from.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// The project and where it came from.
    pub project: Option<(String, String)>,
    pub location: String,
    pub model: Model,
    pub credentials: Option<PathBuf>,
    /// The credentials found without a key file, or why they cannot be used.
    pub adc: Result<Found, String>,
}

/// What the user chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub project: String,
    pub location: String,
    pub model: Model,
    /// A service-account key file; `None` is application-default credentials.
    pub credentials: Option<PathBuf>,
    pub gcp_by_default: bool,
}

pub async fn run(cli: &Cli, presets_dir: &Path, log_file: &Path) -> Result<(), CliError> {
    if !(io::stdin().is_terminal() && io::stdout().is_terminal()) {
        return Err(CliError::Usage(NOT_A_TERMINAL.to_string()));
    }
    let (current, sources) = resolve(&cli.generation)?;
    let defaults = Defaults {
        project: match &sources.project {
            Some(p) => Some((p.value.clone(), p.source.to_string())),
            None => gcloud::project().map(|p| (p, "gcloud config".to_string())),
        },
        location: current.key.location.clone(),
        model: current.model,
        credentials: current.key.credentials.clone(),
        adc: doctor::application_default(),
    };
    let asked = tokio::task::spawn_blocking(move || {
        let mut out = io::stdout().lock();
        ask(&mut io::stdin().lock(), &mut out, &defaults)
    })
    .await
    .map_err(|e| CliError::Failure(format!("setup: {e}")))?
    .map_err(|e| CliError::Failure(format!("setup: {e}")))?;
    let Some(answers) = asked else {
        println!();
        return Err(CliError::Cancelled);
    };

    let path = ConfigFile::path();
    let answers_ = answers.clone();
    let write = tokio::task::spawn_blocking(move || {
        ConfigFile::update(&path, |c| {
            c.project = Some(answers_.project);
            c.location = Some(answers_.location);
            c.model = Some(answers_.model);
            c.credentials = answers_.credentials;
            c.mode = Some(if answers_.gcp_by_default {
                Mode::Gcp
            } else {
                Mode::Simulate
            });
        })
        .map(|_| path)
    })
    .await
    .map_err(|e| CliError::Failure(format!("setup: {e}")))?;
    let path = write.map_err(|e| CliError::Failure(e.to_string()))?;
    let mut report = format!("\nWrote {}\n", path.display());
    if let Ok(layers) = Layers::from_process() {
        let flags = Flags {
            mode: cli.generation.mode,
            project: cli.generation.project_id.clone(),
            location: cli.generation.location.clone(),
            model: cli.generation.model,
            credentials: cli.generation.credentials.clone(),
            quota_project: cli.generation.quota_project.clone(),
        };
        if let Ok(now) = layers.resolve(flags) {
            for line in overridden(&answers, &now) {
                report.push_str(&line);
                report.push('\n');
            }
        }
    }
    report.push_str("\nChecking gcp mode (nothing is generated, nothing is billed)…\n");
    print!("{}", terminal_safe(&report));
    let _ = io::stdout().flush();

    let subject = Subject {
        project: Some(answers.project.clone()),
        location: answers.location.clone(),
        model: answers.model,
        credentials: answers.credentials.clone(),
        quota_project: current.key.quota_project.clone(),
        output_dir: crate::cli::output_dir(&cli.generation),
        presets_dir: presets_dir.to_path_buf(),
        log_file: log_file.to_path_buf(),
    };
    let checked = doctor::run(&subject).await;
    print!("{}", terminal_safe(&crate::cli::doctor::render(&checked)));
    if checked.ok {
        if !answers.gcp_by_default {
            println!("Pass --mode gcp when you want a generation to run on Vertex AI.");
        }
        Ok(())
    } else {
        Err(CliError::Failure(
            "gcp mode would not work yet; fix what is marked ✗ and run `music-gen setup` or \
             `music-gen doctor` again (the settings are saved)"
                .to_string(),
        ))
    }
}

/// A line for each answer that a flag, the environment or `.env` will
/// override, since those come before the config file.
fn overridden(a: &Answers, now: &Settings) -> Vec<String> {
    let mut lines = Vec::new();
    let mut note = |what: &str, source: &Source, value: String, wanted: String| {
        let file = matches!(source, Source::ConfigFile(_) | Source::Default);
        if !file && value != wanted {
            lines.push(format!(
                "note: {what} {value} from {source} comes before the config file's {wanted}; \
                 remove it there to use {wanted}"
            ));
        }
    };
    if let Some(p) = &now.project {
        note("project", &p.source, p.value.clone(), a.project.clone());
    }
    note(
        "location",
        &now.location.source,
        now.location.value.clone(),
        a.location.clone(),
    );
    note(
        "model",
        &now.model.source,
        now.model.value.to_string(),
        a.model.to_string(),
    );
    let wanted_mode = if a.gcp_by_default {
        Mode::Gcp
    } else {
        Mode::Simulate
    };
    note(
        "mode",
        &now.mode.source,
        now.mode.value.to_string(),
        wanted_mode.to_string(),
    );
    if let Some(c) = &now.credentials {
        let wanted = a
            .credentials
            .as_ref()
            .map_or("application-default credentials".to_string(), |p| {
                p.display().to_string()
            });
        note(
            "credentials",
            &c.source,
            c.value.display().to_string(),
            wanted,
        );
    }
    lines
}

/// The four questions and the mode. `Ok(None)`: input ended (Ctrl-D)
/// before the last answer; nothing is written then.
pub fn ask(
    input: &mut impl BufRead,
    out: &mut impl Write,
    d: &Defaults,
) -> io::Result<Option<Answers>> {
    let mut q = Questions { input, out };
    q.say(
        "music-gen setup: four questions, then a check that gcp mode works.\n\
         Nothing is generated and nothing is billed. Enter keeps the value in [brackets];\n\
         Ctrl-C stops without writing anything.",
    )?;

    q.say("\n1/4 Project: the Google Cloud project that runs and pays for generations.")?;
    let project = loop {
        let shown = d
            .project
            .as_ref()
            .map(|(p, from)| format!("{p}, from {from}"));
        let Some(text) = q.line("Project", shown.as_deref())? else {
            return Ok(None);
        };
        let value = match (text.is_empty(), &d.project) {
            (true, Some((p, _))) => p.clone(),
            (true, None) => {
                q.say("  a project is needed: its id, e.g. my-project-123")?;
                continue;
            }
            (false, _) => text,
        };
        match check_project(&value) {
            Ok(()) => break value,
            Err(e) => q.say(&format!("  {e}"))?,
        }
    };

    q.say("\n2/4 Location: where generations run, and the models offered there.")?;
    for l in locations::known_locations() {
        let models: Vec<&str> = locations::models_at(l).iter().map(|m| m.name()).collect();
        q.say(&format!("  {l:<13} {}", models.join(", ")))?;
    }
    q.say(&format!(
        "  (other regions may serve lyria-002; Google lists none, checked {})",
        locations::CHECKED
    ))?;
    let location = loop {
        let Some(text) = q.line("Location", Some(&d.location))? else {
            return Ok(None);
        };
        let value = if text.is_empty() {
            d.location.clone()
        } else {
            text
        };
        match check_location(&value) {
            Ok(()) => break value,
            Err(e) => q.say(&format!("  {e}"))?,
        }
    };

    q.say(&format!("\n3/4 Model (at {location}):"))?;
    let offered = |m: Model| m.check_location(&location).is_ok();
    for (i, m) in Model::VARIANTS.iter().enumerate() {
        let note = if offered(*m) {
            String::new()
        } else {
            format!(" (not at {location})")
        };
        q.say(&format!(
            "  {} {:<21} {}{note}",
            i + 1,
            m.name(),
            m.summary()
        ))?;
    }
    let default_model = if offered(d.model) {
        d.model
    } else {
        Model::VARIANTS
            .iter()
            .copied()
            .find(|m| offered(*m))
            .unwrap_or_default()
    };
    let model = loop {
        let Some(text) = q.line("Model", Some(default_model.name()))? else {
            return Ok(None);
        };
        let chosen = if text.is_empty() {
            Ok(default_model)
        } else if let Some(m) = text
            .parse::<usize>()
            .ok()
            .and_then(|n| Model::VARIANTS.get(n.wrapping_sub(1)))
        {
            Ok(*m)
        } else {
            Model::from_name(&text).map_err(|e| e.to_string())
        };
        match chosen {
            Ok(m) if offered(m) => break m,
            Ok(m) => q.say(&format!(
                "  {m} is served only at global; choose lyria-002 here, or run setup again \
                 with location global"
            ))?,
            Err(e) => q.say(&format!("  {e}"))?,
        }
    };

    q.say("\n4/4 Credentials:")?;
    let adc = match &d.adc {
        Ok(f) => format!(
            "found: {}{} ({})",
            f.kind,
            f.email
                .as_deref()
                .map_or(String::new(), |e| format!(" {e}")),
            f.source
        ),
        Err(e) => format!("not usable now: {e}"),
    };
    q.say(&format!("  1 application-default credentials, {adc}"))?;
    q.say("  2 a service-account key file (JSON); its path is saved, never the key")?;
    let credentials = loop {
        let default = if d.credentials.is_some() { "2" } else { "1" };
        let Some(text) = q.line("Credentials", Some(default))? else {
            return Ok(None);
        };
        match if text.is_empty() { default } else { &text } {
            "1" => {
                if d.adc.is_err() {
                    q.say(
                        "  the check below will say what to do (usually `gcloud auth \
                         application-default login`)",
                    )?;
                }
                break None;
            }
            "2" => {
                let shown = d.credentials.as_ref().map(|p| p.display().to_string());
                let Some(text) = q.line("Key file", shown.as_deref())? else {
                    return Ok(None);
                };
                let path = match (text.is_empty(), &d.credentials) {
                    (true, Some(p)) => p.clone(),
                    (true, None) => continue,
                    (false, _) => absolute(&expand_home(&text)),
                };
                match doctor::service_account_key(&path) {
                    Ok(found) => {
                        let who = found.email.unwrap_or_default();
                        q.say(&format!("  ✓ service account {who}"))?;
                        break Some(path);
                    }
                    Err(e) => q.say(&format!("  ✗ {e}"))?,
                }
            }
            _ => q.say("  type 1 or 2")?,
        }
    };

    q.say("")?;
    let gcp_by_default = loop {
        let Some(text) = q.line(
            "Use gcp mode by default? Each paid generation still asks first (Y/n)",
            None,
        )?
        else {
            return Ok(None);
        };
        match text.to_ascii_lowercase().as_str() {
            "" | "y" | "yes" => break true,
            "n" | "no" => break false,
            _ => q.say("  y or n")?,
        }
    };
    Ok(Some(Answers {
        project,
        location,
        model,
        credentials,
        gcp_by_default,
    }))
}

struct Questions<'a, R, W> {
    input: &'a mut R,
    out: &'a mut W,
}

impl<R: BufRead, W: Write> Questions<'_, R, W> {
    fn say(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{}", terminal_safe(text))
    }

    /// Asks, shows the default; the answer without control characters,
    /// trimmed. `None` at the end of input.
    fn line(&mut self, prompt: &str, default: Option<&str>) -> io::Result<Option<String>> {
        match default {
            Some(d) if !d.is_empty() => write!(self.out, "{prompt} [{}]: ", terminal_safe(d))?,
            _ => write!(self.out, "{prompt}: ")?,
        }
        self.out.flush()?;
        let mut buf = String::new();
        if self.input.read_line(&mut buf)? == 0 {
            return Ok(None);
        }
        Ok(Some(
            buf.chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim()
                .to_string(),
        ))
    }
}

fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    }
}

/// Saved absolute, so the config works from any directory.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            project: Some(("from-gcloud".to_string(), "gcloud config".to_string())),
            location: "us-central1".to_string(),
            model: Model::Lyria2,
            credentials: None,
            adc: Err("no credentials".to_string()),
        }
    }

    fn run(input: &str, d: &Defaults) -> (Option<Answers>, String) {
        let mut out = Vec::new();
        let answers = ask(&mut input.as_bytes(), &mut out, d).unwrap();
        (answers, String::from_utf8(out).unwrap())
    }

    #[test]
    fn enter_keeps_every_default() {
        let (a, out) = run("\n\n\n\n\n", &defaults());
        let a = a.unwrap();
        assert_eq!(a.project, "from-gcloud");
        assert_eq!(a.location, "us-central1");
        assert_eq!(a.model, Model::Lyria2);
        assert_eq!(a.credentials, None);
        assert!(a.gcp_by_default);
        assert!(
            out.contains("Project [from-gcloud, from gcloud config]: "),
            "{out}"
        );
        assert!(out.contains("us-central1   lyria-002"), "{out}");
        assert!(out.contains("not usable now: no credentials"), "{out}");
    }

    #[test]
    fn bad_answers_are_asked_again_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.json");
        std::fs::write(&user, r#"{"type":"authorized_user","client_id":"x"}"#).unwrap();
        let sa = dir.path().join("sa.json");
        std::fs::write(
            &sa,
            r#"{"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com"}"#,
        )
        .unwrap();
        let input = format!(
            "bad project\nmy-proj\nUS Central\nglobal\nlyria-3-pro\n3\n2\n{}\n2\n{}\n2\n{}\nmaybe\nn\n",
            dir.path().join("missing.json").display(),
            user.display(),
            sa.display()
        );
        let mut d = defaults();
        d.project = None;
        let (a, out) = run(&input, &d);
        let a = a.unwrap();
        assert_eq!(a.project, "my-proj");
        assert_eq!(a.location, "global");
        assert_eq!(a.model, Model::Lyria3Pro);
        assert_eq!(a.credentials.as_deref(), Some(sa.as_path()));
        assert!(!a.gcp_by_default);
        assert!(out.contains("may contain only letters"), "{out}");
        assert!(out.contains("is not a Google Cloud location"), "{out}");
        assert!(out.contains("\"lyria-3-pro\" is not a model"), "{out}");
        assert!(out.contains("missing.json"), "{out}");
        assert!(out.contains("holds user credentials"), "{out}");
        assert!(out.contains("✓ service account sa@p.iam"), "{out}");
        assert!(out.contains("y or n"), "{out}");
    }

    #[test]
    fn lyria3_is_not_offered_outside_global() {
        let mut d = defaults();
        d.model = Model::Lyria3Clip;
        // At us-central1 the default falls back to lyria-002; asking for
        // Lyria 3 there is refused.
        let (a, out) = run("\n\n2\n\n\n\n", &d);
        assert!(out.contains("Model [lyria-002]"), "{out}");
        assert!(out.contains("served only at global"), "{out}");
        assert_eq!(a.unwrap().model, Model::Lyria2);
    }

    #[test]
    fn end_of_input_writes_nothing() {
        let (a, _) = run("my-proj\nglobal\n", &defaults());
        assert_eq!(a, None);
    }

    #[test]
    fn hostile_defaults_and_answers_are_shown_without_escapes() {
        let mut d = defaults();
        d.project = Some(("p\u{1b}]52;c;x\u{7}".to_string(), ".env".to_string()));
        let (_, out) = run("\u{1b}[2Jproj\n", &d);
        assert!(!out.contains('\u{1b}'), "{out:?}");
    }
}

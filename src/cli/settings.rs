//! Turns the global flags, the environment, `.env` and the config file into
//! generation settings, in the order `crate::settings` defines.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::args::GenerationArgs;
use crate::cli::error::CliError;
use crate::generate::job::MAX_TIMEOUT;
use crate::generate::{GenerationSettings, GeneratorKey, OutputTarget};
use crate::paths;
use crate::settings::{
    Flags, LOCATION_ENV, Layers, PROJECT_ENV, QUOTA_PROJECT_ENV, Settings, Source,
};

pub fn output_dir(args: &GenerationArgs) -> PathBuf {
    args.output_dir
        .clone()
        .unwrap_or_else(paths::default_output_dir)
}

/// The settings a generation runs with, and where each came from.
pub fn resolve(args: &GenerationArgs) -> Result<(GenerationSettings, Settings), CliError> {
    let usage = |e: crate::settings::SettingsError| CliError::Usage(e.to_string());
    let layers = Layers::from_process().map_err(usage)?;
    if let Some((path, file)) = layers.config_file() {
        for w in file.unknown_key_warnings() {
            crate::cli::stdout::eprint_line(&format!("warning: {}: {w}", path.display()));
        }
    }
    let resolved = layers
        .resolve(Flags {
            mode: args.mode,
            project: args.project_id.clone().filter(|p| !p.is_empty()),
            location: args.location.clone().filter(|l| !l.is_empty()),
            model: args.model,
            credentials: args.credentials.clone(),
            quota_project: args.quota_project.clone().filter(|q| !q.is_empty()),
        })
        .map_err(usage)?;
    if args.max_attempts == 0 {
        return Err(CliError::Usage(
            "--max-attempts: must be at least 1".to_string(),
        ));
    }
    if args.timeout == 0 || args.timeout > MAX_TIMEOUT.as_secs() {
        return Err(CliError::Usage(format!(
            "--timeout: must be 1 to {} seconds",
            MAX_TIMEOUT.as_secs()
        )));
    }
    // Checked here, where its source is known, rather than when the first
    // request is built.
    if resolved.mode.value == crate::generate::Mode::Gcp {
        let l = &resolved.location;
        crate::generate::vertex::check_location(&l.value).map_err(|e| {
            let at = origin(&l.source, LOCATION_ENV, "location");
            CliError::Usage(crate::domain::input::excerpted(&format!("{at}: {e}")))
        })?;
    }
    let project = resolved.project.as_ref().map(|p| p.value.clone());
    if let Some(p) = &resolved.project {
        check_project(&p.value).map_err(|e| {
            CliError::Usage(format!(
                "{}: {e}",
                origin(&p.source, PROJECT_ENV, "project")
            ))
        })?;
    }
    let quota_project = resolved.quota_project.as_ref().map(|q| q.value.clone());
    if let Some(q) = &resolved.quota_project {
        check_project(&q.value).map_err(|e| {
            let at = origin(&q.source, QUOTA_PROJECT_ENV, "quota_project");
            CliError::Usage(format!("{at}: {e}"))
        })?;
    }
    let endpoint = args.endpoint.clone().filter(|e| !e.is_empty());
    if let Some(e) = &endpoint {
        check_endpoint(e)?;
    }
    let settings = GenerationSettings {
        key: GeneratorKey {
            mode: resolved.mode.value,
            project,
            location: resolved.location.value.clone(),
            credentials: resolved.credentials.as_ref().map(|c| c.value.clone()),
            endpoint,
            quota_project,
        },
        model: resolved.model.value,
        timeout: Duration::from_secs(args.timeout),
        max_attempts: args.max_attempts,
        output: OutputTarget::folder(output_dir(args)),
        name: None,
        limiter: None,
    };
    Ok((settings, resolved))
}

pub fn settings(args: &GenerationArgs) -> Result<GenerationSettings, CliError> {
    resolve(args).map(|(settings, _)| settings)
}

/// Where a setting's value came from, as an error names it: the flag, the
/// variable (and the `.env` file), or the config file and its key.
fn origin(source: &Source, var: &str, key: &str) -> String {
    match source {
        Source::Flag(flag) => (*flag).to_string(),
        Source::Env(var) => (*var).to_string(),
        Source::DotEnv(path) => format!("{}: {var}", path.display()),
        Source::ConfigFile(path) => format!("{}: {key}", path.display()),
        Source::Default => key.to_string(),
    }
}

/// Project ids are letters, digits and hyphens, with an optional
/// `domain.com:` prefix; anything else (a pasted newline, a space, a slash)
/// is a typo, refused before it reaches a URL or a bill. The error says
/// what is allowed; the caller names where the value came from.
pub(crate) fn check_project(p: &str) -> Result<(), String> {
    let ok = p.len() <= 100
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_'));
    if ok {
        Ok(())
    } else {
        Err(
            "may contain only letters, digits, '-', and a 'domain.com:' prefix \
             (no spaces, newlines or slashes)"
                .to_string(),
        )
    }
}

/// The endpoint is not quoted back: it may carry a proxy's password.
fn check_endpoint(e: &str) -> Result<(), CliError> {
    let bad = |why: String| CliError::Usage(format!("--endpoint: {why}"));
    let url = reqwest::Url::parse(e).map_err(|err| bad(format!("not a URL ({err})")))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(bad("must be an http or https URL with a host".to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_endpoint, check_project};

    #[test]
    fn projects_and_endpoints_are_checked_without_quoting_them() {
        assert!(check_project("my-project-123").is_ok());
        assert!(check_project("example.com:my-project").is_ok());
        for bad in ["my\nproject", "a b", "a/b", ""] {
            if !bad.is_empty() {
                assert!(check_project(bad).is_err(), "{bad:?}");
            }
        }
        assert!(check_endpoint("http://127.0.0.1:9/proxy").is_ok());
        let e = check_endpoint("ftp://user:hunter2@host")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(check_endpoint("not a url").is_err());
    }
}

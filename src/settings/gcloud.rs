//! What gcloud has on disk, read without running it: its config folder
//! (`CLOUDSDK_CONFIG`, else `~/.config/gcloud`), the active configuration's
//! project, and the application-default credentials file. `setup` offers
//! the project as a default; `doctor` and the token code read the ADC file.

use std::path::{Path, PathBuf};

/// `CLOUDSDK_CONFIG` when set, else `$HOME/.config/gcloud`.
pub fn config_dir() -> Option<PathBuf> {
    match std::env::var_os("CLOUDSDK_CONFIG").filter(|d| !d.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(PathBuf::from(std::env::var_os("HOME")?).join(".config/gcloud")),
    }
}

/// The file `gcloud auth application-default login` writes.
pub fn adc_file() -> Option<PathBuf> {
    Some(config_dir()?.join("application_default_credentials.json"))
}

/// The project of gcloud's active configuration (`gcloud config set
/// project`), if one is set.
pub fn project() -> Option<String> {
    project_in(&config_dir()?)
}

fn project_in(dir: &Path) -> Option<String> {
    let active = std::fs::read_to_string(dir.join("active_config"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && !s.contains(['/', '\\']))
        .unwrap_or_else(|| "default".to_string());
    let text = std::fs::read_to_string(dir.join("configurations").join(format!("config_{active}")))
        .ok()?;
    ini_value(&text, "core", "project")
}

/// `key = value` in `[section]` of an INI file as gcloud writes it.
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if current == section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            let v = v.trim();
            return (!v.is_empty()).then(|| v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_active_configurations_project() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(project_in(dir.path()), None);
        let configs = dir.path().join("configurations");
        std::fs::create_dir_all(&configs).unwrap();
        std::fs::write(
            configs.join("config_default"),
            "[compute]\nproject = not-this\n[core]\naccount = a@b.c\nproject = my-proj\n",
        )
        .unwrap();
        assert_eq!(project_in(dir.path()).as_deref(), Some("my-proj"));
        std::fs::write(configs.join("config_work"), "[core]\nproject = work-proj\n").unwrap();
        std::fs::write(dir.path().join("active_config"), "work\n").unwrap();
        assert_eq!(project_in(dir.path()).as_deref(), Some("work-proj"));
        std::fs::write(dir.path().join("active_config"), "../../etc").unwrap();
        assert_eq!(project_in(dir.path()).as_deref(), Some("my-proj"));
    }
}

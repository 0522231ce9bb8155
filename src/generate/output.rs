//! Where a generation's files go and how they are written: atomically, with
//! sizes and digests for the metadata, and nothing left behind on failure.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::domain::atomic;
use crate::generate::error::GenerateError;
use crate::generate::job::OutputTarget;
use crate::generate::result::{GenerationResult, OutputFile};

/// The paths one generation will write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPlan {
    pub audio: Vec<PathBuf>,
    pub metadata: PathBuf,
}

/// Plans the file names for `count` audio files of extension `ext` (no audio
/// when `count` is 0). `None` when the target says nothing is written.
pub fn plan(target: &OutputTarget, genre: &str, ext: &str, count: usize) -> Option<OutputPlan> {
    let base = match target {
        OutputTarget::None => return None,
        OutputTarget::File(p) => p.clone(),
        OutputTarget::Dir(d) => unique_base(d, &format!("{}-{}", timestamp(), slug(genre))),
    };
    let audio = match count {
        0 => Vec::new(),
        1 => vec![base.with_extension(ext)],
        n => (1..=n).map(|i| numbered(&base, i, ext)).collect(),
    };
    Some(OutputPlan {
        audio,
        metadata: base.with_extension("json"),
    })
}

/// `track.mp3` → `track-2.wav`.
fn numbered(base: &Path, i: usize, ext: &str) -> PathBuf {
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "track".to_string());
    base.with_file_name(format!("{stem}-{i}.{ext}"))
}

fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    now.format(&fmt).unwrap_or_else(|_| "track".to_string())
}

/// A file-name-safe form of the genre: `Lo-Fi Hip Hop!` → `lo-fi-hip-hop`.
pub fn slug(genre: &str) -> String {
    let mut out = String::new();
    for c in genre.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "track".to_string()
    } else {
        out
    }
}

/// Two generations in the same second with the same genre get `-2`, `-3`.
fn unique_base(dir: &Path, name: &str) -> PathBuf {
    let taken = |b: &Path| {
        b.with_extension("json").exists()
            || ["wav", "mp3"].iter().any(|e| b.with_extension(e).exists())
    };
    let first = dir.join(name);
    if !taken(&first) {
        return first;
    }
    (2..)
        .map(|i| dir.join(format!("{name}-{i}")))
        .find(|b| !taken(b))
        .expect("an unused name exists")
}

/// Writes audio atomically and describes it for the metadata.
pub fn write_audio(
    path: &Path,
    bytes: &[u8],
    mime_type: &str,
) -> Result<OutputFile, GenerateError> {
    atomic::write(path, bytes).map_err(|e| GenerateError::io(path, e))?;
    Ok(OutputFile {
        path: path.to_path_buf(),
        mime_type: mime_type.to_string(),
        size_bytes: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Writes the result as indented JSON at `path`, recording the path in it.
pub fn write_metadata(result: &mut GenerationResult, path: &Path) -> Result<(), GenerateError> {
    result.metadata_path = Some(path.to_path_buf());
    let mut json = serde_json::to_string_pretty(result).expect("a result always serializes");
    json.push('\n');
    atomic::write(path, json.as_bytes()).map_err(|e| GenerateError::io(path, e))
}

/// Removes files a generation wrote before it failed or was cancelled.
pub fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_target_replaces_extension_and_numbers_samples() {
        let t = OutputTarget::File(PathBuf::from("out/track.mp3"));
        let p = plan(&t, "rock", "wav", 1).unwrap();
        assert_eq!(p.audio, vec![PathBuf::from("out/track.wav")]);
        assert_eq!(p.metadata, PathBuf::from("out/track.json"));
        let p = plan(&t, "rock", "wav", 2).unwrap();
        assert_eq!(
            p.audio,
            vec![
                PathBuf::from("out/track-1.wav"),
                PathBuf::from("out/track-2.wav")
            ]
        );
        assert!(plan(&OutputTarget::None, "rock", "wav", 1).is_none());
    }

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("Lo-Fi Hip Hop!"), "lo-fi-hip-hop");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("日本"), "track");
    }
}

//! A storage location as the user writes it: a folder, `gs://bucket/prefix`
//! or `s3://bucket/prefix`. Parsed once, where the setting is read, so a
//! typo is one line naming the setting, not a folder called `gs:` in the
//! current directory.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::Service;

/// Longest object-name prefix accepted: GCS object names are at most 1,024
/// bytes, and a preset's file name needs room after it.
const MAX_PREFIX: usize = 900;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    /// Google Cloud Storage.
    Gcs(BucketPath),
    /// An S3-compatible store.
    S3(BucketPath),
}

/// A bucket and a folder-like prefix inside it: empty, or ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketPath {
    pub bucket: String,
    pub prefix: String,
}

impl BucketPath {
    /// The object name of `file` under the prefix.
    pub fn object(&self, file: &str) -> String {
        format!("{}{file}", self.prefix)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value}: {reason}")]
pub struct LocationError {
    /// The location as given, with control characters made visible.
    pub value: String,
    pub reason: String,
}

impl Location {
    /// Parses a folder or a bucket URL. Anything with a `scheme://` is a
    /// URL; everything else is a path, as before.
    pub fn parse(text: &str) -> Result<Location, LocationError> {
        let fail = |reason: &str| LocationError {
            value: text.escape_debug().to_string(),
            reason: reason.to_string(),
        };
        let Some((scheme, rest)) = text.split_once("://") else {
            if text.is_empty() {
                return Err(fail(
                    "empty; give a folder, gs://BUCKET/PREFIX or s3://BUCKET/PREFIX",
                ));
            }
            return Ok(Location::Local(PathBuf::from(text)));
        };
        let make: fn(BucketPath) -> Location = match scheme {
            "gs" => Location::Gcs,
            "s3" => Location::S3,
            _ if scheme.eq_ignore_ascii_case("gs") => {
                return Err(fail("write the scheme in lowercase: gs://BUCKET/PREFIX"));
            }
            _ if scheme.eq_ignore_ascii_case("s3") => {
                return Err(fail("write the scheme in lowercase: s3://BUCKET/PREFIX"));
            }
            _ => {
                return Err(fail(
                    "unsupported scheme; use a folder, gs://BUCKET/PREFIX or s3://BUCKET/PREFIX",
                ));
            }
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        check_bucket(bucket).map_err(|r| fail(&r))?;
        let prefix = check_prefix(prefix).map_err(|r| fail(&r))?;
        Ok(make(BucketPath {
            bucket: bucket.to_string(),
            prefix,
        }))
    }

    /// The location of a path-typed setting (`--presets-dir`), which may
    /// hold a URL.
    pub fn from_path(path: &Path) -> Result<Location, LocationError> {
        match path.to_str() {
            Some(text) => Location::parse(text),
            // Not UTF-8: cannot be a URL; a folder as before.
            None => Ok(Location::Local(path.to_path_buf())),
        }
    }

    /// The store and bucket path of a `gs://` or `s3://` location.
    pub fn bucket(&self) -> Option<(Service, &BucketPath)> {
        match self {
            Location::Local(_) => None,
            Location::Gcs(b) => Some((Service::Gcs, b)),
            Location::S3(b) => Some((Service::S3, b)),
        }
    }

    pub fn local(&self) -> Option<&Path> {
        match self {
            Location::Local(p) => Some(p),
            _ => None,
        }
    }

    /// As a path-like value for the places that show a location
    /// (`config`, the TUI's help): the folder, or the URL.
    pub fn display_path(&self) -> PathBuf {
        match self {
            Location::Local(p) => p.clone(),
            other => PathBuf::from(other.to_string()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(p) => write!(f, "{}", p.display()),
            Location::Gcs(b) | Location::S3(b) => {
                let (service, _) = self.bucket().expect("a bucket location");
                write!(f, "{}://{}/{}", service.scheme(), b.bucket, b.prefix)
            }
        }
    }
}

/// GCS and S3 bucket names: 3 to 63 lowercase letters, digits, `-`, `_`
/// and `.`, starting and ending with a letter or digit (the rules both
/// stores share, so one message covers both).
fn check_bucket(bucket: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if bucket.is_empty() {
        return Err("no bucket name after the scheme".to_string());
    }
    if !(3..=63).contains(&bucket.len())
        || !bucket.chars().all(ok_char)
        || !edge(bucket.chars().next())
        || !edge(bucket.chars().last())
        || bucket.contains("..")
    {
        return Err(
            "bucket names are 3 to 63 lowercase letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
                .to_string(),
        );
    }
    Ok(())
}

/// A prefix made of plain segments: no `.` or `..` (which some stores and
/// every local mirror of a bucket would resolve), no control characters.
/// Returned with one trailing `/`, or empty for the bucket's top.
fn check_prefix(prefix: &str) -> Result<String, String> {
    let trimmed = prefix.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if trimmed.len() > MAX_PREFIX {
        return Err(format!(
            "the path in the bucket is longer than {MAX_PREFIX} bytes"
        ));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err("the path in the bucket holds control characters".to_string());
    }
    for segment in trimmed.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(
                "the path in the bucket has an empty, '.' or '..' segment; write gs://BUCKET/a/b"
                    .to_string(),
            );
        }
    }
    Ok(format!("{trimmed}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_folders_and_urls() {
        assert_eq!(
            Location::parse("/tmp/p").unwrap(),
            Location::Local("/tmp/p".into())
        );
        assert_eq!(
            Location::parse("gs://my-bucket/team/presets/").unwrap(),
            Location::Gcs(BucketPath {
                bucket: "my-bucket".into(),
                prefix: "team/presets/".into()
            })
        );
        assert_eq!(
            Location::parse("gs://my-bucket").unwrap().to_string(),
            "gs://my-bucket/"
        );
        assert!(matches!(
            Location::parse("s3://b.example/x").unwrap(),
            Location::S3(_)
        ));
    }

    #[test]
    fn refuses_bad_urls_in_one_line() {
        for bad in [
            "gs://",
            "gs://AB",
            "gs://Bad_Bucket/x",
            "gs://-bucket",
            "gs://bucket/../etc",
            "gs://bucket/a//b",
            "gs://bucket/a\u{1b}[2J",
            "ftp://bucket/x",
            "",
        ] {
            let e = Location::parse(bad).unwrap_err().to_string();
            assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{bad:?}: {e}");
        }
        assert!(
            Location::parse("ftp://x/y")
                .unwrap_err()
                .to_string()
                .contains("unsupported scheme")
        );
        assert!(
            Location::parse("GS://b/x")
                .unwrap_err()
                .to_string()
                .contains("lowercase: gs://")
        );
        assert!(
            Location::parse("S3://b1/x")
                .unwrap_err()
                .to_string()
                .contains("lowercase: s3://")
        );
    }
}

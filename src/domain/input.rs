//! Reading the files a user hands us (presets, `--config`, `presets save
//! --file`) as if an attacker wrote them: only regular files, at most
//! [`MAX_BYTES`], nested at most [`MAX_DEPTH`] deep, JSON read by a JSON
//! parser and YAML by a YAML parser; and errors that name the line, the
//! column and the field but never quote more than a short excerpt.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Presets and track configs are a few hundred bytes; a megabyte is far
/// past any real one, and small enough to parse in milliseconds.
pub const MAX_BYTES: u64 = 1 << 20;

/// Flow collections (`[`, `{`) nested deeper than this are refused before
/// parsing: YAML parsers take quadratic time on deep nesting.
pub const MAX_DEPTH: usize = 64;

/// How much of a value an error message may quote.
pub const EXCERPT_CHARS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not found")]
    NotFound,
    /// A symbolic link whose target does not exist.
    #[error("a link to a file that is not there")]
    DanglingLink,
    /// A symbolic link that leads, through others, back to itself.
    #[error("a link that leads back to itself (a loop of links)")]
    LinkLoop,
    #[error("not a regular file; presets and configs are read only from regular files")]
    NotRegular,
    #[error("larger than {} KiB; presets and configs are small text files", MAX_BYTES / 1024)]
    TooLarge,
    #[error("{0}")]
    Io(#[source] std::io::Error),
}

/// Reads a regular file of at most [`MAX_BYTES`]. Opened non-blocking and
/// checked with `fstat` before the first read, so a FIFO or a device never
/// blocks; a file growing while it is read is cut off at the limit.
pub fn read_regular(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound
                if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) =>
            {
                ReadError::DanglingLink
            }
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ if e.raw_os_error() == Some(libc::ELOOP) => ReadError::LinkLoop,
            _ => ReadError::Io(e),
        })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    read_limited(file)
}

/// Reads at most [`MAX_BYTES`] from any reader (stdin for `-`).
pub fn read_limited(reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Which parser reads a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// By extension (`.json`), else by content: a document whose first
    /// non-space character is `{` or `[` is JSON (a YAML flow mapping that
    /// is not valid JSON falls back to YAML).
    pub fn of(path: Option<&Path>, text: &str) -> Format {
        let ext = path.and_then(|p| p.extension()).and_then(|e| e.to_str());
        if ext.is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            return Format::Json;
        }
        match text
            .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .chars()
            .next()
        {
            Some('{' | '[') => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// The deepest nesting of flow collections, or the line where it passes
/// [`MAX_DEPTH`]. Brackets inside quoted strings count too: no real preset
/// has 64 unclosed brackets in a string, and not parsing quotes keeps this
/// one linear pass that cannot be fooled by YAML's quoting rules.
pub fn check_depth(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut line = 1usize;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!(
                        "line {line}: nested more than {MAX_DEPTH} levels deep"
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => line += 1,
            _ => {}
        }
    }
    Ok(())
}

/// Parses a document into `T`, turning keys `T` does not know into warnings.
/// Errors name the field, line and column and quote at most a short
/// excerpt; a document that is not a mapping at the top, or none of whose
/// keys is a field of `T` (`/etc/shadow`, a `.env` file given by mistake),
/// is refused without quoting anything of it.
pub fn parse<T: serde::de::DeserializeOwned>(
    text: &str,
    format: Format,
) -> Result<(T, Vec<String>), String> {
    parse_keys(text, format)
        .map(|(value, unknown)| (value, unknown.iter().map(ToString::to_string).collect()))
}

/// [`parse`], with the unknown keys as they are, for callers that refuse
/// them or suggest the field meant.
pub fn parse_keys<T: serde::de::DeserializeOwned>(
    text: &str,
    format: Format,
) -> Result<(T, Vec<UnknownKey>), String> {
    check_depth(text)?;
    match format {
        Format::Json => match parse_json(text) {
            Err(e) if e.fallback => parse_yaml(text).map_err(|_| e.message),
            r => r.map_err(|e| e.message),
        },
        Format::Yaml => parse_yaml(text),
    }
}

/// A key of a document that its type does not have. Its path is shown only
/// when it could be a field's name: a key of a file that is not a config
/// at all (a line of `/etc/shadow`) may be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// `structure.verse_cont`; `None` when not shown.
    pub path: Option<String>,
    /// The field probably meant.
    pub suggestion: Option<&'static str>,
}

impl std::fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}: unknown key, ignored{}", self.hint()),
            None => write!(f, "{}, ignored{}", self.shown(), self.hint()),
        }
    }
}

impl UnknownKey {
    /// The key as a message may name it.
    pub fn shown(&self) -> &str {
        self.path
            .as_deref()
            .unwrap_or("a key that is not a field name")
    }

    /// ` (did you mean temperature?)`, or nothing.
    pub fn hint(&self) -> String {
        self.suggestion
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default()
    }

    /// A key by its dotted path, shown only if it could be a field's name.
    pub fn new(path: String) -> UnknownKey {
        UnknownKey {
            path: path.split('.').all(could_be_a_name).then_some(path),
            suggestion: None,
        }
    }

    /// The closest of `fields` to the key (by edit distance, at most a
    /// third of its length), for "did you mean".
    pub fn suggest(&mut self, fields: &[&'static str]) {
        let Some(key) = self.path.as_deref().and_then(|p| p.rsplit('.').next()) else {
            return;
        };
        let key = key.to_ascii_lowercase();
        self.suggestion = fields
            .iter()
            .map(|f| (strsim::damerau_levenshtein(&key, f), *f))
            .filter(|&(d, f)| d * 3 <= f.len().max(key.len()))
            .min_by_key(|&(d, _)| d)
            .map(|(_, f)| f);
    }
}

/// A field name or a list index: short, and only letters, digits, `_`, `-`.
fn could_be_a_name(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Collects a document's unknown keys, counting those at the top.
#[derive(Default)]
struct Unknowns {
    keys: Vec<UnknownKey>,
    at_top: usize,
}

impl Unknowns {
    fn note(&mut self, path: serde_ignored::Path) {
        if matches!(
            path,
            serde_ignored::Path::Map {
                parent: serde_ignored::Path::Root,
                ..
            }
        ) {
            self.at_top += 1;
        }
        self.keys.push(UnknownKey::new(path.to_string()));
    }

    /// Refuses a document with keys none of which is a field; the keys are
    /// counted as far as the parser went.
    fn finish(self, keys_at_top: usize) -> Result<Vec<UnknownKey>, String> {
        if keys_at_top > 0 && self.at_top >= keys_at_top {
            return Err(format!(
                "none of its {keys_at_top} keys is a field; expected a mapping of fields \
                 (like `genre: rock`) — is it the right file?"
            ));
        }
        Ok(self.keys)
    }
}

struct JsonError {
    message: String,
    /// A syntax error in what may be a YAML flow mapping: YAML may read it.
    fallback: bool,
}

fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<(T, Vec<UnknownKey>), JsonError> {
    let top: serde_json::Value = serde_json::from_str(text).map_err(|e| JsonError {
        fallback: e.is_syntax() || e.is_eof(),
        message: excerpted(&e.to_string()),
    })?;
    let Some(keys_at_top) = top.as_object().map(serde_json::Map::len) else {
        return Err(JsonError {
            message: not_a_mapping(match top {
                serde_json::Value::Array(_) => "a list",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Null => "nothing",
                _ => "a single value",
            }),
            fallback: false,
        });
    };
    let mut unknown = Unknowns::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let mut note = |path: serde_ignored::Path| unknown.note(path);
    let ignored = serde_ignored::Deserializer::new(&mut de, &mut note);
    let value: Result<T, _> = serde_path_to_error::deserialize(ignored);
    let unknown = unknown.finish(keys_at_top).map_err(|message| JsonError {
        message,
        fallback: false,
    })?;
    let value = value.map_err(|e| {
        let path = e.path().to_string();
        let inner = excerpted(&e.into_inner().to_string());
        JsonError {
            message: if path == "." {
                inner
            } else {
                format!("{path}: {inner}")
            },
            fallback: false,
        }
    })?;
    Ok((value, unknown))
}

fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<(T, Vec<UnknownKey>), String> {
    let top: yaml_serde::Value =
        yaml_serde::from_str(text).map_err(|e| excerpted(&e.to_string()))?;
    let kind = match &top {
        yaml_serde::Value::Mapping(_) => None,
        yaml_serde::Value::Sequence(_) => Some("a list"),
        yaml_serde::Value::String(_) => Some("text"),
        yaml_serde::Value::Null => Some("nothing"),
        yaml_serde::Value::Tagged(_) => Some("a tagged value"),
        _ => Some("a single value"),
    };
    if let Some(kind) = kind {
        return Err(not_a_mapping(kind));
    }
    let keys_at_top = top.as_mapping().map_or(0, yaml_serde::Mapping::len);
    let mut unknown = Unknowns::default();
    let de = yaml_serde::Deserializer::from_str(text);
    let value: Result<T, _> = serde_ignored::deserialize(de, |path| unknown.note(path));
    // Checked first: a file that is no config at all says so, rather than
    // that it misses a field.
    let unknown = unknown.finish(keys_at_top)?;
    Ok((value.map_err(|e| excerpted(&e.to_string()))?, unknown))
}

/// Which keys a document has: its mappings as JSON objects, every other
/// value as `true` (or `null` where it is null). For a document [`parse`]
/// has accepted, so the layer it makes sets only the keys named in it.
pub fn outline(text: &str, format: Format) -> Result<serde_json::Value, String> {
    let yaml = || {
        yaml_serde::from_str(text)
            .map(|v| outline_yaml(&v))
            .map_err(|e| excerpted(&e.to_string()))
    };
    match format {
        Format::Json => serde_json::from_str(text)
            .map(|v| outline_json(&v))
            .or_else(|_| yaml()),
        Format::Yaml => yaml(),
    }
}

fn outline_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), outline_json(v)))
                .collect(),
        ),
        Value::Null => Value::Null,
        _ => Value::Bool(true),
    }
}

fn outline_yaml(v: &yaml_serde::Value) -> serde_json::Value {
    use yaml_serde::Value as Y;
    match v {
        // Keys that are not text are no field's: ignored, as warned.
        Y::Mapping(m) => serde_json::Value::Object(
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), outline_yaml(v))))
                .collect(),
        ),
        Y::Tagged(t) => outline_yaml(&t.value),
        Y::Null => serde_json::Value::Null,
        _ => serde_json::Value::Bool(true),
    }
}

/// A JSON value read into `T` as [`parse`] reads a document: errors name
/// the field, keys `T` does not know come back.
pub fn check_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<(T, Vec<UnknownKey>), String> {
    if !value.is_object() {
        return Err(not_a_mapping("something else"));
    }
    let mut unknown = Unknowns::default();
    let mut note = |path: serde_ignored::Path| unknown.note(path);
    let ignored = serde_ignored::Deserializer::new(value, &mut note);
    let typed = serde_path_to_error::deserialize(ignored).map_err(|e| {
        let path = e.path().to_string();
        let inner = excerpted(&e.into_inner().to_string());
        if path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        }
    })?;
    // Its caller built it (a batch job's fields): its keys are its own to
    // refuse or warn about.
    Ok((typed, unknown.keys))
}

fn not_a_mapping(found: &str) -> String {
    format!("expected a mapping of fields (like `genre: rock`) at the top, found {found}")
}

/// A parser's message with every quoted value (`"…"` or `` `…` ``) cut to
/// [`EXCERPT_CHARS`] characters on one line, control characters escaped.
/// serde quotes the whole offending value; a value can be a secret.
pub fn excerpted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(400));
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' && c != '`' {
            push_visible(&mut out, c);
            continue;
        }
        // A quoted value: keep its start, drop the rest up to the close.
        out.push(c);
        let mut kept = 0;
        let mut cut = false;
        let mut escaped = false;
        for q in chars.by_ref() {
            if q == c && !escaped {
                break;
            }
            escaped = q == '\\' && !escaped;
            if q == '\n' || q == '\r' {
                cut = true;
            }
            if !cut && kept < EXCERPT_CHARS {
                push_visible(&mut out, q);
                kept += 1;
            } else {
                cut = true;
            }
        }
        if cut {
            out.push('…');
        }
        out.push(c);
    }
    out
}

fn push_visible(out: &mut String, c: char) {
    if c.is_control() {
        out.push_str(&format!("\\u{{{:X}}}", c as u32));
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct T {
        #[allow(dead_code)]
        genre: String,
        #[allow(dead_code)]
        n: Option<u8>,
    }

    #[test]
    fn the_format_comes_from_the_extension_or_the_first_character() {
        assert_eq!(
            Format::of(Some(Path::new("a.JSON")), "genre: x"),
            Format::Json
        );
        assert_eq!(Format::of(None, " \n{\"genre\": 1}"), Format::Json);
        assert_eq!(
            Format::of(Some(Path::new("a.yaml")), "genre: x"),
            Format::Yaml
        );
    }

    #[test]
    fn quoted_values_are_cut_to_an_excerpt() {
        let secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n";
        let m = excerpted(&format!("invalid type: string {secret:?}, expected u8"));
        assert!(!m.contains("MIIE"), "{m}");
        assert!(
            m.starts_with("invalid type: string \"-----BEGIN PRIVATE"),
            "{m}"
        );
        assert_eq!(excerpted("unknown field `x`"), "unknown field `x`");
    }

    #[test]
    fn a_document_that_is_not_a_mapping_is_not_quoted() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
        for format in [Format::Yaml, Format::Json] {
            let e = parse::<T>(key, format).unwrap_err();
            assert!(!e.contains("BEGIN") && !e.contains("MIIE"), "{e}");
        }
        let e = parse::<T>("API_KEY=sk-live-123\nOTHER=2\n", Format::Yaml).unwrap_err();
        assert!(e.contains("mapping") && !e.contains("sk-live"), "{e}");
    }

    #[test]
    fn json_errors_name_the_field_and_surrogate_pairs_are_read() {
        let (t, _) = parse::<T>(r#"{"genre": "\ud83c\udfb5 lo-fi"}"#, Format::Json).unwrap();
        assert_eq!(t.genre, "🎵 lo-fi");
        let e = parse::<T>(
            r#"{"genre": "x", "n": "a very long secret value here"}"#,
            Format::Json,
        )
        .unwrap_err();
        assert!(
            e.starts_with("n: ") && e.contains("line 1") && !e.contains("value here"),
            "{e}"
        );
        // A YAML flow mapping is not JSON, but still read.
        let (t, _) = parse::<T>("{genre: rock}", Format::Json).unwrap();
        assert_eq!(t.genre, "rock");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("genre: {}", "[".repeat(100_000));
        let e = parse::<T>(&deep, Format::Yaml).unwrap_err();
        assert!(e.contains("nested more than 64"), "{e}");
        let ok = format!("genre: x\nn: {}1{}", "[".repeat(10), "]".repeat(10));
        assert!(parse::<T>(&ok, Format::Yaml).is_err_and(|e| !e.contains("nested")));
    }

    #[test]
    fn fifos_and_large_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.yaml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path for mkfifo.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(read_regular(&fifo), Err(ReadError::NotRegular)));
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b' '; MAX_BYTES as usize + 1]).unwrap();
        assert!(matches!(read_regular(&big), Err(ReadError::TooLarge)));
        assert!(matches!(
            read_regular(dir.path()),
            Err(ReadError::NotRegular)
        ));
        assert!(matches!(
            read_regular(&dir.path().join("no")),
            Err(ReadError::NotFound)
        ));
    }
}

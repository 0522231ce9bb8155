//! The batch's record of what it sent, beside the outputs: one JSON line
//! per event, flushed to disk before the request it announces leaves, so a
//! kill at any moment leaves a record that tells a re-run what is done, what
//! may be sent again, and what may already have been billed.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::generate::output::sha256_hex;

/// A take's file as the record keeps it: enough to check it is intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFile {
    pub path: PathBuf,
    pub sha256: String,
}

/// How a failed take stands with the bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    /// Refused or never reached: sending again cannot bill twice.
    NotBilled,
    /// Sent with no whole answer: Vertex AI may have made and billed it.
    MayHaveBeenBilled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// Written (and flushed) before the request is handed to the worker.
    Sent { key: String },
    Done {
        key: String,
        files: Vec<RecordedFile>,
        #[serde(default)]
        metadata: Option<PathBuf>,
    },
    Failed {
        key: String,
        billing: Billing,
        error: String,
    },
}

impl Record {
    pub fn key(&self) -> &str {
        match self {
            Record::Sent { key } | Record::Done { key, .. } | Record::Failed { key, .. } => key,
        }
    }
}

/// What an earlier run left for one take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Earlier {
    /// Never sent, or failed in a way that cannot have been billed.
    Fresh,
    /// Done, its files present and intact.
    Done { files: Vec<RecordedFile> },
    /// Done, but a file is missing or changed since.
    Broken { reason: String },
    /// Sent without an answer (a kill, a dropped connection).
    Uncertain { error: Option<String> },
}

/// Every take's last record, from the journal at `path` (none if it does
/// not exist). A line cut off by a kill mid-write is ignored: its take was
/// not sent, since the request leaves only after the whole line is synced.
pub fn read(path: &Path) -> std::io::Result<HashMap<String, Record>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e),
    };
    let mut last = HashMap::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        if let Ok(record) = serde_json::from_str::<Record>(&line) {
            last.insert(record.key().to_string(), record);
        }
    }
    Ok(last)
}

/// What a take's last record means now; a done take's files are hashed
/// again. Blocking.
pub fn judge(record: Option<&Record>) -> Earlier {
    match record {
        None
        | Some(Record::Failed {
            billing: Billing::NotBilled,
            ..
        }) => Earlier::Fresh,
        Some(Record::Sent { .. }) => Earlier::Uncertain { error: None },
        Some(Record::Failed { error, .. }) => Earlier::Uncertain {
            error: Some(error.clone()),
        },
        Some(Record::Done {
            files, metadata, ..
        }) => {
            let paths = files.iter().map(|f| (&f.path, Some(&f.sha256)));
            let meta = metadata.iter().map(|m| (m, None));
            for (path, digest) in paths.chain(meta) {
                match std::fs::read(path) {
                    Err(e) => {
                        return Earlier::Broken {
                            reason: format!("{}: {e}", path.display()),
                        };
                    }
                    Ok(bytes) => {
                        if digest.is_some_and(|d| *d != sha256_hex(&bytes)) {
                            return Earlier::Broken {
                                reason: format!("{}: changed since it was written", path.display()),
                            };
                        }
                    }
                }
            }
            Earlier::Done {
                files: files.clone(),
            }
        }
    }
}

/// Appends records, each synced to disk before `append` returns.
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    pub fn open(path: &Path) -> std::io::Result<Journal> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One line, synced. Blocking.
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_string(record).expect("records always serialize");
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_record_of_each_take_decides() {
        let dir = tempfile::tempdir().unwrap();
        let audio = dir.path().join("a.wav");
        std::fs::write(&audio, b"sound").unwrap();
        let path = dir.path().join("j.jsonl");
        let mut j = Journal::open(&path).unwrap();
        let sent = |k: &str| Record::Sent { key: k.into() };
        for r in [
            sent("a"),
            Record::Done {
                key: "a".into(),
                files: vec![RecordedFile {
                    path: audio.clone(),
                    sha256: sha256_hex(b"sound"),
                }],
                metadata: None,
            },
            sent("b"),
            sent("c"),
            Record::Failed {
                key: "c".into(),
                billing: Billing::NotBilled,
                error: "HTTP 429".into(),
            },
            sent("d"),
            Record::Failed {
                key: "d".into(),
                billing: Billing::MayHaveBeenBilled,
                error: "dropped".into(),
            },
        ] {
            j.append(&r).unwrap();
        }
        // A line cut off by a kill.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"sent\",\"ke")
            .unwrap();
        let last = read(&path).unwrap();
        assert!(matches!(judge(last.get("a")), Earlier::Done { .. }));
        assert_eq!(judge(last.get("b")), Earlier::Uncertain { error: None });
        assert_eq!(judge(last.get("c")), Earlier::Fresh);
        assert!(matches!(
            judge(last.get("d")),
            Earlier::Uncertain { error: Some(_) }
        ));
        assert_eq!(judge(last.get("e")), Earlier::Fresh);
        std::fs::write(&audio, b"changed").unwrap();
        assert!(matches!(judge(last.get("a")), Earlier::Broken { .. }));
        std::fs::remove_file(&audio).unwrap();
        assert!(matches!(judge(last.get("a")), Earlier::Broken { .. }));
    }
}

//! The batch's record of what it sent, beside the outputs: one JSON line
//! per event, flushed to disk before the request it announces leaves, so a
//! kill at any moment leaves a record that tells a re-run what is done, what
//! may be sent again, and what may already have been billed.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
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
    let mut lines = BufReader::new(file).split(b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let line = line?;
        let Ok(text) = std::str::from_utf8(&line) else {
            // Not ours and not a line cut off by a kill (that is only ever
            // the last): a "sent" record may be lost in it, so nothing is
            // guessed; the user decides.
            if lines.peek().is_none() {
                break;
            }
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "line {} is not text music-gen wrote; move the journal aside to start afresh \
                     (takes it recorded as sent may then be sent, and billed, again)",
                    index + 1
                ),
            ));
        };
        if let Ok(record) = serde_json::from_str::<Record>(text) {
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
                // An object in a bucket is written create-only and never
                // changed in place: trusted as recorded, not downloaded.
                if crate::storage::Location::from_path(path).is_ok_and(|l| l.bucket().is_some()) {
                    continue;
                }
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
        // Never through a link: a journal named like ours that points
        // elsewhere (a planted symlink) must not make us append to its
        // target. ELOOP comes back as an error naming the path.
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .custom_flags(libc::O_NOFOLLOW)
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

/// The journal on a thread of its own, committing in groups: every record
/// waiting when it wakes is written, then synced once. Records that must
/// be on disk before a request leaves are awaited; the others are not (a
/// take written but not recorded is found again by its metadata).
pub struct Writer {
    queue: Option<std::sync::mpsc::Sender<Batch>>,
    thread: Option<std::thread::JoinHandle<()>>,
    path: PathBuf,
}

type Batch = (
    Vec<Record>,
    Option<tokio::sync::oneshot::Sender<std::io::Result<()>>>,
);

impl Writer {
    pub fn spawn(mut journal: Journal) -> std::io::Result<Writer> {
        let path = journal.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel::<Batch>();
        let thread = std::thread::Builder::new()
            .name("batch-journal".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut group = vec![first];
                    group.extend(rx.try_iter());
                    let outcome = journal.write_group(group.iter().flat_map(|(r, _)| r));
                    for (_, ack) in group {
                        if let Some(ack) = ack {
                            let _ = ack.send(match &outcome {
                                Ok(()) => Ok(()),
                                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                            });
                        }
                    }
                    if let Err(e) = outcome {
                        tracing::warn!(error = %e, "could not write the batch journal");
                    }
                }
            })?;
        Ok(Writer {
            queue: Some(tx),
            thread: Some(thread),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns once `records` are on disk.
    pub async fn commit(&self, records: Vec<Record>) -> std::io::Result<()> {
        let (ack, done) = tokio::sync::oneshot::channel();
        let sent = self.queue.as_ref().map(|q| q.send((records, Some(ack))));
        if !matches!(sent, Some(Ok(()))) {
            return Err(std::io::Error::other("the journal writer stopped"));
        }
        done.await
            .unwrap_or_else(|_| Err(std::io::Error::other("the journal writer stopped")))
    }

    /// Queues `record` to be written with the next group.
    pub fn later(&self, record: Record) {
        if let Some(q) = &self.queue {
            let _ = q.send((vec![record], None));
        }
    }

    /// Writes what is queued and stops. Blocking.
    pub fn close(mut self) {
        self.queue = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Journal {
    fn write_group<'a>(
        &mut self,
        records: impl Iterator<Item = &'a Record>,
    ) -> std::io::Result<()> {
        let mut text = String::new();
        for r in records {
            text.push_str(&serde_json::to_string(r).expect("records always serialize"));
            text.push('\n');
        }
        self.file.write_all(text.as_bytes())?;
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

    #[test]
    fn a_journal_with_a_line_that_is_not_text_names_the_line_unless_it_was_cut_off_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let sent = b"{\"event\":\"sent\",\"key\":\"a\"}\n";
        std::fs::write(&path, [&sent[..], b"\xff\xfe garbage\n", sent].concat()).unwrap();
        let e = read(&path).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .starts_with("line 2 is not text music-gen wrote"),
            "{e}"
        );
        std::fs::write(&path, [&sent[..], b"{\"event\":\"se\xff"].concat()).unwrap();
        let last = read(&path).unwrap();
        assert_eq!(judge(last.get("a")), Earlier::Uncertain { error: None });
    }

    #[test]
    fn a_journal_that_is_a_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let path = dir.path().join("b.batch-journal.jsonl");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(Journal::open(&path).is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }
}

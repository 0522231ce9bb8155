//! The folder's take names, kept between runs. Reading 20,000 names from a
//! folder (10,000 takes and their audio) costs more than everything else
//! `history --limit 20` does, yet the names change only when a file is
//! added, removed or renamed, and each of those changes the folder's own
//! modification time. So the names read are kept with the folder's stamp
//! (device, inode, modification and change times) and used while it is
//! the same; any other stamp, or a file that is not one we wrote whole,
//! means the folder is read again.
//!
//! The names live in a hidden folder of their own inside the library's:
//! writing them there leaves the library folder's times alone.

use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::domain::atomic;
use crate::library::index::{Entry, is_take_stem};
use crate::library::take::TakeId;

/// The hidden folder inside the library's that holds the kept names.
pub const NAMES_DIR: &str = ".music-gen-index";
/// The kept names, in [`NAMES_DIR`].
pub const NAMES_FILE: &str = "names";
/// The first line; bumped when the format changes (an older file is read
/// as stale and replaced).
const MAGIC: &str = "music-gen take names 2";
const END: &str = "end\n";

/// A folder whose last change is at least this old is *settled*: whatever
/// changes it later gets a later modification time, so a stamp taken now
/// can tell. A change within the file system's timestamp granularity of
/// the one before (a few milliseconds on Linux, 2 s on FAT) may keep the
/// same time; names read from a folder that changed that recently are not
/// kept.
pub const SETTLE: Duration = Duration::from_secs(2);

/// What says a folder's names are the same as when they were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderStamp {
    dev: u64,
    ino: u64,
    mtime: (i64, i64),
    /// The change time, which no tool can set back: a folder changed and
    /// then given its old modification time (`touch -d`) is still seen.
    ctime: (i64, i64),
}

impl FolderStamp {
    pub fn of(dir: &Path) -> std::io::Result<FolderStamp> {
        let m = std::fs::metadata(dir)?;
        Ok(FolderStamp {
            dev: m.dev(),
            ino: m.ino(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }

    /// Whether any later change to the folder is sure to give it another
    /// modification time: its last change is [`SETTLE`] older than `now`,
    /// which must be read before the stamp was.
    pub fn settled(&self, now: SystemTime) -> bool {
        let Ok(now) = now.duration_since(UNIX_EPOCH) else {
            return false;
        };
        let (secs, nanos) = self.mtime;
        // Before 1970: every change from now on has a later time.
        let Ok(secs) = u64::try_from(secs) else {
            return true;
        };
        let changed = Duration::new(secs, u32::try_from(nanos).unwrap_or(0));
        changed
            .checked_add(SETTLE)
            .is_some_and(|settled_at| settled_at <= now)
    }
}

/// The names kept for the folder `dir` as it is now (`stamp`), newest
/// first; `None` when none were kept, they were kept for another state of
/// the folder, or the file is not one we wrote whole.
pub fn load(dir: &Path, stamp: &FolderStamp) -> Option<Vec<Entry>> {
    let text = std::fs::read_to_string(dir.join(NAMES_DIR).join(NAMES_FILE)).ok()?;
    let entries = parse(&text, stamp);
    if entries.is_none() {
        tracing::debug!(dir = %dir.display(), "kept take names are stale or unreadable");
    }
    entries
}

/// Keeps `entries` (newest first), read from `dir` while its stamp was
/// `stamp`, which must be [settled](FolderStamp::settled). A folder that
/// cannot be written is read each time instead.
pub fn save(dir: &Path, stamp: &FolderStamp, entries: &[Entry]) {
    let names = dir.join(NAMES_DIR);
    match std::fs::create_dir(&names) {
        // Making it changed the library folder, so names kept now would
        // not match it; the next settled read keeps them.
        Ok(()) => return,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // A link or a file put there is left alone.
            if !std::fs::symlink_metadata(&names).is_ok_and(|m| m.is_dir()) {
                return;
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, dir = %dir.display(), "cannot keep the take names");
            return;
        }
    }
    match atomic::write(&names.join(NAMES_FILE), format(stamp, entries).as_bytes()) {
        Ok(()) => {
            atomic::sweep_stale(&names);
        }
        Err(e) => tracing::debug!(error = %e, dir = %dir.display(), "cannot keep the take names"),
    }
}

/// `MAGIC`, the stamp and the count, then `TIME<TAB>ID<NUL>` for each take
/// (an id is a file name, which holds anything but `/` and NUL), then
/// `END`: a file cut short lacks it.
fn format(stamp: &FolderStamp, entries: &[Entry]) -> String {
    let mut out = String::with_capacity(128 + entries.len() * 40);
    let FolderStamp {
        dev,
        ino,
        mtime,
        ctime,
    } = stamp;
    let _ = write!(
        out,
        "{MAGIC}\n{dev} {ino} {} {} {} {} {}\n",
        mtime.0,
        mtime.1,
        ctime.0,
        ctime.1,
        entries.len()
    );
    for e in entries {
        let _ = write!(out, "{}\t{}\0", e.time, e.id.0);
    }
    out.push_str(END);
    out
}

fn parse(text: &str, stamp: &FolderStamp) -> Option<Vec<Entry>> {
    let rest = text.strip_prefix(MAGIC)?.strip_prefix('\n')?;
    let (head, body) = rest.split_once('\n')?;
    let mut fields = head.split(' ');
    let mut field = || fields.next();
    let (dev, ino) = (field()?.parse().ok()?, field()?.parse().ok()?);
    let mut int = || field()?.parse::<i64>().ok();
    let kept = FolderStamp {
        dev,
        ino,
        mtime: (int()?, int()?),
        ctime: (int()?, int()?),
    };
    let count: usize = field()?.parse().ok()?;
    if field().is_some() || kept != *stamp {
        return None;
    }
    let body = body.strip_suffix(END)?;
    // Each record is at least 4 bytes: a count the file cannot hold is not
    // allocated for.
    let mut entries = Vec::with_capacity(count.min(body.len() / 4));
    for record in body.split_terminator('\0') {
        let (time, id) = record.split_once('\t')?;
        // What a scan of the folder would never have listed is not taken
        // from a file either (a `../` would lead out of the folder).
        if !is_take_stem(id) || id.contains('/') {
            return None;
        }
        entries.push(Entry {
            id: TakeId(id.to_string()),
            time: time.parse().ok()?,
        });
    }
    (entries.len() == count).then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> FolderStamp {
        FolderStamp {
            dev: 2049,
            ino: u64::MAX,
            mtime: (1_700_000_000, 5),
            ctime: (1_700_000_001, 999_999_999),
        }
    }

    fn entry(id: &str, time: i64) -> Entry {
        Entry {
            id: TakeId(id.into()),
            time,
        }
    }

    #[test]
    fn names_read_back_only_for_the_same_stamp() {
        let entries = vec![entry("20260101-120000-rock", 5), entry("odd\nname é", -3)];
        let text = format(&stamp(), &entries);
        let back = parse(&text, &stamp()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!((back[1].id.0.as_str(), back[1].time), ("odd\nname é", -3));
        for other in [
            FolderStamp { ino: 1, ..stamp() },
            FolderStamp {
                mtime: (1_700_000_000, 6),
                ..stamp()
            },
            FolderStamp {
                ctime: (1_700_000_002, 0),
                ..stamp()
            },
        ] {
            assert!(parse(&text, &other).is_none(), "{other:?}");
        }
        assert_eq!(parse(&format(&stamp(), &[]), &stamp()).unwrap().len(), 0);
    }

    #[test]
    fn a_file_cut_short_changed_or_hostile_is_not_used() {
        let text = format(&stamp(), &[entry("a", 1), entry("b", 2)]);
        for cut in 0..text.len() {
            assert!(parse(&text[..cut], &stamp()).is_none(), "cut at {cut}");
        }
        let bad = [
            text.replace("music-gen take names 2", "music-gen take names 3"),
            text.replace(" 2\n", " 3\n"),
            text.replace("a\0", "../../etc/passwd\0"),
            text.replace("a\0", ".hidden\0"),
            text.replace("a\0", "\0"),
            text.replace("1\ta", "x\ta"),
            text.replace("1\ta", "1 a"),
            format!("{MAGIC}\n1 2 3 4 5 6 99999999999999\n{END}"),
        ];
        for b in bad {
            assert!(parse(&b, &stamp()).is_none(), "{b:?}");
        }
    }

    #[test]
    fn a_folder_is_settled_once_its_last_change_is_old_enough() {
        let at = |secs: u64, nanos: u32| UNIX_EPOCH + Duration::new(secs, nanos);
        let s = stamp();
        assert!(!s.settled(at(1_700_000_000, 5)));
        assert!(!s.settled(at(1_700_000_001, 999_999_999)));
        assert!(s.settled(at(1_700_000_002, 5)));
        assert!(s.settled(at(1_800_000_000, 0)));
        // The clock before the folder's time (set back, or another
        // machine's): not settled.
        assert!(!s.settled(at(1_600_000_000, 0)));
        let ancient = FolderStamp {
            mtime: (-5, 0),
            ..stamp()
        };
        assert!(ancient.settled(at(0, 0)));
    }
}

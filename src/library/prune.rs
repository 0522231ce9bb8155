//! Housekeeping: which takes a prune removes.

use std::time::Duration;

use crate::library::LibraryError;
use crate::library::take::TakeId;

/// What `history prune` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneRule {
    /// Deletes takes made longer ago than this.
    OlderThan(Duration),
    /// Keeps the newest N, deletes the rest.
    Keep(usize),
}

/// The takes a prune would delete and the bytes their files hold, shown
/// before asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrunePlan {
    pub takes: Vec<TakeId>,
    pub bytes: u64,
}

impl PrunePlan {
    /// Deletes the plan's takes with `delete` (the folder's or the
    /// bucket's); returns how many went and the bytes freed. A take
    /// already gone (another process pruned it) is skipped. A failure part
    /// way ([`LibraryError::PruneStopped`]) names the takes deleted before
    /// it, so a user knows what is gone.
    pub fn carry_out(
        &self,
        mut delete: impl FnMut(&TakeId) -> Result<u64, LibraryError>,
    ) -> Result<(usize, u64), LibraryError> {
        let mut deleted = Vec::new();
        let mut freed = 0;
        for id in &self.takes {
            match delete(id) {
                Ok(bytes) => {
                    deleted.push(id.clone());
                    freed += bytes;
                }
                Err(LibraryError::NotFound(_)) => {}
                Err(e) => {
                    return Err(LibraryError::PruneStopped {
                        deleted,
                        freed,
                        source: Box::new(e),
                    });
                }
            }
        }
        Ok((deleted.len(), freed))
    }
}

/// What a prune that stopped part way had deleted: `2 takes (1.2 MB)
/// were deleted before that: A, B`, or that none were.
pub(crate) fn deleted_before(deleted: &[TakeId], freed: u64) -> String {
    /// Ids named; the rest are counted.
    const SHOWN: usize = 10;
    match deleted.len() {
        0 => "no take was deleted".to_string(),
        n => {
            let mut ids: Vec<&str> = deleted.iter().take(SHOWN).map(TakeId::as_str).collect();
            let more = format!("and {} more", n.saturating_sub(SHOWN));
            if n > SHOWN {
                ids.push(&more);
            }
            format!(
                "{n} take{} ({}) {} deleted before that: {}",
                if n == 1 { "" } else { "s" },
                format_bytes(freed),
                if n == 1 { "was" } else { "were" },
                ids.join(", ")
            )
        }
    }
}

/// `1.2 MB`, `512 B`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::{TakeId, deleted_before, format_bytes};

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1_234_567), "1.2 MB");
        assert_eq!(format_bytes(5_760_044), "5.8 MB");
    }

    #[test]
    fn a_stopped_prune_names_what_it_deleted() {
        assert_eq!(deleted_before(&[], 0), "no take was deleted");
        let one = [TakeId("a".into())];
        assert_eq!(
            deleted_before(&one, 1500),
            "1 take (1.5 KB) was deleted before that: a"
        );
        let many: Vec<TakeId> = (0..12).map(|i| TakeId(format!("t{i}"))).collect();
        let text = deleted_before(&many, 0);
        assert!(text.starts_with("12 takes (0 B) were deleted before that: t0, t1,"));
        assert!(text.ends_with("t9, and 2 more"), "{text}");
    }
}

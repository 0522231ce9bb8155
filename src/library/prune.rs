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
    /// already gone (another process pruned it) is skipped.
    pub fn carry_out(
        &self,
        mut delete: impl FnMut(&TakeId) -> Result<u64, LibraryError>,
    ) -> Result<(usize, u64), LibraryError> {
        let mut count = 0;
        let mut freed = 0;
        for id in &self.takes {
            match delete(id) {
                Ok(bytes) => {
                    count += 1;
                    freed += bytes;
                }
                Err(LibraryError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((count, freed))
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
    use super::format_bytes;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1_234_567), "1.2 MB");
        assert_eq!(format_bytes(5_760_044), "5.8 MB");
    }
}

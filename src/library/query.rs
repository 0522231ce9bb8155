//! What a listing asks for: a filter, an order, a limit, a period.

use std::time::Duration;

use serde::Serialize;

use crate::generate::{Mode, Status};
use crate::library::take::TakeSummary;

/// How takes are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Newest first.
    #[default]
    Time,
    /// By id (the file name), A to Z.
    Name,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Words that must all match; a bare word matches the genre, the
    /// preset, the model, the lyrics or the id, `genre:`, `preset:`,
    /// `model:` and `lyrics:` restrict a word to one of them.
    pub filter: Option<String>,
    pub sort: Sort,
    /// At most this many takes in the page.
    pub limit: Option<usize>,
    /// Only takes made at or after this time (unix seconds).
    pub since: Option<i64>,
}

impl Query {
    /// Whether answering needs every take's summary (anything but the
    /// newest N).
    pub(crate) fn needs_all(&self) -> bool {
        self.filter.as_deref().is_some_and(|f| !f.trim().is_empty())
            || self.since.is_some()
            || self.sort != Sort::Time
            || self.limit.is_none()
    }

    pub(crate) fn matches(&self, t: &TakeSummary) -> bool {
        if self.since.is_some_and(|s| t.time < s) {
            return false;
        }
        let Some(filter) = &self.filter else {
            return true;
        };
        filter.split_whitespace().all(|term| term_matches(term, t))
    }
}

fn term_matches(term: &str, t: &TakeSummary) -> bool {
    let term = term.to_lowercase();
    let has = |field: &str, word: &str| field.to_lowercase().contains(word);
    let model = t.model.map(|m| m.id()).unwrap_or("");
    let preset = t.preset.as_deref().unwrap_or("");
    if let Some((key, word)) = term.split_once(':') {
        let word = word.trim();
        match key {
            "genre" => return has(&t.genre, word),
            "preset" => return has(preset, word),
            "model" => return has(model, word),
            "lyrics" => return t.words.contains(word),
            _ => {}
        }
    }
    has(&t.genre, &term)
        || has(preset, &term)
        || has(model, &term)
        || t.words.contains(&term)
        || has(t.id.as_str(), &term)
}

/// A page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// Takes in the library.
    pub total: usize,
    /// Takes the query matched (the page may hold fewer).
    pub matched: usize,
    pub takes: Vec<TakeSummary>,
    /// What the matched gcp takes cost, when every one was read (a filter
    /// or a period was given).
    pub spent: Option<Spent>,
}

/// Money spent in gcp mode over the takes a query matched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spent {
    pub takes: usize,
    pub usd: f64,
}

impl Spent {
    pub(crate) fn of<'a>(takes: impl Iterator<Item = &'a TakeSummary>) -> Spent {
        let mut spent = Spent { takes: 0, usd: 0.0 };
        for t in takes {
            if t.mode == Some(Mode::Gcp) && t.status == Some(Status::Completed) {
                spent.takes += 1;
                spent.usd += t.cost_usd;
            }
        }
        spent
    }
}

/// `30d`, `12h`, `2w`, `90m`, `45s`: an age.
pub fn parse_age(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not an age; use a number and a unit: 30d, 12h, 2w, 90m");
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(secs)
        .filter(|&t| t <= 100 * 365 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{s:?} is longer than a hundred years"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_written() {
        assert_eq!(parse_age("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(5400)));
        for bad in ["", "d", "30", "30y", "-1d", "99999999999999999999d"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }
}

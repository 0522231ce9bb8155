//! When to try a request again and how long to wait first.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

pub const DEFAULT_BASE_DELAY: Duration = Duration::from_secs(1);
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// Quota and transient server errors. Anything else (a bad request, missing
/// permission, unknown model, filtered prompt) fails the same way again.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 503 | 504)
}

/// Connection failures, including a connection dropped mid-answer; not
/// errors music-gen made building the request or reading the JSON.
pub fn is_retryable_error(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_request() || e.is_body()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based): the base doubled
    /// for each earlier attempt, capped, then jittered into its upper half so
    /// clients that failed together do not come back together.
    pub fn backoff(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        let full = self
            .base_delay
            .saturating_mul(1 << doublings)
            .min(MAX_DELAY);
        full.mul_f64(rng.random_range(0.5..=1.0))
    }
}

/// `Retry-After` in either form HTTP allows: seconds or a date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use reqwest::header::HeaderValue;

    #[test]
    fn only_transient_statuses_are_retried() {
        for s in [429, 500, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 501, 502] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for attempt in 1..=3u32 {
            let full = Duration::from_millis(100 * (1 << (attempt - 1)));
            for _ in 0..50 {
                let d = p.backoff(attempt, &mut rng);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
            }
        }
        assert!(p.backoff(40, &mut rng) <= MAX_DELAY);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}

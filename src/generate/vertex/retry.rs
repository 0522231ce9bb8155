//! When to try a request again and how long to wait first.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

pub const DEFAULT_BASE_DELAY: Duration = Duration::from_secs(1);
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// Answers that say the generation was not made, so a retry cannot bill
/// twice: quota (429), and the server errors Google's retry guidance names
/// (500, 502, 503). Not 504: Google says a deadline exceeded "may be returned
/// even if the operation has completed". Anything else (a bad request,
/// missing permission, unknown model, filtered prompt) fails the same way
/// again.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503)
}

/// Failures before the request could reach Vertex AI: DNS, connection
/// refused, TLS set-up, a connect timeout. A connection that breaks after
/// the request was sent is not one of them: Vertex AI may be making the
/// audio.
pub fn is_retryable_error(e: &reqwest::Error) -> bool {
    e.is_connect()
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
    pub fn backoff(&self, attempt: u32, rng: &mut fastrand::Rng) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        let full = self
            .base_delay
            .saturating_mul(1 << doublings)
            .min(MAX_DELAY);
        full.mul_f64(0.5 + 0.5 * rng.f64())
    }
}

/// The wait before the next attempt: what the server asked for, else the
/// backoff; never less than the base delay, so a `Retry-After: 0` cannot
/// turn retries into a flood. `None` when the wait would not end before the
/// deadline: reporting the last error then beats a less helpful timeout.
/// Compared, never added to an instant, so no server value can overflow.
pub fn next_wait(
    asked: Option<Duration>,
    backoff: Duration,
    floor: Duration,
    left: Duration,
) -> Option<Duration> {
    let wait = asked.unwrap_or(backoff).max(floor);
    (wait < left).then_some(wait)
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
    use reqwest::header::HeaderValue;

    #[test]
    fn only_transient_statuses_are_retried() {
        for s in [429, 500, 502, 503] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 501, 504] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
        };
        let mut rng = fastrand::Rng::with_seed(1);
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
    fn waits_have_a_floor_and_end_before_the_deadline() {
        let s = Duration::from_secs;
        assert_eq!(next_wait(Some(s(0)), s(4), s(1), s(60)), Some(s(1)));
        assert_eq!(next_wait(None, s(4), s(1), s(60)), Some(s(4)));
        assert_eq!(next_wait(Some(s(9)), s(4), s(1), s(60)), Some(s(9)));
        assert_eq!(next_wait(Some(s(u64::MAX)), s(4), s(1), s(60)), None);
        assert_eq!(next_wait(None, s(4), s(1), s(3)), None);
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
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(u64::MAX)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}

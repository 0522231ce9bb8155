//! One rate limiter shared by every generation of a batch (or a TUI queue):
//! a window of requests allowed in flight at once, never above its ceiling.
//! A 429 from Vertex AI halves the window and pauses every sender until the
//! server's `Retry-After` (or a backoff) has passed; each window's worth of
//! answers after that lets one more request in, so the rate climbs back
//! gently instead of storming the quota again.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The pause after a 429 that named no wait.
pub const DEFAULT_PAUSE: Duration = Duration::from_secs(2);
/// No server value pauses a batch longer than this at once.
pub const MAX_PAUSE: Duration = Duration::from_secs(300);

#[derive(Clone)]
pub struct Limiter {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Clone)]
struct State {
    ceiling: usize,
    window: usize,
    in_flight: usize,
    /// Answers since the window last grew.
    since_growth: usize,
    paused_until: Option<Instant>,
    throttled: u64,
    /// The most requests ever in flight at once.
    peak: usize,
}

/// What the limiter is doing now, for progress displays and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimiterSnapshot {
    pub ceiling: usize,
    pub window: usize,
    pub in_flight: usize,
    /// Time left in a pause after a 429.
    pub paused_for: Option<Duration>,
    /// 429 answers seen.
    pub throttled: u64,
    pub peak: usize,
}

impl Limiter {
    /// At most `ceiling` (at least 1) requests in flight.
    pub fn new(ceiling: usize) -> Limiter {
        let ceiling = ceiling.max(1);
        Limiter {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    ceiling,
                    window: ceiling,
                    in_flight: 0,
                    since_growth: 0,
                    paused_until: None,
                    throttled: 0,
                    peak: 0,
                }),
                changed: Notify::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent under every early exit; a panic
        // elsewhere must not stop the batch.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a place in the window and for any pause to end. The permit
    /// frees the place when dropped.
    pub async fn acquire(&self) -> Permit {
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            // Registered before the state is read, so no release is missed.
            notified.as_mut().enable();
            let pause = match self.take_place() {
                Ok(permit) => return permit,
                Err(pause) => pause,
            };
            match pause {
                Some(until) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        () = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// A place now if one is free, without waiting: lets a caller say it
    /// is waiting only when it is.
    pub fn try_acquire(&self) -> Option<Permit> {
        self.take_place().ok()
    }

    /// A place, or why there is none: the end of a pause, or (`None`) a
    /// full window.
    fn take_place(&self) -> Result<Permit, Option<Instant>> {
        let mut s = self.state();
        let now = Instant::now();
        match s.paused_until {
            Some(until) if until > now => Err(Some(until)),
            _ => {
                s.paused_until = None;
                if s.in_flight < s.window {
                    s.in_flight += 1;
                    s.peak = s.peak.max(s.in_flight);
                    Ok(Permit {
                        limiter: self.clone(),
                    })
                } else {
                    Err(None)
                }
            }
        }
    }

    pub fn snapshot(&self) -> LimiterSnapshot {
        let s = self.state();
        let now = Instant::now();
        LimiterSnapshot {
            ceiling: s.ceiling,
            window: s.window,
            in_flight: s.in_flight,
            paused_for: s
                .paused_until
                .filter(|u| *u > now)
                .map(|u| u.saturating_duration_since(now)),
            throttled: s.throttled,
            peak: s.peak,
        }
    }

    fn release(&self) {
        let mut s = self.state();
        s.in_flight = s.in_flight.saturating_sub(1);
        drop(s);
        self.shared.changed.notify_waiters();
    }
}

/// Two handles are equal when they share one limiter.
impl PartialEq for Limiter {
    fn eq(&self, other: &Limiter) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Limiter").field(&self.snapshot()).finish()
    }
}

/// A place in the window, held while one request is in flight.
pub struct Permit {
    limiter: Limiter,
}

impl Permit {
    /// The request was answered: each window's worth of answers lets the
    /// window grow by one, back up to its ceiling.
    pub fn answered(self) {
        let mut s = self.limiter.state();
        if s.window < s.ceiling {
            s.since_growth += 1;
            if s.since_growth >= s.window {
                s.window += 1;
                s.since_growth = 0;
            }
        }
    }

    /// Vertex AI answered 429: halve the window and pause every sender for
    /// what the server asked (else the default pause), capped.
    pub fn throttled(self, asked: Option<Duration>) {
        let mut s = self.limiter.state();
        s.throttled += 1;
        s.window = (s.window / 2).max(1);
        s.since_growth = 0;
        let pause = asked.unwrap_or(DEFAULT_PAUSE).min(MAX_PAUSE);
        let until = Instant::now() + pause;
        s.paused_until = Some(s.paused_until.map_or(until, |u| u.max(until)));
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.limiter.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn never_more_than_the_window_in_flight() {
        let l = Limiter::new(2);
        let a = l.acquire().await;
        let _b = l.acquire().await;
        let third = tokio::spawn({
            let l = l.clone();
            async move { l.acquire().await }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!third.is_finished());
        assert_eq!(l.snapshot().in_flight, 2);
        drop(a);
        let _c = third.await.unwrap();
        assert_eq!(l.snapshot().peak, 2);
    }

    #[tokio::test]
    async fn try_acquire_takes_a_free_place_and_never_waits() {
        let l = Limiter::new(1);
        let a = l.try_acquire().expect("a free place");
        assert!(l.try_acquire().is_none(), "the window is full");
        drop(a);
        l.try_acquire()
            .expect("freed")
            .throttled(Some(Duration::from_secs(60)));
        assert!(l.try_acquire().is_none(), "paused after a 429");
        assert_eq!(l.snapshot().in_flight, 0);
    }

    #[tokio::test]
    async fn a_429_halves_the_window_pauses_everyone_then_climbs_back() {
        let l = Limiter::new(8);
        l.acquire()
            .await
            .throttled(Some(Duration::from_millis(150)));
        let snap = l.snapshot();
        assert_eq!(snap.window, 4);
        assert_eq!(snap.throttled, 1);
        assert!(snap.paused_for.is_some());
        let start = Instant::now();
        let p = l.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(100));
        p.answered();
        // Four answers at a window of four grow it to five.
        for _ in 0..3 {
            l.acquire().await.answered();
        }
        assert_eq!(l.snapshot().window, 5);
        for _ in 0..100 {
            l.acquire().await.answered();
        }
        assert_eq!(l.snapshot().window, 8, "never above the ceiling");
    }

    #[tokio::test]
    async fn pauses_are_capped_and_the_window_never_closes() {
        let l = Limiter::new(1);
        l.acquire()
            .await
            .throttled(Some(Duration::from_secs(86_400)));
        let snap = l.snapshot();
        assert_eq!(snap.window, 1);
        assert!(snap.paused_for.unwrap() <= MAX_PAUSE);
        assert!(snap.paused_for.unwrap() > MAX_PAUSE - Duration::from_secs(5));
    }
}

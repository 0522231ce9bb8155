//! The event loop: waits on the terminal, the worker, signals and — only
//! while a generation runs or a take plays — a tick; updates the state;
//! draws once when something changed. Idle, it sleeps without waking up.

use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::{Interval, MissedTickBehavior, interval};

use crate::tui::action::Action;
use crate::tui::state::AppState;
use crate::tui::terminal::TerminalGuard;
use crate::tui::ui;
use crate::tui::{Exit, TuiError};
use crate::worker::{Request, WorkerHandle};

/// How long a quit waits for the draft to reach the disk.
const DRAFT_WAIT: Duration = Duration::from_secs(3);

/// Runs the loop; whichever way it ends (a quit, a signal, a failed
/// terminal), the draft is written first.
pub async fn run(
    terminal: &mut TerminalGuard,
    state: &mut AppState,
    worker: &mut WorkerHandle,
) -> Result<Exit, TuiError> {
    let started = Instant::now();
    state.epoch = time::OffsetDateTime::now_utc().unix_timestamp();
    let result = run_loop(terminal, state, worker, started).await;
    stop_playing(state, worker).await;
    save_draft_now(state, worker, started).await;
    result
}

/// Quitting stops the music: the player is stopped and reaped before the
/// process ends (waiting a bounded time).
async fn stop_playing(state: &mut AppState, worker: &mut WorkerHandle) {
    if state.library.playing.is_none() {
        return;
    }
    let stop = worker.send(Request::StopPlayback);
    let wait = async {
        while state.library.playing.is_some() {
            match worker.recv().await {
                Some(event) => {
                    state.on_event(event, worker);
                }
                None => return,
            }
        }
    };
    if tokio::time::timeout(DRAFT_WAIT, wait).await.is_err() {
        tracing::warn!(stop, "the player did not stop in time");
    }
}

/// Sends the draft and waits (a bounded time) for the worker to write it.
async fn save_draft_now(state: &mut AppState, worker: &mut WorkerHandle, started: Instant) {
    state.clock = started.elapsed();
    let Some(id) = state.flush_draft(worker, true) else {
        return;
    };
    let wait = async {
        while let Some(event) = worker.recv().await {
            let done = event.id() == id;
            state.on_event(event, worker);
            if done {
                return;
            }
        }
    };
    if tokio::time::timeout(DRAFT_WAIT, wait).await.is_err() {
        tracing::warn!("the draft was not written in time");
    }
}

async fn run_loop(
    terminal: &mut TerminalGuard,
    state: &mut AppState,
    worker: &mut WorkerHandle,
    started: Instant,
) -> Result<Exit, TuiError> {
    let mut terminal_events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut ticker: Option<(Duration, Interval)> = None;
    let mut dirty = true;
    loop {
        if state.take_suspend() {
            terminal.suspend()?;
            dirty = true;
        }
        if state.should_quit() {
            return Ok(Exit::Quit);
        }
        if let Some(text) = state.clipboard.take() {
            terminal.copy(&text)?;
        }
        if dirty {
            let area = terminal.draw(state)?;
            terminal.signal(&state.window_title(), state.take_bell())?;
            // Only the drawn size tells how far the prompt and a popup can
            // scroll; keeping within it makes ↑ act at once after too many
            // ↓, and a resize leaves no blank rows.
            state.set_view(ui::view_limits(state, area));
            dirty = false;
        }
        ticker = match (state.tick_every(), ticker) {
            (Some(every), Some((was, t))) if every == was => Some((was, t)),
            (Some(every), _) => Some((every, ticker_every(every))),
            (None, _) => None,
        };
        let tick = async {
            match ticker.as_mut() {
                Some((_, t)) => t.tick().await,
                None => std::future::pending().await,
            }
        };
        let fades = state.notice_fades();
        let fade = async {
            match fades {
                Some(at) => tokio::time::sleep_until((started + at).into()).await,
                None => std::future::pending().await,
            }
        };
        let draft_due = state.draft_due();
        let draft_due = async {
            match draft_due {
                Some(due) => tokio::time::sleep_until((started + due).into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = terminal_events.next() => match event {
                Some(Ok(event)) => {
                    state.clock = started.elapsed();
                    dirty |= on_terminal_event(state, worker, event);
                }
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(Exit::Quit),
            },
            event = worker.recv() => match event {
                Some(event) => {
                    state.clock = started.elapsed();
                    dirty |= state.on_event(event, worker);
                    // Drain what else is ready, so a burst costs one frame.
                    while let Some(event) = worker.try_recv() {
                        dirty |= state.on_event(event, worker);
                    }
                }
                None => return Err(TuiError::WorkerStopped),
            },
            _ = tick => dirty |= state.tick(started.elapsed()),
            () = fade => dirty |= state.fade_notice(started.elapsed()),
            () = draft_due => {
                state.clock = started.elapsed();
                state.flush_draft(worker, false);
            }
            _ = sigterm.recv() => return Ok(Exit::Signal(libc::SIGTERM)),
            _ = sighup.recv() => return Ok(Exit::Signal(libc::SIGHUP)),
        }
    }
}

fn ticker_every(every: Duration) -> Interval {
    let mut t = interval(every);
    // After a stall, one tick is enough; catching up would only burn frames.
    t.set_missed_tick_behavior(MissedTickBehavior::Skip);
    t
}

/// Returns whether the screen needs a redraw.
fn on_terminal_event(state: &mut AppState, worker: &mut WorkerHandle, event: TermEvent) -> bool {
    match event {
        TermEvent::Key(key) if key.kind != KeyEventKind::Release => state.key(key, worker),
        TermEvent::Paste(text) if state.context().accepts_paste() => {
            state.apply(Action::Paste(text), worker)
        }
        TermEvent::Resize(..) => true,
        TermEvent::FocusGained => {
            state.attention.focused = Some(true);
            false
        }
        TermEvent::FocusLost => {
            state.attention.focused = Some(false);
            false
        }
        _ => false,
    }
}

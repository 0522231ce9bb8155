//! Graceful shutdown. The first SIGTERM or SIGINT stops accepting; requests
//! in flight get `grace` to finish. At the deadline a gcp generation still
//! waiting is answered 503 ("may have been billed") and the server waits,
//! once more up to `grace`, for those generations to end so that their
//! audio is kept if it arrives. A second signal ends every wait.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct Shutdown {
    /// Stop accepting connections.
    pub begin: CancellationToken,
    /// Answer what still waits; close what is still open.
    pub deadline: CancellationToken,
    /// Stop waiting for anything.
    pub force: CancellationToken,
    pub grace: Duration,
}

impl Shutdown {
    /// Listens for SIGTERM and SIGINT on the current runtime.
    pub fn on_signals(grace: Duration) -> std::io::Result<Shutdown> {
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let s = Shutdown {
            begin: CancellationToken::new(),
            deadline: CancellationToken::new(),
            force: CancellationToken::new(),
            grace,
        };
        let tokens = s.clone();
        tokio::spawn(async move {
            let first = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            tracing::info!(
                signal = first,
                grace_secs = grace.as_secs_f64(),
                "shutting down: no new connections"
            );
            crate::cli::stdout::eprint_line(&format!(
                "music-gen serve: {first}: finishing requests in flight (up to {} s)",
                grace.as_secs()
            ));
            tokens.begin.cancel();
            tokio::select! {
                () = tokio::time::sleep(grace) => tokens.deadline.cancel(),
                _ = term.recv() => tokens.force_all(),
                _ = int.recv() => tokens.force_all(),
            }
            tokio::select! {
                _ = term.recv() => tokens.force_all(),
                _ = int.recv() => tokens.force_all(),
            }
        });
        Ok(s)
    }

    fn force_all(&self) {
        self.deadline.cancel();
        self.force.cancel();
    }
}

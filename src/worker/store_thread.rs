//! The preset store on a thread of its own, as gitui's asyncgit runs git:
//! a cold listing of 10,000 presets (≈150 ms) or a save's fsync never
//! blocks the async runtime, so generations, token refreshes and cancels
//! go on meanwhile. One thread takes the jobs in order, so a listing sent
//! after a save sees the save.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use crate::domain::presets::PresetStore;
use crate::worker::protocol::{Event, RequestId, WorkerError};

type Job = Box<dyn FnOnce(&mut PresetStore) -> Event + Send>;

pub(crate) struct StoreThread {
    jobs: std_mpsc::Sender<(RequestId, Job)>,
}

impl StoreThread {
    /// Moves `store` to a new thread, which answers on `events` and ends
    /// when this handle is dropped, after the job in hand.
    pub(crate) fn spawn(
        mut store: PresetStore,
        events: mpsc::UnboundedSender<Event>,
    ) -> std::io::Result<StoreThread> {
        let (jobs, queue) = std_mpsc::channel::<(RequestId, Job)>();
        std::thread::Builder::new()
            .name("presets".to_string())
            .spawn(move || {
                for (id, job) in queue {
                    // A panic is this request's failure; the store, its
                    // cache at worst stale, keeps serving the others.
                    let event =
                        crate::generate::contain::catch(AssertUnwindSafe(|| job(&mut store)))
                            .unwrap_or_else(|_| Event::Failed {
                                id,
                                error: WorkerError::Internal("the preset store"),
                            });
                    let _ = events.send(event);
                }
            })?;
        Ok(StoreThread { jobs })
    }

    /// Queues `job` for request `id`; its event goes straight to the caller.
    pub(crate) fn run(
        &self,
        id: RequestId,
        job: impl FnOnce(&mut PresetStore) -> Event + Send + 'static,
    ) {
        // The thread lives as long as this handle; it stops early only if
        // its loop panicked outside a job, which catch_unwind rules out.
        let _ = self.jobs.send((id, Box::new(job)));
    }
}

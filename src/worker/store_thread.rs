//! State that does file work on a thread of its own, as gitui's asyncgit
//! runs git: the preset store (a cold listing of 10,000 presets ≈150 ms, a
//! save's fsync) and the take library never block the async runtime, so
//! generations, token refreshes and cancels go on meanwhile. One thread
//! takes the jobs in order, so a listing sent after a save sees the save.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use crate::worker::protocol::{Event, RequestId, WorkerError};

type Job<T> = Box<dyn FnOnce(&mut T) -> Event + Send>;

pub(crate) struct StoreThread<T> {
    jobs: std_mpsc::Sender<(RequestId, Job<T>)>,
}

impl<T: Send + 'static> StoreThread<T> {
    /// Moves `store` to a new thread named `name`, which answers on
    /// `events` and ends when this handle is dropped, after the job in
    /// hand. A panic is reported as an internal error in `what`.
    pub(crate) fn spawn(
        name: &str,
        what: &'static str,
        mut store: T,
        events: mpsc::UnboundedSender<Event>,
    ) -> std::io::Result<StoreThread<T>> {
        let (jobs, queue) = std_mpsc::channel::<(RequestId, Job<T>)>();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                for (id, job) in queue {
                    // A panic is this request's failure; the store, its
                    // cache at worst stale, keeps serving the others.
                    let event =
                        crate::generate::contain::catch(AssertUnwindSafe(|| job(&mut store)))
                            .unwrap_or_else(|_| Event::Failed {
                                id,
                                error: WorkerError::Internal(what),
                            });
                    let _ = events.send(event);
                }
            })?;
        Ok(StoreThread { jobs })
    }

    /// Queues `job` for request `id`; its event goes straight to the caller.
    pub(crate) fn run(&self, id: RequestId, job: impl FnOnce(&mut T) -> Event + Send + 'static) {
        // The thread lives as long as this handle; it stops early only if
        // its loop panicked outside a job, which catch_unwind rules out.
        let _ = self.jobs.send((id, Box::new(job)));
    }
}

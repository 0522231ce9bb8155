//! The caller's side of the worker: send requests, receive events.

use tokio::sync::mpsc;

use crate::domain::presets::{PresetStore, StoreError};
use crate::worker::protocol::{Event, Request, RequestId};
use crate::worker::task::Worker;

pub struct WorkerHandle {
    requests: mpsc::UnboundedSender<(RequestId, Request)>,
    events: mpsc::UnboundedReceiver<Event>,
    next_id: RequestId,
    restored: Vec<String>,
}

/// Opens the preset store (see `PresetStore::open_location`) and starts the
/// worker on the current tokio runtime. The worker stops, dropping its
/// generators, when the handle is dropped.
pub fn spawn(presets_dir: std::path::PathBuf) -> Result<WorkerHandle, StoreError> {
    let at = crate::storage::Location::from_path(&presets_dir)?;
    let (store, restored) = PresetStore::open_location(&at)?;
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let worker = Worker::new(store, ev_tx).map_err(|source| StoreError::Io {
        path: presets_dir,
        source,
    })?;
    tokio::spawn(worker.run(req_rx));
    Ok(WorkerHandle {
        requests: req_tx,
        events: ev_rx,
        next_id: 1,
        restored,
    })
}

impl WorkerHandle {
    /// Queues a request and returns its id; never waits.
    pub fn send(&mut self, request: Request) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        // The worker outlives every handle; a send can fail only while the
        // runtime shuts down, when nobody waits for the answer anyway.
        let _ = self.requests.send((id, request));
        id
    }

    /// The next event, or `None` once the worker has stopped.
    pub async fn recv(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// An event if one is ready, without waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// Sends a request and waits for its final event, passing every other
    /// event (progress, answers to earlier requests) to `on_other`.
    pub async fn call(
        &mut self,
        request: Request,
        mut on_other: impl FnMut(&Event),
    ) -> Option<Event> {
        let id = self.send(request);
        while let Some(ev) = self.recv().await {
            if ev.id() == id && ev.is_final() {
                return Some(ev);
            }
            on_other(&ev);
        }
        None
    }

    /// Built-in presets the store wrote when it opened.
    pub fn restored_builtins(&self) -> &[String] {
        &self.restored
    }
}

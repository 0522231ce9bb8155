//! Many HTTP requests, one worker. The worker answers on a single event
//! stream; this task owns the worker handle, forwards each call and routes
//! the final event for its id back to the caller that waits for it.

use std::collections::HashMap;

use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot, watch};

use crate::worker::{Event, Request, RequestId, WorkerHandle};

struct Call {
    request: Request,
    reply: oneshot::Sender<Event>,
    /// Held until the worker's final answer, not until the HTTP client
    /// leaves: a generation keeps its slot while it may still be billed.
    permit: Option<OwnedSemaphorePermit>,
}

struct Pending {
    reply: oneshot::Sender<Event>,
    generation: bool,
    _permit: Option<OwnedSemaphorePermit>,
}

/// A cheap, cloneable way to ask the worker something.
#[derive(Clone)]
pub struct WorkerClient {
    calls: mpsc::UnboundedSender<Call>,
    generations: watch::Receiver<usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("the worker stopped")]
pub struct WorkerGone;

impl WorkerClient {
    /// Starts the routing task on the current runtime; it ends when every
    /// client is dropped, and with it the worker.
    pub fn start(worker: WorkerHandle) -> WorkerClient {
        let (calls_tx, calls_rx) = mpsc::unbounded_channel();
        let (gen_tx, gen_rx) = watch::channel(0);
        tokio::spawn(route(worker, calls_rx, gen_tx));
        WorkerClient {
            calls: calls_tx,
            generations: gen_rx,
        }
    }

    /// Sends a request and waits for its final event.
    pub async fn call(&self, request: Request) -> Result<Event, WorkerGone> {
        self.call_holding(request, None).await
    }

    /// As `call`, keeping `permit` until the worker has answered, even if
    /// this future is dropped first.
    pub async fn call_holding(
        &self,
        request: Request,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Result<Event, WorkerGone> {
        let (reply, answer) = oneshot::channel();
        self.calls
            .send(Call {
                request,
                reply,
                permit,
            })
            .map_err(|_| WorkerGone)?;
        answer.await.map_err(|_| WorkerGone)
    }

    /// Generations the worker is still running, answered or not.
    pub fn generations_running(&self) -> usize {
        *self.generations.borrow()
    }

    /// Waits until no generation is running.
    pub async fn generations_done(&mut self) {
        let _ = self.generations.wait_for(|n| *n == 0).await;
    }
}

async fn route(
    mut worker: WorkerHandle,
    mut calls: mpsc::UnboundedReceiver<Call>,
    generations: watch::Sender<usize>,
) {
    let mut pending: HashMap<RequestId, Pending> = HashMap::new();
    let count = |pending: &HashMap<RequestId, Pending>| {
        let n = pending.values().filter(|p| p.generation).count();
        generations.send_if_modified(|old| std::mem::replace(old, n) != n);
    };
    loop {
        tokio::select! {
            call = calls.recv() => {
                let Some(call) = call else { break };
                let generation = matches!(call.request, Request::Generate(_));
                let id = worker.send(call.request);
                pending.insert(id, Pending { reply: call.reply, generation, _permit: call.permit });
                if generation {
                    count(&pending);
                }
            }
            event = worker.recv() => {
                let Some(event) = event else { break };
                if !event.is_final() {
                    continue;
                }
                if let Some(p) = pending.remove(&event.id()) {
                    // The caller may have gone (client hung up, shutdown
                    // deadline); the result is on disk all the same.
                    let _ = p.reply.send(event);
                    if p.generation {
                        count(&pending);
                    }
                }
            }
        }
    }
}

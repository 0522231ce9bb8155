//! Runs the bucket client's async calls for the preset store, whose
//! methods are synchronous (they run on the store's own thread, like file
//! work). The store owns a small runtime; when a call comes from inside
//! another runtime (opening the store at start-up), it runs on a scoped
//! thread so neither runtime blocks the other.

use std::future::Future;

#[derive(Debug)]
pub struct Blocking {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Blocking {
    pub fn new() -> std::io::Result<Blocking> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Blocking {
            runtime: Some(runtime),
        })
    }

    pub fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        let runtime = self.runtime.as_ref().expect("present until drop");
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime.block_on(future);
        }
        std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(future))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

impl Drop for Blocking {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's task panics; this does not.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

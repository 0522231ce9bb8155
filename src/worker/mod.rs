//! The worker task: owns the preset store and the generator cache. The TUI
//! and the CLI talk to it only through [`Request`] and [`Event`].

mod handle;
pub mod opener;
mod playback;
mod protocol;
mod store_thread;
mod takes;
mod task;
pub mod watch;

pub use handle::{WorkerHandle, spawn};
pub use protocol::{ChosenSettings, Event, Request, RequestId, WorkerError};

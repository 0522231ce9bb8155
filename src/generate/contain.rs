//! A panic inside a generation is a bug, but it must cost the user one
//! failed take, not a hung CLI or a backtrace over the TUI. Generations run
//! inside `contain`, which turns a panic into `GenerateError::Internal`, and
//! blocking work that guards itself (a decoder on a hostile file, a preset
//! store job) runs inside `catch`; the panic hooks (`install_hook`, the
//! TUI's) log such panics to the log file instead of printing them over the
//! screen or restoring a terminal that is still in use.

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, UnwindSafe};

use futures_util::FutureExt;

use crate::generate::error::GenerateError;

tokio::task_local! {
    static CONTAINED: ();
}

thread_local! {
    /// How many `catch` calls the current thread is inside.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`; a panic while it runs becomes an error.
pub async fn contain<T>(
    f: impl Future<Output = Result<T, GenerateError>>,
) -> Result<T, GenerateError> {
    CONTAINED
        .scope((), AssertUnwindSafe(f).catch_unwind())
        .await
        .unwrap_or_else(|payload| Err(GenerateError::Internal(panic_message(payload.as_ref()))))
}

/// Runs blocking `f`; a panic while it runs is returned, not raised, and
/// the panic hooks treat it as caught.
pub fn catch<T>(f: impl FnOnce() -> T + UnwindSafe) -> std::thread::Result<T> {
    struct Depth;
    impl Drop for Depth {
        fn drop(&mut self) {
            CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
        }
    }
    CATCHING.with(|c| c.set(c.get() + 1));
    let _depth = Depth;
    std::panic::catch_unwind(f)
}

/// Whether the current code runs inside `contain` or `catch`: a panic here
/// is somebody's error value, not the end of the program.
pub fn inside() -> bool {
    CONTAINED.try_with(|()| ()).is_ok() || CATCHING.with(|c| c.get() > 0)
}

/// Keeps contained panics off the terminal: they go to the log, and the
/// failed take says what happened. Any other panic reaches `previous`.
pub fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if inside() {
            tracing::error!(panic = %info, "a panic was caught");
        } else {
            previous(info);
        }
    }));
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_error() {
        let r: Result<(), GenerateError> = contain(async { panic!("boom {}", 1) }).await;
        let e = r.unwrap_err();
        assert!(
            matches!(&e, GenerateError::Internal(m) if m == "boom 1"),
            "{e:?}"
        );
        assert!(e.to_string().contains("internal error"), "{e}");
        assert!(!inside());
        assert!(contain(async { Ok(inside()) }).await.unwrap());
    }

    #[test]
    fn a_caught_panic_is_inside_and_leaves_no_mark() {
        assert!(catch(inside).unwrap());
        let caught = catch(|| -> () { panic!("decoder") });
        assert!(caught.is_err());
        // Nested, and after an unwind, the count comes back to zero.
        assert!(catch(|| catch(|| panic!("inner")).is_err() && inside()).unwrap());
        assert!(!inside());
    }
}

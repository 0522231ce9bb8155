//! A panic inside a generation is a bug, but it must cost the user one
//! failed take, not a hung CLI or a backtrace over the TUI. Generations run
//! inside `contain`, which turns a panic into `GenerateError::Internal`; the
//! panic hook installed by `install_hook` logs such panics to the log file
//! instead of printing them over the screen.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use crate::generate::error::GenerateError;

tokio::task_local! {
    static CONTAINED: ();
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

/// Whether the current code runs inside `contain`.
pub fn inside() -> bool {
    CONTAINED.try_with(|()| ()).is_ok()
}

/// Keeps contained panics off the terminal: they go to the log, and the
/// failed take says what happened. Any other panic reaches `previous`.
pub fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if inside() {
            tracing::error!(panic = %info, "a generation panicked");
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
}

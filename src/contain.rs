//! Panic containment: runs a third-party parse or decode call so that a
//! panic inside it becomes an `Err` with the panic's message, printed
//! nowhere, instead of unwinding through the import or the window.
//!
//! A leaf: used by `parse` (mailparse), `extract` (PDF, Office readers) and
//! the window (image decoding); it uses nothing of the crate.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set by the panic hook on threads that contain parser panics.
    static CONTAINED: RefCell<Option<String>> = const { RefCell::new(None) };
    static CONTAINING: RefCell<bool> = const { RefCell::new(false) };
}

/// Installs (once) a panic hook that stays silent for panics contained by
/// [`contain`], recording their message instead; other panics go to the
/// previous hook.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CONTAINING.with(|c| *c.borrow()) {
                let loc = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                CONTAINED.with(|c| *c.borrow_mut() = Some(format!("{msg}{loc}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `Err(message)`; the panic hook stays
/// silent for it (other panics are reported as before).
pub fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    CONTAINING.with(|c| *c.borrow_mut() = true);
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    CONTAINING.with(|c| *c.borrow_mut() = false);
    r.map_err(|_| {
        CONTAINED
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::contain;

    #[test]
    fn a_panic_becomes_its_message() {
        let r: Result<(), String> = contain(|| panic!("boom {}", 7));
        let e = r.unwrap_err();
        assert!(e.starts_with("boom 7 at "), "{e}");
        assert_eq!(contain(|| 41 + 1), Ok(42));
    }
}

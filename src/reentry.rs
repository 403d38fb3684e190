//! Refuses calls into a session from inside one of its own callbacks (write, read, seek,
//! progress, debug, response hook): such a call could deadlock or free the session under
//! the transfer that runs the callback. A thread-local marks the sessions whose callback is
//! running on this thread.

use crate::error::{Error, Result};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// A session's identity, unique for the process's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionId(u64);

impl Default for SessionId {
    fn default() -> SessionId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SessionId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

thread_local! {
    static ACTIVE: RefCell<Vec<SessionId>> = const { RefCell::new(Vec::new()) };
}

/// Marks `session` as running a callback on this thread until the scope is dropped.
pub fn enter(session: SessionId) -> Scope {
    #[cfg(any(debug_assertions, feature = "panic-injection"))]
    crate::ffi::panic_injection::maybe_panic_in_callback("callback");
    ACTIVE.with(|active| active.borrow_mut().push(session));
    Scope(())
}

pub struct Scope(());

impl Drop for Scope {
    fn drop(&mut self) {
        ACTIVE.with(|active| active.borrow_mut().pop());
    }
}

/// An error when a callback of `session` is running on this thread.
pub fn check(session: SessionId) -> Result<()> {
    if ACTIVE.with(|active| active.borrow().contains(&session)) {
        return Err(Error::invalid(
            "called from inside one of this session's callbacks (write, read, seek, progress, debug or \
             response hook): use the session after the callback returns",
        ));
    }
    Ok(())
}

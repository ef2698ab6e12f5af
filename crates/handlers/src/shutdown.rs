//! [`ShutdownGuard`]: calls [`Manager::shutdown`] when dropped, so buffered and
//! queued records are written when `main` returns, even by `?` or a panic that
//! unwinds.
//!
//! (Buffered file handlers are also written by an `atexit` hook, and queue
//! handlers are drained by it, within a bounded time (see the `QueueHandler` docs);
//! memory handlers need an orderly shutdown: newest handler first, so a memory or
//! queue handler hands its records on before its targets close.)

use std::fmt;
use std::sync::Arc;

use logtree_core::Manager;

/// Shuts logging down when dropped.
///
/// ```
/// {
///     let _logging = logtree_handlers::ShutdownGuard::new();
///     // ... configure and log ...
/// } // every handler is flushed and closed here: put the guard first in `main`
/// ```
#[must_use = "the guard shuts logging down when dropped; bind it to a variable"]
pub struct ShutdownGuard {
    manager: Arc<Manager>,
}

impl fmt::Debug for ShutdownGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownGuard").finish_non_exhaustive()
    }
}

impl ShutdownGuard {
    /// A guard for the global manager ([`logtree_core::global`]).
    pub fn new() -> ShutdownGuard {
        ShutdownGuard {
            manager: logtree_core::global().clone(),
        }
    }

    /// A guard for `manager`.
    pub fn for_manager(manager: Arc<Manager>) -> ShutdownGuard {
        ShutdownGuard { manager }
    }
}

impl Default for ShutdownGuard {
    fn default() -> Self {
        ShutdownGuard::new()
    }
}

impl Drop for ShutdownGuard {
    fn drop(&mut self) {
        self.manager.shutdown();
    }
}

//! Django's in-memory mail backend and its outbox, for tests.
//!
//! Django appends every message to `django.core.mail.outbox`; [`outbox()`] is that
//! process-wide list, which backends made from a configuration
//! (`django.core.mail.backends.locmem.EmailBackend`) write to. A test that wants a
//! list of its own gives the backend its own [`Outbox`].

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::backend::{MailBackend, MailError};
use crate::message::EmailMessage;

/// A list of sent messages that tests can read and wait on. Clones share the list.
///
/// ```
/// use logtree_django::{EmailMessage, MailBackend, MemoryBackend, Outbox};
/// let outbox = Outbox::new();
/// let b = MemoryBackend::with_outbox(outbox.clone());
/// b.send(&EmailMessage::new("hi", "root@localhost", vec!["a@example.com".into()], "body")).unwrap();
/// assert_eq!(outbox.messages()[0].subject, "hi");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    inner: Arc<(Mutex<Vec<EmailMessage>>, Condvar)>,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Outbox {
        Outbox::default()
    }

    /// A copy of the messages sent so far, oldest first.
    pub fn messages(&self) -> Vec<EmailMessage> {
        self.inner.0.lock().clone()
    }

    /// How many messages were sent.
    pub fn len(&self) -> usize {
        self.inner.0.lock().len()
    }

    /// Whether no message was sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the outbox.
    pub fn clear(&self) {
        self.inner.0.lock().clear();
    }

    /// Waits until at least `n` messages were sent or `timeout` passes; returns
    /// whether there are `n`.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut v = self.inner.0.lock();
        while v.len() < n {
            if self.inner.1.wait_until(&mut v, deadline).timed_out() {
                return v.len() >= n;
            }
        }
        true
    }

    fn push(&self, m: EmailMessage) {
        self.inner.0.lock().push(m);
        self.inner.1.notify_all();
    }
}

/// The process-wide outbox (Django's `mail.outbox`).
pub fn outbox() -> &'static Outbox {
    static OUTBOX: LazyLock<Outbox> = LazyLock::new(Outbox::new);
    &OUTBOX
}

/// Keeps messages in an [`Outbox`].
#[derive(Clone, Debug)]
pub struct MemoryBackend {
    outbox: Outbox,
}

impl MemoryBackend {
    /// A backend writing to the process-wide [`outbox()`].
    #[allow(clippy::new_without_default)]
    pub fn new() -> MemoryBackend {
        MemoryBackend {
            outbox: outbox().clone(),
        }
    }

    /// A backend writing to `outbox`.
    pub fn with_outbox(outbox: Outbox) -> MemoryBackend {
        MemoryBackend { outbox }
    }
}

impl MailBackend for MemoryBackend {
    fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        // Build it as the other backends do, so a message that would fail there
        // fails here too.
        message.to_lettre()?;
        self.outbox.push(message.clone());
        Ok(())
    }

    fn describe(&self) -> String {
        "locmem".to_owned()
    }
}

//! Django's console mail backend: messages written to stdout (or any writer).
//!
//! Each message is written as the file-based backend writes it (`\n` line ends,
//! then a line of 79 `-`), in one `write` under the writer's lock, so messages from
//! several handlers never interleave.

use std::fmt;
use std::io::Write;

use parking_lot::Mutex;

use crate::backend::{MailBackend, MailError, MailErrorKind};
use crate::filebased::render;
use crate::message::EmailMessage;

/// Writes messages to stdout or to a writer.
///
/// ```
/// use logtree_django::{ConsoleBackend, EmailMessage, MailBackend};
/// let b = ConsoleBackend::writer(Vec::new());
/// b.send(&EmailMessage::new("hi", "root@localhost", vec!["a@example.com".into()], "body")).unwrap();
/// ```
pub struct ConsoleBackend {
    out: Option<Mutex<Box<dyn Write + Send>>>,
}

impl fmt::Debug for ConsoleBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl ConsoleBackend {
    /// Writes to the process's stdout (Django's default stream).
    pub fn stdout() -> ConsoleBackend {
        ConsoleBackend { out: None }
    }

    /// Writes to `w`.
    pub fn writer(w: impl Write + Send + 'static) -> ConsoleBackend {
        ConsoleBackend {
            out: Some(Mutex::new(Box::new(w))),
        }
    }
}

impl MailBackend for ConsoleBackend {
    fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        let bytes = render(message)?;
        let io = |e| MailError::with_source(MailErrorKind::Io, "cannot write to the console", e);
        match &self.out {
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes).and_then(|_| out.flush()).map_err(io)
            }
            Some(w) => {
                let mut w = w.lock();
                w.write_all(&bytes).and_then(|_| w.flush()).map_err(io)
            }
        }
    }

    fn describe(&self) -> String {
        match self.out {
            None => "console <stdout>".to_owned(),
            Some(_) => "console <writer>".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_message_then_separator() {
        let buf = Shared::default();
        let b = ConsoleBackend::writer(buf.clone());
        b.send(&EmailMessage::new(
            "hello",
            "root@localhost",
            vec!["a@example.com".into()],
            "body",
        ))
        .unwrap();
        let text = String::from_utf8(buf.0.lock().clone()).unwrap();
        assert!(text.contains("Subject: hello\n"), "{text}");
        assert!(
            text.ends_with(&format!("body\n{}\n", "-".repeat(79))),
            "{text}"
        );
    }
}

//! [`StreamHandler`]: Python's `logging.StreamHandler`, writing each record with its
//! terminator to stdout, stderr or any `Write + Send`.
//!
//! Each record (text and terminator) is handed to the stream in one `write_all`,
//! then the stream is flushed, as Python flushes after every record. From a
//! [`HandlerCell`](logtree_core::HandlerCell) ([`Handler::emit_line`]) the
//! terminator is appended to the cell's buffer, in place; a direct
//! [`Handler::emit`] (a queue's listener) builds the line in a reused buffer: for a
//! writer the handler's own, kept under the writer's lock (one lock per record, no
//! thread-local), for stdout and stderr a per-thread buffer. Stdout and stderr go through `std::io::stdout()` and
//! `std::io::stderr()`, whose process-wide locks keep two handlers on the same
//! stream (or a handler and `println!`) in line order. `close()` flushes and does
//! not close the stream: records arriving afterwards are still written, as in
//! Python.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};

use logtree_core::{Handler, Line as TextLine, LogRecord};
use parking_lot::Mutex;

use crate::sink::append_record;

// `Writer` first: its discriminant is 0, tested with one compare (callgrind,
// `benches/compare` `format` scenario: 1,666 -> 1,664).
enum Target {
    Writer(Mutex<Line>),
    Stdout,
    Stderr,
}

/// A writer with the buffer its records are built in, both behind its lock.
struct Line {
    buf: Vec<u8>,
    writer: Box<dyn Write + Send>,
}

/// Writes records to a stream.
///
/// ```
/// use logtree_core::{HandlerCell, Level, LogRecord};
/// use logtree_handlers::StreamHandler;
/// let cell = HandlerCell::builder(StreamHandler::stdout()).build();
/// cell.handle(&LogRecord::new("app", Level::INFO, "to stdout"));
/// ```
pub struct StreamHandler {
    target: Target,
    terminator: String,
    name: String,
}

impl fmt::Debug for StreamHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamHandler")
            .field("stream", &self.name)
            .field("terminator", &self.terminator)
            .finish()
    }
}

/// Builds a [`StreamHandler`].
///
/// | option | default | Python |
/// | --- | --- | --- |
/// | stream | stderr | `stream=None` (`sys.stderr`) |
/// | `terminator` | `"\n"` | `terminator` |
#[must_use]
pub struct StreamHandlerBuilder {
    target: Target,
    terminator: String,
    name: String,
}

impl fmt::Debug for StreamHandlerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamHandlerBuilder")
            .field("stream", &self.name)
            .finish()
    }
}

impl StreamHandler {
    /// A builder; the stream is stderr unless set.
    pub fn builder() -> StreamHandlerBuilder {
        StreamHandlerBuilder {
            target: Target::Stderr,
            terminator: "\n".to_owned(),
            name: "<stderr>".to_owned(),
        }
    }

    /// A handler writing to stdout.
    pub fn stdout() -> StreamHandler {
        StreamHandler::builder().stdout().build()
    }

    /// A handler writing to stderr.
    pub fn stderr() -> StreamHandler {
        StreamHandler::builder().build()
    }

    /// The terminator.
    pub fn terminator(&self) -> &str {
        &self.terminator
    }

    /// The stream's name: `<stdout>`, `<stderr>` or the writer's given name.
    pub fn stream_name(&self) -> &str {
        &self.name
    }

    /// One line to stdout (then flushed, as Python does) or stderr (unbuffered).
    fn write_std(bytes: &[u8], stdout: bool) -> io::Result<()> {
        if stdout {
            let mut out = io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()
        } else {
            io::stderr().lock().write_all(bytes)
        }
    }
}

impl StreamHandlerBuilder {
    /// Write to the process's stdout.
    pub fn stdout(mut self) -> Self {
        self.target = Target::Stdout;
        self.name = "<stdout>".to_owned();
        self
    }

    /// Write to the process's stderr (the default).
    pub fn stderr(mut self) -> Self {
        self.target = Target::Stderr;
        self.name = "<stderr>".to_owned();
        self
    }

    /// Write to `writer` (flushed after every record); `name` is how `logtree tree`
    /// shows it.
    pub fn writer(mut self, name: impl Into<String>, writer: impl Write + Send + 'static) -> Self {
        self.target = Target::Writer(Mutex::new(Line {
            buf: Vec::new(),
            writer: Box::new(writer),
        }));
        self.name = name.into();
        self
    }

    /// What follows each record (default `"\n"`; `""` for none).
    pub fn terminator(mut self, terminator: impl Into<String>) -> Self {
        self.terminator = terminator.into();
        self
    }

    /// The handler.
    pub fn build(self) -> StreamHandler {
        StreamHandler {
            target: self.target,
            terminator: self.terminator,
            name: self.name,
        }
    }
}

thread_local! {
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A line buffer that grew past this (one huge record) is freed after use.
const MAX_KEPT_LINE: usize = 64 * 1024;

impl StreamHandler {
    /// `emit` for stdout and stderr: the line is built in this thread's buffer,
    /// then written under the stream's process-wide lock.
    #[inline(never)]
    fn emit_std(&self, text: &str, stdout: bool) -> io::Result<()> {
        let build = |line: &mut Vec<u8>| {
            line.clear();
            append_record(line, text, &self.terminator);
        };
        // Reuse this thread's buffer unless a writer logs from inside `emit`.
        let reused = LINE.try_with(|cell| {
            cell.try_borrow_mut().ok().map(|mut line| {
                build(&mut line);
                let r = Self::write_std(&line, stdout);
                if line.capacity() > MAX_KEPT_LINE {
                    *line = Vec::new();
                }
                r
            })
        });
        match reused {
            Ok(Some(r)) => r,
            _ => {
                let mut line = Vec::with_capacity(text.len() + self.terminator.len());
                build(&mut line);
                Self::write_std(&line, stdout)
            }
        }
    }
}

impl Handler for StreamHandler {
    /// What the cell calls: the terminator is appended to the cell's own buffer for
    /// the one write, so the text is not copied.
    fn emit_line(&self, _: &LogRecord<'_>, mut line: TextLine<'_>) -> io::Result<()> {
        let term = &*self.terminator;
        match &self.target {
            Target::Writer(w) => line.with_suffix(term, |full| {
                let mut w = w.lock();
                w.writer.write_all(full.as_bytes())?;
                w.writer.flush()
            }),
            Target::Stdout => line.with_suffix(term, |full| Self::write_std(full.as_bytes(), true)),
            Target::Stderr => {
                line.with_suffix(term, |full| Self::write_std(full.as_bytes(), false))
            }
        }
    }

    fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
        // A writer's line is built in a buffer kept under the writer's own lock: no
        // thread-local, no `RefCell`, no second function, one lock, and the
        // terminator stored rather than `memcpy`d. Callgrind, `benches/compare`
        // `format` scenario, the handler's instructions per record (`emit` and
        // below, `memcpy` and the counting writer included): 154 -> 104.
        let Target::Writer(w) = &self.target else {
            return self.emit_std(text, matches!(self.target, Target::Stdout));
        };
        let mut w = w.lock();
        let Line { buf, writer } = &mut *w;
        buf.clear();
        append_record(buf, text, &self.terminator);
        let r = match writer.write_all(buf) {
            Ok(()) => writer.flush(),
            Err(e) => Err(e),
        };
        if buf.capacity() > MAX_KEPT_LINE {
            *buf = Vec::new();
        }
        r
    }

    fn flush(&self) -> io::Result<()> {
        match &self.target {
            Target::Stdout => io::stdout().lock().flush(),
            Target::Stderr => Ok(()),
            Target::Writer(w) => w.lock().writer.flush(),
        }
    }

    fn close(&self) -> io::Result<()> {
        // Python's StreamHandler does not close its stream.
        self.flush()
    }

    fn class_name(&self) -> &'static str {
        "StreamHandler"
    }

    fn describe(&self) -> String {
        format!("StreamHandler {}", self.name)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::{HandlerCell, Level};
    use std::sync::Arc;

    /// A writer that records each `write` call separately.
    #[derive(Clone, Default)]
    struct Calls(Arc<Mutex<Vec<Vec<u8>>>>);
    impl Write for Calls {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_write_per_record_with_terminator() {
        let calls = Calls::default();
        let h = StreamHandler::builder()
            .writer("mem", calls.clone())
            .terminator("|\n")
            .build();
        let cell = HandlerCell::builder(h).build();
        cell.handle(&LogRecord::new("a", Level::INFO, "one"));
        cell.handle(&LogRecord::new("a", Level::INFO, "two\nlines"));
        assert_eq!(
            *calls.0.lock(),
            vec![b"one|\n".to_vec(), b"two\nlines|\n".to_vec()]
        );
    }

    /// `emit` (the writer's line buffer) and `emit_line` (the terminator appended
    /// to the cell's buffer) give the same bytes, one write per record, for every
    /// length and terminator, across a failed write and a record large enough to
    /// make the buffer be freed; `emit_line` leaves the text as it was.
    #[test]
    fn writer_lines_are_whole_for_every_length_and_terminator() {
        for by_line in [false, true] {
            writer_lines_are_whole(by_line);
        }
    }

    fn emit_either(h: &StreamHandler, by_line: bool, t: &str) -> io::Result<()> {
        let r = LogRecord::new("a", Level::INFO, t);
        if !by_line {
            return h.emit(&r, t);
        }
        // The cell's buffer: sometimes exactly full, so the terminator must grow it.
        let mut buf = String::with_capacity(t.len() + t.len() % 3);
        buf.push_str(t);
        let out = h.emit_line(&r, TextLine::new(&mut buf));
        assert_eq!(buf, t, "the text is left as it was");
        out
    }

    fn writer_lines_are_whole(by_line: bool) {
        struct FailEvery3(Calls, usize);
        impl Write for FailEvery3 {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.1 += 1;
                if self.1 % 3 == 0 {
                    return Err(io::Error::other("flaky"));
                }
                self.0.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        for term in ["\n", "", "\r\n", "|\n", "é"] {
            let calls = Calls::default();
            let h = StreamHandler::builder()
                .writer("mem", calls.clone())
                .terminator(term)
                .build();
            let mut want = Vec::new();
            let mut lens: Vec<usize> = (0..=300).collect();
            lens.extend([MAX_KEPT_LINE + 1, 5, 0, 100_000, 7]);
            for n in lens {
                let t: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
                emit_either(&h, by_line, &t).unwrap();
                // `write_all` of nothing makes no call.
                if n + term.len() > 0 {
                    want.push(format!("{t}{term}").into_bytes());
                }
            }
            assert_eq!(*calls.0.lock(), want, "term {term:?} by_line {by_line}");

            // A failed write returns the error; the next record is whole.
            let calls = Calls::default();
            let h = StreamHandler::builder()
                .writer("flaky", FailEvery3(calls.clone(), 0))
                .terminator(term)
                .build();
            let mut want = Vec::new();
            for i in 0..9 {
                let t = format!("record {i}");
                let r = emit_either(&h, by_line, &t);
                if i % 3 == 2 {
                    assert!(r.is_err());
                } else {
                    r.unwrap();
                    want.push(format!("{t}{term}").into_bytes());
                }
            }
            assert_eq!(*calls.0.lock(), want, "term {term:?}");
        }
    }

    #[test]
    fn close_does_not_stop_writing() {
        let calls = Calls::default();
        let cell = HandlerCell::builder(
            StreamHandler::builder()
                .writer("mem", calls.clone())
                .build(),
        )
        .build();
        cell.close();
        cell.handle(&LogRecord::new("a", Level::INFO, "after close"));
        assert_eq!(*calls.0.lock(), vec![b"after close\n".to_vec()]);
    }

    #[test]
    fn write_errors_are_returned() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let h = StreamHandler::builder().writer("broken", Broken).build();
        let e = h
            .emit(&LogRecord::new("a", Level::INFO, "x"), "x")
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn names() {
        assert_eq!(StreamHandler::stdout().describe(), "StreamHandler <stdout>");
        assert_eq!(StreamHandler::builder().build().stream_name(), "<stderr>");
        assert_eq!(StreamHandler::stderr().terminator(), "\n");
    }
}

//! The append-mode file writer behind every file handler: opening, the write
//! buffer and its flush policy, noticing that the file was rotated or deleted, and
//! failing and recovering without ever blocking or panicking.
//!
//! # One `write(2)` per batch of whole records
//! Every file is opened with `O_APPEND`, in every mode (Python's `'w'` included), so
//! each `write` lands at the end of the file as it is at that moment, even when
//! another process or `logrotate`'s `copytruncate` moved the end. A record (text and
//! terminator) is built in the buffer and only whole records are ever written, in
//! one `write` call. On Linux a `write` to a regular file holds the inode lock for
//! its whole length, so records from several processes appending to one file never
//! tear or interleave. (A short write only happens on errors such as `ENOSPC`; then
//! the rest is retried and a torn record is possible, as with any writer.)
//!
//! # Flush policy ([`FlushPolicy`])
//! The default buffers up to 32 KiB and writes the buffer when the next record
//! would not fit, when a record at `ERROR` or above arrives, on `flush()`, `close()`
//! and shutdown, at process exit (an `atexit` hook), and at the latest `max_delay`
//! (1 s) after the first unwritten record, from a shared background thread (see
//! `flusher.rs`). [`FlushPolicy::every_record`] writes each record at once, as
//! Python does.
//!
//! Measured (release build, 80-byte records, one thread, ext4, the 2-core
//! development machine; `emit` plus the final flush, per record): buffered 37 ns,
//! every record 282 ns (one `write(2)` each). Under load the numbers roughly double
//! but keep their ratio.
//!
//! A buffered record that neither fills the buffer nor reaches the flush level
//! (nearly all of them) costs a lock, five compares and one `memcpy`: the deadline
//! is the flusher's business (scheduled once per buffer fill, not per record), and
//! the clock and the file are only looked at when the buffer is written. Callgrind
//! (`benches/compare`, `file` scenario, 68-byte records): 190 -> 89 instructions
//! per record for the handler (`FileHandler::emit` and below).
//!
//! # Noticing rotation and deletion
//! Right before a physical write, at most once per `check_interval`, the core looks
//! at the file: a watched file (`WatchedFileHandler`) stats the *path* and reopens
//! when the device or inode changed or the path is gone; every other file handler
//! `fstat`s its descriptor and reopens (re-creates) the file when it was deleted
//! (link count 0) — Python keeps writing into the deleted file forever.
//!
//! # Failure
//! A failed write discards what was being written (those records are lost, as in
//! Python) and returns the error, which the handler cell reports once. Until a
//! write succeeds again the core writes each record at once, so a full disk costs
//! one failing `write` per record and the first success ends the episode. A failed
//! open is retried at most once per `reopen_delay` (1 s); records arriving in
//! between are refused with the same error, without a system call. A write that
//! fails on the background thread is reported there, with the number of records
//! lost.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use logtree_core::Level;
use parking_lot::{Mutex, MutexGuard};

use crate::error::Error;
use crate::flusher;

/// How a file is opened: Python's `mode` argument.
///
/// Every mode opens the file with `O_APPEND` (see the module docs of the file
/// handlers); they differ in what happens to an existing file.
///
/// ```
/// use logtree_handlers::Mode;
/// assert_eq!("w".parse::<Mode>().unwrap(), Mode::Truncate);
/// assert_eq!(Mode::Append.as_python(), "a");
/// assert_eq!("r".parse::<Mode>().unwrap_err().to_string(),
///            "unsupported file mode 'r': expected 'a', 'w' or 'x'");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// `'a'`: append to the file, creating it if needed (the default).
    #[default]
    Append,
    /// `'w'`: empty the file when opening it.
    Truncate,
    /// `'x'`: create the file; opening fails if it exists.
    CreateNew,
}

impl Mode {
    /// Python's spelling: `"a"`, `"w"` or `"x"`.
    pub fn as_python(self) -> &'static str {
        match self {
            Mode::Append => "a",
            Mode::Truncate => "w",
            Mode::CreateNew => "x",
        }
    }
}

impl FromStr for Mode {
    type Err = Error;

    /// Accepts Python's text modes: `a`, `w`, `x`, optionally with `t` and/or `+`
    /// (`"at"`, `"a+"`); the file is only ever written.
    fn from_str(s: &str) -> Result<Mode, Error> {
        let base: String = s.chars().filter(|c| *c != 't' && *c != '+').collect();
        let ok_rest = s.chars().filter(|c| *c == 't').count() <= 1
            && s.chars().filter(|c| *c == '+').count() <= 1;
        match (base.as_str(), ok_rest) {
            ("a", true) => Ok(Mode::Append),
            ("w", true) => Ok(Mode::Truncate),
            ("x", true) => Ok(Mode::CreateNew),
            _ => Err(Error::invalid(format!(
                "unsupported file mode '{s}': expected 'a', 'w' or 'x'"
            ))),
        }
    }
}

/// When a file handler writes its buffer to the file.
///
/// | option | [`FlushPolicy::buffered`] (the default) | [`FlushPolicy::every_record`] |
/// | --- | --- | --- |
/// | `capacity` | 32 KiB | none |
/// | `max_delay` | 1 s | none |
/// | `flush_level` | `ERROR` | every record |
///
/// Buffered records are also written on `flush()`, `close()`, shutdown and at
/// process exit.
///
/// ```
/// use std::time::Duration;
/// use logtree_core::Level;
/// use logtree_handlers::FlushPolicy;
/// let p = FlushPolicy::buffered()
///     .capacity(8 * 1024)
///     .max_delay(Duration::from_millis(200))
///     .flush_level(Level::WARNING);
/// assert!(!p.is_every_record());
/// assert!(FlushPolicy::every_record().is_every_record());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlushPolicy {
    every_record: bool,
    capacity: usize,
    max_delay: Duration,
    flush_level: Level,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy::buffered()
    }
}

impl FlushPolicy {
    /// Buffer records: 32 KiB, written after at most 1 s, at once from `ERROR` up.
    pub fn buffered() -> FlushPolicy {
        FlushPolicy {
            every_record: false,
            capacity: 32 * 1024,
            max_delay: Duration::from_secs(1),
            flush_level: Level::ERROR,
        }
    }

    /// Write every record at once (Python's behaviour).
    pub fn every_record() -> FlushPolicy {
        FlushPolicy {
            every_record: true,
            ..FlushPolicy::buffered()
        }
    }

    /// The buffer size in bytes; a record that does not fit is written on its own.
    pub fn capacity(mut self, bytes: usize) -> FlushPolicy {
        self.capacity = bytes.max(1);
        self
    }

    /// The longest a record waits in the buffer.
    pub fn max_delay(mut self, delay: Duration) -> FlushPolicy {
        self.max_delay = delay;
        self
    }

    /// Records at this level or above are written at once, with what is buffered.
    pub fn flush_level(mut self, level: Level) -> FlushPolicy {
        self.flush_level = level;
        self
    }

    /// Whether every record is written at once.
    pub fn is_every_record(&self) -> bool {
        self.every_record
    }
}

/// What the core checks before writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Watch {
    /// Reopen when the open file was deleted.
    Unlinked,
    /// Reopen when the path names another file, or nothing.
    Path,
}

/// Accepts the UTF-8 family of Python encoding names (and `None`/`"locale"`, which
/// are UTF-8 on every system logtree supports).
pub(crate) fn check_encoding(encoding: Option<&str>) -> Result<(), Error> {
    let Some(enc) = encoding else { return Ok(()) };
    let norm: String = enc
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect();
    match norm.as_str() {
        "utf8" | "u8" | "utf" | "cp65001" | "locale" => Ok(()),
        _ => Err(Error::invalid(format!(
            "unsupported encoding '{enc}': only utf-8 is supported"
        ))),
    }
}

/// Accepts Python's error handler names; they never apply, since Rust text is
/// always valid UTF-8.
pub(crate) fn check_errors(errors: Option<&str>) -> Result<(), Error> {
    match errors {
        None
        | Some(
            "strict" | "ignore" | "replace" | "backslashreplace" | "surrogateescape"
            | "xmlcharrefreplace" | "namereplace" | "surrogatepass",
        ) => Ok(()),
        Some(e) => Err(Error::invalid(format!("unknown error handler '{e}'"))),
    }
}

/// Resolves `path` against the current directory once, as Python's `abspath`.
pub(crate) fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path)
        .map_err(|e| Error::io(format!("cannot resolve '{}'", path.display()), e))
}

/// Everything fixed when a core is made.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) path: PathBuf,
    pub(crate) mode: Mode,
    pub(crate) policy: FlushPolicy,
    pub(crate) watch: Watch,
    pub(crate) check_interval: Duration,
    pub(crate) reopen_delay: Duration,
    /// Keep `State::file_len` in step with the file (size rotation).
    pub(crate) track_size: bool,
    /// Reopen after `close` whatever the mode (rotating handlers do, in Python).
    pub(crate) reopen_after_close: bool,
    pub(crate) class_name: &'static str,
}

/// The file, its buffer and what the core knows about them. Rotating handlers
/// lock it for the whole of a record: check, roll over, write.
#[derive(Debug, Default)]
pub(crate) struct State {
    file: Option<File>,
    /// `close()` was called (Python's `_closed`).
    closed: bool,
    buf: Vec<u8>,
    /// How many more bytes a record may bring for [`FileCore::try_buffer`] to just
    /// append it (`n < room`): 0 unless the file is open, the core is not failing
    /// and the buffer already holds a record; then the room below the policy's
    /// capacity, and never more than the buffer's spare capacity (so the fast path
    /// appends without a capacity check). Only [`FileCore::push_slow`] raises it;
    /// whatever closes the file, empties the buffer or fails sets it to 0. One
    /// compare instead of four (file open, buffer not empty, capacity, failing) and
    /// no `reserve` (callgrind: see `try_buffer`).
    room: usize,
    buf_records: usize,
    scheduled: bool,
    id: (u64, u64),
    regular: bool,
    /// The file's length as last known, with what this core wrote since.
    file_len: u64,
    last_check: Option<Instant>,
    failing: bool,
    open_failure: Option<OpenFailure>,
}

#[derive(Debug)]
struct OpenFailure {
    retry_at: Instant,
    kind: io::ErrorKind,
    os_code: Option<i32>,
    text: String,
}

/// `cannot open '/path'` or `cannot write to '/path'`, with the cause as its
/// source (reporters print `context: cause`).
#[derive(Debug)]
struct FileError {
    action: &'static str,
    path: PathBuf,
    source: io::Error,
}

impl FileError {
    fn open(path: &Path, source: io::Error) -> io::Error {
        FileError::wrap("open", path, source)
    }

    fn wrap(action: &'static str, path: &Path, source: io::Error) -> io::Error {
        io::Error::new(
            source.kind(),
            FileError {
                action,
                path: path.to_owned(),
                source,
            },
        )
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} '{}'", self.action, self.path.display())
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl State {
    /// Bytes in the file plus bytes buffered: Python's `stream.tell()` after
    /// `seek(0, 2)`.
    pub(crate) fn size(&self) -> u64 {
        self.file_len + self.buf.len() as u64
    }

    /// Whether a file is open.
    pub(crate) fn is_open(&self) -> bool {
        self.file.is_some()
    }

    /// Whether the open file is a regular file (Python never rotates others).
    pub(crate) fn is_regular(&self) -> bool {
        self.regular
    }

    /// Panics unless `room` keeps its promise (see [`State::room`]).
    #[cfg(test)]
    pub(crate) fn assert_room(&self) {
        if self.room > 0 {
            assert!(self.file.is_some() && !self.failing && !self.buf.is_empty());
            assert!(self.room <= self.buf.capacity() - self.buf.len() + 1);
        }
    }

    /// Replaces the (empty) buffer, as `write_buf` does after an oversized record.
    #[cfg(test)]
    pub(crate) fn replace_empty_buf(&mut self, buf: Vec<u8>) {
        assert!(self.buf.is_empty() && buf.is_empty());
        self.buf = buf;
    }
}

/// The shared writer. Handlers hold it in an `Arc`; the flusher holds a `Weak`.
#[derive(Debug)]
pub(crate) struct FileCore {
    opts: Options,
    /// Records below this level may stay in the buffer: the policy's `flush_level`,
    /// or `NOTSET` (none) when every record is written. One compare on the fast
    /// path instead of two (callgrind, `benches/compare` `file` scenario: -2
    /// instructions a record).
    buffer_below: Level,
    state: Mutex<State>,
    me: Weak<FileCore>,
}

impl FileCore {
    /// Makes a core and, unless `delay`, opens the file.
    pub(crate) fn new(mut opts: Options, delay: bool) -> io::Result<Arc<FileCore>> {
        if !opts.policy.every_record && !flusher::background_available() {
            opts.policy.every_record = true;
        }
        let buffer_below = if opts.policy.every_record {
            Level::NOTSET
        } else {
            opts.policy.flush_level
        };
        let core = Arc::new_cyclic(|me| FileCore {
            opts,
            buffer_below,
            state: Mutex::new(State::default()),
            me: me.clone(),
        });
        if !delay {
            let mut st = core.state.lock();
            // The builder adds its own context to the plain cause.
            core.open_raw(&mut st)?;
        }
        if !core.opts.policy.every_record {
            flusher::register(Arc::downgrade(&core));
        }
        Ok(core)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.opts.path
    }

    pub(crate) fn options(&self) -> &Options {
        &self.opts
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// Writes one record (text then terminator): the fast path of
    /// [`FileCore::push`] inline, anything else out of line with the lock handed
    /// over, so that the fast path keeps few registers live across its one call
    /// (`memcpy`). Callgrind, `benches/compare` `file` scenario, the handler's
    /// instructions per record (`FileHandler::emit` and below, `memcpy` included):
    /// 190 -> 94 with [`FileCore::try_buffer`] (it was: `emit`, `ensure_open`,
    /// `push` as three calls, two capacity checks and two `memcpy`s), -> 89 with the
    /// lock handed over to the slow path.
    #[inline]
    pub(crate) fn emit(&self, level: Level, text: &str, terminator: &str) -> io::Result<()> {
        let mut st = self.state.lock();
        // `try_buffer` never appends unless the file is open (`State::room`).
        if self.try_buffer(&mut st, level, text, terminator) {
            return Ok(());
        }
        self.emit_slow(st, level, text, terminator)
    }

    /// [`FileCore::emit`] off its fast path: open the file (or refuse, or drop),
    /// then [`FileCore::push_slow`].
    #[inline(never)]
    fn emit_slow(
        &self,
        mut st: MutexGuard<'_, State>,
        level: Level,
        text: &str,
        terminator: &str,
    ) -> io::Result<()> {
        if st.file.is_none() && !self.ensure_open(&mut st)? {
            return Ok(());
        }
        self.push_slow(&mut st, level, text, terminator)
    }

    /// Opens the file if it is not open. `Ok(false)`: Python's rule that a closed
    /// handler in mode `'w'` drops records silently.
    pub(crate) fn ensure_open(&self, st: &mut State) -> io::Result<bool> {
        if st.file.is_some() {
            return Ok(true);
        }
        if st.closed && self.opts.mode == Mode::Truncate && !self.opts.reopen_after_close {
            return Ok(false);
        }
        if let Some(f) = &st.open_failure {
            if Instant::now() < f.retry_at {
                let source = match f.os_code {
                    Some(code) => io::Error::from_raw_os_error(code),
                    None => io::Error::new(f.kind, f.text.clone()),
                };
                return Err(FileError::open(&self.opts.path, source));
            }
        }
        self.open_now(st)?;
        Ok(true)
    }

    /// Opens (or reopens) the file now.
    pub(crate) fn open_now(&self, st: &mut State) -> io::Result<()> {
        self.open_raw(st)
            .map_err(|e| FileError::open(&self.opts.path, e))
    }

    fn open_raw(&self, st: &mut State) -> io::Result<()> {
        st.file = None;
        st.room = 0;
        match open(&self.opts.path, self.opts.mode) {
            Ok(file) => {
                let meta = file.metadata();
                st.regular = meta
                    .as_ref()
                    .map(|m| m.file_type().is_file())
                    .unwrap_or(false);
                st.id = meta.as_ref().map(file_id).unwrap_or((0, 0));
                st.file_len = meta.map(|m| m.len()).unwrap_or(0);
                st.file = Some(file);
                st.open_failure = None;
                st.last_check = Some(Instant::now());
                Ok(())
            }
            Err(e) => {
                st.open_failure = Some(OpenFailure {
                    retry_at: Instant::now() + self.opts.reopen_delay,
                    kind: e.kind(),
                    os_code: e.raw_os_error(),
                    text: e.to_string(),
                });
                Err(e)
            }
        }
    }

    /// Adds a record to the buffer and writes as the policy says. The file must be
    /// open ([`FileCore::ensure_open`]).
    #[inline]
    pub(crate) fn push(
        &self,
        st: &mut State,
        level: Level,
        text: &str,
        terminator: &str,
    ) -> io::Result<()> {
        if self.try_buffer(st, level, text, terminator) {
            return Ok(());
        }
        self.push_slow(st, level, text, terminator)
    }

    /// The common case of [`FileCore::push`], inline: buffered policy, not failing,
    /// a buffer that already holds a record (so the flusher is already scheduled)
    /// and room for this one below both the capacity and the flush level. Then the
    /// record is only appended (a few compares and the copy, no call but
    /// `memcpy`) and this returns true; otherwise it does nothing and returns
    /// false, and [`FileCore::push_slow`] applies the whole policy. It is exactly
    /// the case in which `push_slow` would neither write nor schedule.
    ///
    /// All of it but the level is one compare with [`State::room`] (callgrind,
    /// `benches/compare` `file` scenario: 1,687 -> 1,678 instructions a call).
    #[inline(always)]
    fn try_buffer(&self, st: &mut State, level: Level, text: &str, terminator: &str) -> bool {
        let n = text.len() + terminator.len();
        if n < st.room && level < self.buffer_below {
            st.room -= n;
            // SAFETY: `room` is at most the buffer's spare capacity plus one
            // (see `State::room`), so `n < room` leaves room for `n` bytes.
            unsafe { append_record_unchecked(&mut st.buf, text, terminator) };
            st.buf_records += 1;
            return true;
        }
        false
    }

    /// [`FileCore::push`] when the record may have to be written: the first record
    /// of a buffer (which schedules the flusher), one that fills or overflows it, one
    /// at the flush level, every record of an unbuffered or failing core.
    #[inline(never)]
    fn push_slow(
        &self,
        st: &mut State,
        level: Level,
        text: &str,
        terminator: &str,
    ) -> io::Result<()> {
        let p = &self.opts.policy;
        let direct = p.every_record || st.failing;
        let len = text.len() + terminator.len();
        if !st.buf.is_empty() && st.buf.len() + len > p.capacity {
            self.write_buf(st)?;
        }
        let was_empty = st.buf.is_empty();
        if was_empty && st.buf.capacity() < p.capacity && !direct {
            st.buf.reserve(p.capacity.max(len));
        }
        append_record(&mut st.buf, text, terminator);
        st.buf_records += 1;
        if direct || level >= p.flush_level || st.buf.len() >= p.capacity {
            return self.write_buf(st);
        }
        // Buffered: the file is open (the callers opened it, and nothing above
        // closed it without writing), the core is not failing (`direct`), the
        // buffer holds this record. The next record may be appended by
        // `try_buffer` if it keeps the buffer below the capacity and fits without
        // growing it.
        let len = st.buf.len();
        st.room = if st.file.is_some() {
            (p.capacity - len).min(st.buf.capacity() - len + 1)
        } else {
            0
        };
        if was_empty && !st.scheduled {
            st.scheduled = true;
            flusher::schedule(self.me.clone(), Instant::now() + p.max_delay);
        }
        Ok(())
    }

    /// Writes the buffer in one `write` (after checking for rotation/deletion).
    pub(crate) fn write_buf(&self, st: &mut State) -> io::Result<()> {
        if st.buf.is_empty() {
            return Ok(());
        }
        let result = self.check_file(st).and_then(|()| match &st.file {
            Some(f) => {
                write_all(f, &st.buf).map_err(|e| FileError::wrap("write to", &self.opts.path, e))
            }
            // Closed in mode 'w' between buffering and writing: dropped.
            None => Ok(()),
        });
        let written = st.buf.len() as u64;
        st.buf.clear();
        st.room = 0;
        st.buf_records = 0;
        // Do not keep a huge buffer left by one oversized record.
        if st.buf.capacity() > 4 * self.opts.policy.capacity.max(64 * 1024) {
            st.buf = Vec::new();
        }
        match result {
            Ok(()) => {
                st.failing = false;
                st.file_len += written;
                if self.opts.track_size {
                    if let Some(Ok(m)) = st.file.as_ref().map(File::metadata) {
                        st.file_len = m.len();
                    }
                }
                Ok(())
            }
            Err(e) => {
                st.failing = true;
                Err(e)
            }
        }
    }

    /// Reopens the file if it was rotated away or deleted (at most once per
    /// `check_interval`).
    fn check_file(&self, st: &mut State) -> io::Result<()> {
        let Some(file) = &st.file else { return Ok(()) };
        let now = Instant::now();
        if let Some(last) = st.last_check {
            if now.saturating_duration_since(last) < self.opts.check_interval {
                return Ok(());
            }
        }
        st.last_check = Some(now);
        let stale = match self.opts.watch {
            Watch::Unlinked => file.metadata().map(|m| is_unlinked(&m)).unwrap_or(false),
            Watch::Path => match std::fs::metadata(&self.opts.path) {
                Ok(m) => file_id(&m) != st.id,
                Err(e) => e.kind() == io::ErrorKind::NotFound,
            },
        };
        if stale {
            self.open_now(st)?;
        }
        Ok(())
    }

    /// Writes the buffer.
    pub(crate) fn flush(&self) -> io::Result<()> {
        let mut st = self.state.lock();
        self.write_buf(&mut st)
    }

    /// Writes the buffer and closes the file; a later record may reopen it.
    pub(crate) fn close(&self) -> io::Result<()> {
        let mut st = self.state.lock();
        let r = self.write_buf(&mut st);
        st.file = None;
        st.room = 0;
        st.closed = true;
        r
    }

    /// Writes the buffer and closes the file, without marking the core closed
    /// (rotation).
    pub(crate) fn close_file(&self, st: &mut State) -> io::Result<()> {
        let r = self.write_buf(st);
        st.file = None;
        st.room = 0;
        r
    }

    /// Called by the flusher thread.
    pub(crate) fn background_flush(&self) {
        let mut st = self.state.lock();
        st.scheduled = false;
        let n = st.buf_records;
        if let Err(e) = self.write_buf(&mut st) {
            drop(st);
            report_background(self.opts.class_name, &self.opts.path, n, &e);
        }
    }

    /// Called at process exit.
    pub(crate) fn flush_at_exit(&self, wait: Duration) {
        if let Some(mut st) = self.state.try_lock_for(wait) {
            let _ = self.write_buf(&mut st);
        }
    }

    /// `FileHandler '/abs/app.log'`.
    pub(crate) fn describe(&self, class: &str) -> String {
        format!("{class} '{}'", self.opts.path.display())
    }
}

#[cold]
fn report_background(class: &str, path: &Path, records: usize, e: &io::Error) {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    logtree_core::report::report(&format!(
        "{class} '{}': a buffered write failed, {records} record{} lost: {text}",
        path.display(),
        if records == 1 { "" } else { "s" }
    ));
}

fn open(path: &Path, mode: Mode) -> io::Result<File> {
    let mut o = OpenOptions::new();
    match mode {
        Mode::Append => {
            o.append(true).create(true);
        }
        Mode::Truncate => {
            o.write(true).create(true).truncate(true);
            set_append(&mut o);
        }
        Mode::CreateNew => {
            o.append(true).create_new(true);
        }
    }
    o.open(path)
}

#[cfg(unix)]
fn set_append(o: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    o.custom_flags(libc::O_APPEND);
}

#[cfg(not(unix))]
fn set_append(_: &mut OpenOptions) {}

/// Appends `text` then `terminator` to `buf`: one capacity check (growing out of
/// line), `memcpy` for the text, and a plain store for a one-byte terminator.
///
/// `Vec::extend_from_slice` twice costs two capacity checks and two `memcpy` calls,
/// the second for the single `\n` (~18 instructions of `memcpy` dispatch for one
/// byte).
#[inline(always)]
pub(crate) fn append_record(buf: &mut Vec<u8>, text: &str, terminator: &str) {
    buf.reserve(text.len() + terminator.len());
    // SAFETY: `reserve` just made room for the record.
    unsafe { append_record_unchecked(buf, text, terminator) }
}

/// [`append_record`] without the capacity check.
///
/// # Safety
/// `buf` must have room for `text.len() + terminator.len()` more bytes
/// (`buf.capacity() - buf.len()` at least that).
#[inline(always)]
pub(crate) unsafe fn append_record_unchecked(buf: &mut Vec<u8>, text: &str, terminator: &str) {
    let (text, term) = (text.as_bytes(), terminator.as_bytes());
    let n = text.len() + term.len();
    let len = buf.len();
    // SAFETY: the caller guarantees room for `n` more bytes after `len`, so every
    // write below lands inside the allocation; the sources are other live
    // allocations (the `&str`s cannot alias the `&mut Vec`). The length is set
    // before the text's bytes are copied, but nothing can read or unwind in
    // between (two `memcpy`s), so all `len + n` bytes are initialized before
    // anyone looks. The text goes last so that little is live across its `memcpy`
    // call.
    unsafe {
        let dst = buf.as_mut_ptr().add(len);
        let term_dst = dst.add(text.len());
        if term.len() == 1 {
            *term_dst = term[0];
        } else {
            std::ptr::copy_nonoverlapping(term.as_ptr(), term_dst, term.len());
        }
        buf.set_len(len + n);
        std::ptr::copy_nonoverlapping(text.as_ptr(), dst, text.len());
    }
}

/// Writes `buf` with as few `write` calls as the kernel allows (one, normally).
fn write_all(mut f: &File, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match f.write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
pub(crate) fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
pub(crate) fn file_id(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

#[cfg(unix)]
fn is_unlinked(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.nlink() == 0
}

#[cfg(not(unix))]
fn is_unlinked(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileHandler;
    use logtree_core::{Handler, LogRecord};

    const TERMINATORS: [&str; 5] = ["\n", "", "\r\n", "|\n", "é"];

    fn text(n: usize, seed: usize) -> String {
        (0..n)
            .map(|i| char::from(b'!' + ((i * 7 + seed) % 90) as u8))
            .collect()
    }

    #[test]
    fn append_record_matches_extend_from_slice() {
        for cap in [0usize, 1, 16, 100, 400] {
            for start in [0usize, 1, 15, 33] {
                for n in 0..=300 {
                    for term in TERMINATORS {
                        let t = text(n, start);
                        let mut buf = Vec::with_capacity(cap);
                        buf.extend_from_slice(text(start, 3).as_bytes());
                        let mut want = buf.clone();
                        want.extend_from_slice(t.as_bytes());
                        want.extend_from_slice(term.as_bytes());
                        append_record(&mut buf, &t, term);
                        assert_eq!(buf, want, "cap {cap} start {start} n {n} term {term:?}");
                    }
                }
            }
        }
    }

    /// The policy as it was specified before the fast path existed: after each
    /// record, what the file holds.
    struct Model {
        capacity: usize,
        buf: String,
        file: String,
    }

    impl Model {
        fn push(&mut self, level: Level, line: &str) {
            if !self.buf.is_empty() && self.buf.len() + line.len() > self.capacity {
                self.file.push_str(&std::mem::take(&mut self.buf));
            }
            self.buf.push_str(line);
            if level >= Level::ERROR || self.buf.len() >= self.capacity {
                self.file.push_str(&std::mem::take(&mut self.buf));
            }
        }
    }

    #[test]
    fn the_fast_path_writes_exactly_when_the_policy_says() {
        let dir = tempfile::tempdir().unwrap();
        for (k, term) in TERMINATORS.into_iter().enumerate() {
            for capacity in [1usize, 10, 64, 200] {
                let p = dir.path().join(format!("{k}-{capacity}.log"));
                let h = FileHandler::builder(&p)
                    .terminator(term)
                    .flush_policy(
                        FlushPolicy::buffered()
                            .capacity(capacity)
                            .max_delay(Duration::from_secs(3600)),
                    )
                    .build()
                    .unwrap();
                let mut model = Model {
                    capacity,
                    buf: String::new(),
                    file: String::new(),
                };
                for i in 0..300usize {
                    let level = match i % 17 {
                        0 => Level::ERROR,
                        5 => Level::CRITICAL,
                        9 => Level::WARNING,
                        _ => Level::INFO,
                    };
                    let t = text((i * 13) % 90, i);
                    h.emit(&LogRecord::new("t", level, &t), &t).unwrap();
                    model.push(level, &format!("{t}{term}"));
                    assert_eq!(
                        std::fs::read_to_string(&p).unwrap(),
                        model.file,
                        "term {term:?} capacity {capacity} record {i}"
                    );
                }
                h.flush().unwrap();
                model.file.push_str(&model.buf);
                assert_eq!(std::fs::read_to_string(&p).unwrap(), model.file);
            }
        }
    }
}

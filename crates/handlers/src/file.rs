//! [`FileHandler`]: Python's `logging.FileHandler`, writing whole records to a file
//! opened with `O_APPEND`, buffered by default.
//!
//! The file work (opening, the buffer, the flush policy, failure and recovery) is
//! shared with the other file handlers in `sink.rs`; this file only adds Python's
//! surface: `filename`, `mode`, `encoding`, `delay`, `errors`, and what happens after
//! `close()` — in mode `'a'` the next record reopens the file and appends, in mode
//! `'w'` records are dropped silently (CPython issue 42378), exactly as CPython 3.11.

use std::any::Any;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use logtree_core::{Handler, LogRecord};

use crate::common::{common_setters, open_error, Common};
use crate::error::Error;
use crate::sink::{FileCore, FlushPolicy, Mode, Watch};

/// Writes records to a file.
///
/// ```
/// use logtree_core::{HandlerCell, Level, LogRecord};
/// use logtree_handlers::{FileHandler, Mode};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.log");
/// let cell = HandlerCell::builder(FileHandler::builder(&path).mode(Mode::Truncate).build().unwrap()).build();
/// cell.handle(&LogRecord::new("app", Level::INFO, "hello"));
/// cell.close();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// ```
#[derive(Debug)]
pub struct FileHandler {
    core: Arc<FileCore>,
    terminator: String,
}

/// Builds a [`FileHandler`].
///
/// | option | default | Python |
/// | --- | --- | --- |
/// | path | (required) relative to the current directory at `build` | `filename` |
/// | `mode` | [`Mode::Append`] | `mode='a'` |
/// | `encoding` | UTF-8 (only the UTF-8 family is accepted) | `encoding=None` |
/// | `errors` | accepted, no effect | `errors=None` |
/// | `delay` | `false`: the file is created by `build` | `delay=False` |
/// | `flush_policy` | [`FlushPolicy::buffered`] (32 KiB, 1 s, at `ERROR`) | every record |
/// | `terminator` | `"\n"` | `terminator` |
/// | `check_interval` | 1 s: before a write, reopen if the file was deleted | never |
/// | `reopen_delay` | 1 s between attempts to open a file that failed to open | every record |
#[derive(Debug, Clone)]
#[must_use]
pub struct FileHandlerBuilder {
    common: Common,
}

impl FileHandler {
    /// A builder for a handler writing to `path`.
    pub fn builder(path: impl Into<PathBuf>) -> FileHandlerBuilder {
        FileHandlerBuilder {
            common: Common::new(path.into()),
        }
    }

    /// The absolute path (Python's `baseFilename`).
    pub fn path(&self) -> &Path {
        self.core.path()
    }

    /// The mode the file is opened with.
    pub fn mode(&self) -> Mode {
        self.core.options().mode
    }

    /// The flush policy.
    pub fn flush_policy(&self) -> &FlushPolicy {
        &self.core.options().policy
    }
}

impl FileHandlerBuilder {
    /// Python's `mode`: [`Mode::Append`] (`'a'`), [`Mode::Truncate`] (`'w'`) or
    /// [`Mode::CreateNew`] (`'x'`).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.common.mode = mode;
        self
    }

    common_setters!();

    /// The handler; creates the file unless `delay`.
    pub fn build(self) -> Result<FileHandler, Error> {
        let opts = self.common.options(
            Watch::Unlinked,
            Duration::from_secs(1),
            "FileHandler",
            false,
            false,
        )?;
        let path = opts.path.clone();
        let core = FileCore::new(opts, self.common.delay).map_err(|e| open_error(&path, e))?;
        Ok(FileHandler {
            core,
            terminator: self.common.terminator,
        })
    }
}

impl Handler for FileHandler {
    // Inline, so that the cell's call (`emit_line`'s default) is this body rather
    // than a jump to it (callgrind, `file` scenario: 1,728 -> 1,725 instructions a
    // call).
    #[inline]
    fn emit(&self, record: &LogRecord<'_>, text: &str) -> io::Result<()> {
        self.core.emit(record.level, text, &self.terminator)
    }
    fn flush(&self) -> io::Result<()> {
        self.core.flush()
    }
    fn close(&self) -> io::Result<()> {
        self.core.close()
    }
    fn class_name(&self) -> &'static str {
        "FileHandler"
    }
    fn describe(&self) -> String {
        self.core.describe("FileHandler")
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::{HandlerCell, Level};

    fn rec(msg: &str) -> LogRecord<'_> {
        LogRecord::new("t", Level::INFO, msg)
    }

    /// The fast path's `room` never exceeds the buffer's spare capacity, whatever
    /// capacity the buffer was left with, and the file gets every record in order.
    #[test]
    fn the_fast_path_never_outgrows_a_small_buffer() {
        let dir = tempfile::tempdir().unwrap();
        for spare in [0usize, 1, 5, 40, 150] {
            let p = dir.path().join(format!("{spare}.log"));
            let h = FileHandler::builder(&p)
                .flush_policy(
                    FlushPolicy::buffered()
                        .capacity(100)
                        .max_delay(Duration::from_secs(3600)),
                )
                .build()
                .unwrap();
            let mut want = String::new();
            for i in 0..200usize {
                if i % 23 == 0 {
                    h.flush().unwrap();
                    h.core.lock().replace_empty_buf(Vec::with_capacity(spare));
                }
                let t = "x".repeat((i * 7) % 45);
                h.emit(&rec(&t), &t).unwrap();
                want.push_str(&t);
                want.push('\n');
                h.core.lock().assert_room();
            }
            h.flush().unwrap();
            assert_eq!(std::fs::read_to_string(&p).unwrap(), want);
        }
    }

    #[test]
    fn creates_file_unless_delay() {
        let dir = tempfile::tempdir().unwrap();
        let eager = dir.path().join("eager.log");
        let lazy = dir.path().join("lazy.log");
        let _e = FileHandler::builder(&eager).build().unwrap();
        let l = FileHandler::builder(&lazy).delay(true).build().unwrap();
        assert!(eager.exists());
        assert!(!lazy.exists());
        l.emit(&rec("x"), "x").unwrap();
        l.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&lazy).unwrap(), "x\n");
    }

    #[test]
    fn buffered_until_flush_then_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(&p, "old\n").unwrap();
        let h = FileHandler::builder(&p)
            .flush_policy(FlushPolicy::buffered().max_delay(Duration::from_secs(3600)))
            .build()
            .unwrap();
        h.emit(&rec("a"), "a").unwrap();
        h.emit(&rec("b"), "b").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n", "buffered");
        h.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\na\nb\n");
    }

    #[test]
    fn the_background_flusher_writes_an_idle_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let h = FileHandler::builder(&p)
            .flush_policy(FlushPolicy::buffered().max_delay(Duration::from_millis(5)))
            .build()
            .unwrap();
        h.emit(&rec("idle"), "idle").unwrap();
        // No further record, no flush: the flusher thread must write it.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::fs::read_to_string(&p).unwrap().is_empty()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "idle\n");
    }

    #[test]
    fn error_level_writes_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let h = FileHandler::builder(&p).build().unwrap();
        h.emit(&rec("info"), "info").unwrap();
        h.emit(&LogRecord::new("t", Level::ERROR, "bad"), "bad")
            .unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "info\nbad\n");
    }

    #[test]
    fn every_record_policy_and_terminator() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let h = FileHandler::builder(&p)
            .flush_policy(FlushPolicy::every_record())
            .terminator("\r\n")
            .build()
            .unwrap();
        h.emit(&rec("x"), "x").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x\r\n");
    }

    #[test]
    fn overflow_writes_whole_records() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let h = FileHandler::builder(&p)
            .flush_policy(FlushPolicy::buffered().capacity(10))
            .build()
            .unwrap();
        h.emit(&rec(""), "1234").unwrap(); // 5 bytes buffered
        h.emit(&rec(""), "5678").unwrap(); // 10 bytes: full, written
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "1234\n5678\n");
        h.emit(&rec(""), "abcdefghijklmnop").unwrap(); // larger than the buffer: written alone
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "1234\n5678\nabcdefghijklmnop\n"
        );
    }

    #[test]
    fn closed_append_reopens_closed_truncate_drops() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.log");
        let w = dir.path().join("w.log");
        let ha = FileHandler::builder(&a).build().unwrap();
        let hw = FileHandler::builder(&w)
            .mode(Mode::Truncate)
            .build()
            .unwrap();
        for h in [&ha, &hw] {
            h.emit(&rec("before"), "before").unwrap();
            h.close().unwrap();
            h.emit(&rec("after"), "after").unwrap();
            h.close().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "before\nafter\n");
        assert_eq!(std::fs::read_to_string(&w).unwrap(), "before\n");
    }

    #[test]
    fn truncate_mode_empties_and_create_new_refuses_existing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(&p, "old\n").unwrap();
        let _h = FileHandler::builder(&p)
            .mode(Mode::Truncate)
            .build()
            .unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "");
        let err = FileHandler::builder(&p)
            .mode(Mode::CreateNew)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Io);
        assert_eq!(err.to_string(), format!("cannot open '{}'", p.display()));
        assert_eq!(
            std::error::Error::source(&err).unwrap().to_string(),
            "File exists (os error 17)"
        );
    }

    #[test]
    fn relative_path_is_resolved_at_build() {
        let h = FileHandler::builder("x/y.log").delay(true).build().unwrap();
        assert_eq!(h.path(), std::env::current_dir().unwrap().join("x/y.log"));
        assert!(h.describe().starts_with("FileHandler '/"));
    }

    #[test]
    fn encodings() {
        for ok in ["utf-8", "UTF8", "utf_8", "U8", "cp65001", "locale"] {
            FileHandler::builder("z.log")
                .delay(true)
                .encoding(ok)
                .build()
                .unwrap();
        }
        let e = FileHandler::builder("z.log")
            .delay(true)
            .encoding("utf-16")
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported encoding 'utf-16': only utf-8 is supported"
        );
        let e = FileHandler::builder("z.log")
            .delay(true)
            .errors("bogus")
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "unknown error handler 'bogus'");
    }

    #[test]
    fn deleted_file_is_recreated_and_missing_directory_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("logs");
        std::fs::create_dir(&sub).unwrap();
        let p = sub.join("a.log");
        let h = FileHandler::builder(&p)
            .flush_policy(FlushPolicy::every_record())
            .check_interval(Duration::ZERO)
            .reopen_delay(Duration::ZERO)
            .build()
            .unwrap();
        let cell = HandlerCell::builder(h).name("f").build();
        let (_g, lines) = logtree_core::report::capture_for_tests();
        assert!(cell.handle(&rec("one")));
        std::fs::remove_dir_all(&sub).unwrap();
        // Python would write this into the deleted file; we notice and try to
        // re-create it, which fails while the directory is gone.
        assert!(!cell.handle(&rec("lost")));
        assert!(!cell.handle(&rec("lost too")));
        std::fs::create_dir(&sub).unwrap();
        assert!(cell.handle(&rec("two")));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two\n");
        let lines = lines.lock().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            format!(
                "handler \"f\" (FileHandler) failed: cannot open '{}': No such file or directory (os error 2); \
                 further identical failures are counted, not shown",
                p.display()
            )
        );
        assert_eq!(
            lines[1],
            "handler \"f\" (FileHandler) recovered after 2 failed records"
        );
    }

    #[test]
    fn a_failed_background_write_is_reported_with_the_records_lost() {
        if !Path::new("/dev/full").exists() {
            return;
        }
        let (_g, lines) = logtree_core::report::capture_for_tests();
        let h = FileHandler::builder("/dev/full")
            .flush_policy(FlushPolicy::buffered().max_delay(Duration::ZERO))
            .build()
            .unwrap();
        h.emit(&rec("a"), "a").unwrap();
        // The flusher thread writes (and fails) right away; wait for its report.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while lines.lock().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let lines = lines.lock().clone();
        assert_eq!(
            lines,
            [
                "FileHandler '/dev/full': a buffered write failed, 1 record lost: \
              cannot write to '/dev/full': No space left on device (os error 28)"
            ]
        );
        // Until a write succeeds, records are written one by one, and fail in emit.
        let e = h.emit(&rec("c"), "c").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn failed_open_is_retried_only_after_the_delay() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing/a.log");
        let h = FileHandler::builder(&p)
            .delay(true)
            .reopen_delay(Duration::from_secs(3600))
            .build()
            .unwrap();
        assert!(h.emit(&rec("x"), "x").is_err());
        std::fs::create_dir(dir.path().join("missing")).unwrap();
        // Within the delay: refused without trying, with the same error.
        let e = h.emit(&rec("x"), "x").unwrap_err();
        assert_eq!(e.to_string(), format!("cannot open '{}'", p.display()));
        assert!(!p.exists());
    }
}

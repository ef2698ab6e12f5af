//! [`RotatingFileHandler`]: Python's `logging.handlers.RotatingFileHandler`,
//! rotating by size into `app.log.1` ... `app.log.N`.
//!
//! The rule is Python's `shouldRollover`, to the character: before writing a record,
//! roll over if `size + len(text + "\n") >= max_bytes`, where `size` is the file's
//! length in **bytes** and the record's length is counted in **characters** (so a
//! non-ASCII record can push a file a little past `max_bytes`, as in Python). A
//! record longer than `max_bytes` rolls over even an empty file. `max_bytes == 0`
//! never rolls over; `backup_count == 0` checks the size but renames nothing (the
//! file keeps growing, reopened each time, as in Python). Files that are not regular
//! files (`/dev/null`, a FIFO) never roll over. A positive `max_bytes` forces mode
//! `'a'`.
//!
//! `size` counts buffered records too and is refreshed from the file (`fstat`)
//! after every physical write, so appends by other writers are seen one write
//! late. Several *processes* rotating one file is still unsafe (each renames on its
//! own view; one process's rename moves the file another is still writing): use one
//! writing process, or a `WatchedFileHandler` with external rotation.
//!
//! Rotation happens under the handler's lock, after the buffer is written to the
//! old file, so with several threads every record lands in exactly one file and no
//! file exceeds `max_bytes` by more than one record.

use std::any::Any;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use logtree_core::{Handler, LogRecord};

use crate::common::{common_setters, open_error, Common};
use crate::error::Error;
use crate::rotate::{hook_setters, remove, with_suffix, Hooks};
use crate::sink::{FileCore, Mode, State, Watch};

/// Writes records to a file, rotating it by size.
///
/// ```
/// use logtree_core::{HandlerCell, Level, LogRecord};
/// use logtree_handlers::RotatingFileHandler;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.log");
/// let h = RotatingFileHandler::builder(&path).max_bytes(30).backup_count(2).build().unwrap();
/// let cell = HandlerCell::builder(h).build();
/// for i in 0..4 {
///     cell.handle(&LogRecord::new("app", Level::INFO, format!("record-{i:02}")));
/// }
/// cell.close();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "record-02\nrecord-03\n");
/// assert_eq!(std::fs::read_to_string(dir.path().join("app.log.1")).unwrap(), "record-00\nrecord-01\n");
/// ```
#[derive(Debug)]
pub struct RotatingFileHandler {
    core: Arc<FileCore>,
    terminator: String,
    max_bytes: u64,
    backup_count: u32,
    hooks: Hooks,
}

/// Builds a [`RotatingFileHandler`].
///
/// | option | default | Python |
/// | --- | --- | --- |
/// | path | (required) relative to the current directory at `build` | `filename` |
/// | `max_bytes` | 0 (never roll over) | `maxBytes=0` |
/// | `backup_count` | 0 | `backupCount=0` |
/// | `mode` | [`Mode::Append`] (forced when `max_bytes > 0`) | `mode='a'` |
/// | `encoding`, `errors`, `delay`, `terminator` | as [`crate::FileHandler`] | same |
/// | `flush_policy` | [`crate::FlushPolicy::buffered`] | every record |
/// | `namer`, `rotator` | none: `app.log.N`, renamed | `namer`, `rotator` |
/// | `check_interval` | 1 s: reopen a deleted file | never |
/// | `reopen_delay` | 1 s | every record |
#[derive(Debug, Clone)]
#[must_use]
pub struct RotatingFileHandlerBuilder {
    common: Common,
    max_bytes: u64,
    backup_count: u32,
    hooks: Hooks,
}

impl RotatingFileHandler {
    /// A builder for a handler writing to `path`.
    pub fn builder(path: impl Into<PathBuf>) -> RotatingFileHandlerBuilder {
        RotatingFileHandlerBuilder {
            common: Common::new(path.into()),
            max_bytes: 0,
            backup_count: 0,
            hooks: Hooks::default(),
        }
    }

    /// The absolute path of the current file.
    pub fn path(&self) -> &Path {
        self.core.path()
    }

    /// `max_bytes`.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// `backup_count`.
    pub fn backup_count(&self) -> u32 {
        self.backup_count
    }

    /// Python's `doRollover`, called with the lock held.
    fn roll_over(&self, st: &mut State) -> io::Result<()> {
        self.core.close_file(st)?;
        let mut result = Ok(());
        if self.backup_count > 0 {
            result = self.shift_backups();
        }
        // Reopen even if a rename failed: keep logging into the current file.
        self.core.open_now(st)?;
        result
    }

    fn shift_backups(&self) -> io::Result<()> {
        let base = self.core.path();
        for i in (1..self.backup_count).rev() {
            let sfn = self.hooks.name(with_suffix(base, &format!(".{i}")));
            let dfn = self.hooks.name(with_suffix(base, &format!(".{}", i + 1)));
            if sfn.exists() {
                if dfn.exists() {
                    remove(&dfn)?;
                }
                crate::rotate::rename(&sfn, &dfn)?;
            }
        }
        let dfn = self.hooks.name(with_suffix(base, ".1"));
        if dfn.exists() {
            remove(&dfn)?;
        }
        self.hooks.rotate(base, &dfn)
    }
}

impl RotatingFileHandlerBuilder {
    /// Python's `mode` (ignored, i.e. `'a'`, when `max_bytes > 0`).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.common.mode = mode;
        self
    }

    /// Roll over before a record would bring the file to this size (0: never).
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// How many rotated files to keep (`app.log.1` is the newest).
    pub fn backup_count(mut self, count: u32) -> Self {
        self.backup_count = count;
        self
    }

    common_setters!();
    hook_setters!();

    /// The handler; creates the file unless `delay`.
    pub fn build(mut self) -> Result<RotatingFileHandler, Error> {
        if self.max_bytes > 0 {
            self.common.mode = Mode::Append;
        }
        let opts = self.common.options(
            Watch::Unlinked,
            Duration::from_secs(1),
            "RotatingFileHandler",
            true,
            true,
        )?;
        let path = opts.path.clone();
        let core = FileCore::new(opts, self.common.delay).map_err(|e| open_error(&path, e))?;
        Ok(RotatingFileHandler {
            core,
            terminator: self.common.terminator,
            max_bytes: self.max_bytes,
            backup_count: self.backup_count,
            hooks: self.hooks,
        })
    }
}

impl Handler for RotatingFileHandler {
    fn emit(&self, record: &LogRecord<'_>, text: &str) -> io::Result<()> {
        let mut st = self.core.lock();
        self.core.ensure_open(&mut st)?;
        let mut rotation = Ok(());
        if self.max_bytes > 0 && st.is_regular() {
            // Python: len("%s\n" % msg), in characters.
            let chars = text.chars().count() as u64 + 1;
            if st.size() + chars >= self.max_bytes {
                rotation = self.roll_over(&mut st);
            }
        }
        if st.is_open() {
            self.core
                .push(&mut st, record.level, text, &self.terminator)?;
        }
        rotation
    }
    fn flush(&self) -> io::Result<()> {
        self.core.flush()
    }
    fn close(&self) -> io::Result<()> {
        self.core.close()
    }
    fn class_name(&self) -> &'static str {
        "RotatingFileHandler"
    }
    fn describe(&self) -> String {
        format!(
            "{} (max_bytes {}, backup_count {})",
            self.core.describe("RotatingFileHandler"),
            self.max_bytes,
            self.backup_count
        )
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::Level;

    fn emit_all(h: &RotatingFileHandler, msgs: &[&str]) {
        for m in msgs {
            h.emit(&LogRecord::new("t", Level::INFO, *m), m).unwrap();
        }
        h.close().unwrap();
    }

    fn read(dir: &Path, name: &str) -> Option<String> {
        std::fs::read_to_string(dir.join(name)).ok()
    }

    #[test]
    fn counts_characters_not_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let h = RotatingFileHandler::builder(dir.path().join("app.log"))
            .max_bytes(20)
            .backup_count(3)
            .build()
            .unwrap();
        emit_all(&h, &["ééééé"; 5]);
        assert_eq!(read(dir.path(), "app.log").unwrap(), "ééééé\n");
        assert_eq!(read(dir.path(), "app.log.1").unwrap(), "ééééé\nééééé\n");
        assert_eq!(read(dir.path(), "app.log.2").unwrap(), "ééééé\nééééé\n");
        assert_eq!(read(dir.path(), "app.log.3"), None);
    }

    #[test]
    fn oversized_records_roll_over_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let h = RotatingFileHandler::builder(dir.path().join("app.log"))
            .max_bytes(10)
            .backup_count(3)
            .build()
            .unwrap();
        emit_all(&h, &["this record is longer than ten bytes", "short"]);
        assert_eq!(read(dir.path(), "app.log").unwrap(), "short\n");
        assert_eq!(
            read(dir.path(), "app.log.1").unwrap(),
            "this record is longer than ten bytes\n"
        );
        assert_eq!(read(dir.path(), "app.log.2").unwrap(), "");
    }

    #[test]
    fn zero_max_bytes_or_zero_backups_never_rename() {
        for (max, backups) in [(0, 3), (40, 0)] {
            let dir = tempfile::tempdir().unwrap();
            let h = RotatingFileHandler::builder(dir.path().join("app.log"))
                .max_bytes(max)
                .backup_count(backups)
                .build()
                .unwrap();
            emit_all(
                &h,
                &[
                    "line 0 of a growing file",
                    "line 1 of a growing file",
                    "line 2 of a growing file",
                ],
            );
            assert_eq!(
                read(dir.path(), "app.log").unwrap(),
                "line 0 of a growing file\nline 1 of a growing file\nline 2 of a growing file\n"
            );
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        }
    }

    #[test]
    fn keeps_backup_count_files_and_namer_applies() {
        let dir = tempfile::tempdir().unwrap();
        let h = RotatingFileHandler::builder(dir.path().join("app.log"))
            .max_bytes(5)
            .backup_count(2)
            .namer(|p| with_suffix(p, ".old"))
            .build()
            .unwrap();
        emit_all(&h, &["a", "b", "c", "d", "e"]);
        // "x\n" is 2 chars: two records per file (0+2, 2+2 < 5; 4+2 >= 5 rolls).
        assert_eq!(read(dir.path(), "app.log").unwrap(), "e\n");
        assert_eq!(read(dir.path(), "app.log.1.old").unwrap(), "c\nd\n");
        assert_eq!(read(dir.path(), "app.log.2.old").unwrap(), "a\nb\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn existing_file_size_counts_and_truncate_mode_is_forced_to_append() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.log"), "0123456789").unwrap();
        let h = RotatingFileHandler::builder(dir.path().join("app.log"))
            .mode(Mode::Truncate)
            .max_bytes(12)
            .backup_count(1)
            .build()
            .unwrap();
        emit_all(&h, &["x"]);
        assert_eq!(read(dir.path(), "app.log.1").unwrap(), "0123456789");
        assert_eq!(read(dir.path(), "app.log").unwrap(), "x\n");
    }

    #[test]
    fn failed_rotation_still_writes_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let h = RotatingFileHandler::builder(dir.path().join("app.log"))
            .max_bytes(4)
            .backup_count(1)
            .rotator(|_, _| Err(io::Error::other("no rotation today")))
            .build()
            .unwrap();
        h.emit(&LogRecord::new("t", Level::INFO, "ab"), "ab")
            .unwrap();
        let e = h
            .emit(&LogRecord::new("t", Level::INFO, "cd"), "cd")
            .unwrap_err();
        assert_eq!(e.to_string(), "no rotation today");
        h.close().unwrap();
        assert_eq!(read(dir.path(), "app.log").unwrap(), "ab\ncd\n");
    }
}

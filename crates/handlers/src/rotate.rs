//! What the two rotating handlers share: Python's `namer` and `rotator` hooks
//! (`BaseRotatingHandler.rotation_filename` and `rotate`), and the error naming the
//! file that could not be moved.
//!
//! Python's hooks are attributes set after construction; here they are builder
//! options taking closures. The optional `gzip` feature would be one such rotator;
//! users can plug their own compressor the same way (Python's cookbook recipe).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Python's `namer`: maps a default rotated file name (`/var/log/app.log.1`) to the
/// name actually used (`/var/log/app.log.1.gz`).
pub type Namer = Arc<dyn Fn(&Path) -> PathBuf + Send + Sync>;

/// Python's `rotator`: moves the current file (`source`) to its rotated name
/// (`dest`); the default renames it if it exists.
pub type Rotator = Arc<dyn Fn(&Path, &Path) -> io::Result<()> + Send + Sync>;

#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) namer: Option<Namer>,
    pub(crate) rotator: Option<Rotator>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("namer", &self.namer.is_some())
            .field("rotator", &self.rotator.is_some())
            .finish()
    }
}

impl Hooks {
    /// Python's `rotation_filename`.
    pub(crate) fn name(&self, default: PathBuf) -> PathBuf {
        match &self.namer {
            Some(n) => n(&default),
            None => default,
        }
    }

    /// Python's `rotate`.
    pub(crate) fn rotate(&self, source: &Path, dest: &Path) -> io::Result<()> {
        match &self.rotator {
            Some(r) => r(source, dest),
            None => {
                if source.exists() {
                    rename(source, dest)
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// `path` with `suffix` appended to its last component (`app.log` + `.1`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// `cannot rename 'a' to 'b'`, with the cause as source.
#[derive(Debug)]
pub(crate) struct RotateError {
    what: String,
    source: io::Error,
}

impl fmt::Display for RotateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for RotateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

pub(crate) fn rename(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to).map_err(|e| {
        let what = format!("cannot rename '{}' to '{}'", from.display(), to.display());
        io::Error::new(e.kind(), RotateError { what, source: e })
    })
}

pub(crate) fn remove(path: &Path) -> io::Result<()> {
    std::fs::remove_file(path).map_err(|e| {
        let what = format!("cannot remove '{}'", path.display());
        io::Error::new(e.kind(), RotateError { what, source: e })
    })
}

/// The common builder setters for the hooks, for builders with `hooks: Hooks`.
macro_rules! hook_setters {
    () => {
        /// Python's `namer`: the rotated file's name from its default name.
        pub fn namer(
            mut self,
            namer: impl Fn(&std::path::Path) -> std::path::PathBuf + Send + Sync + 'static,
        ) -> Self {
            self.hooks.namer = Some(std::sync::Arc::new(namer));
            self
        }

        /// Python's `rotator`: moves the current file to its rotated name (default:
        /// rename it if it exists). Use it to compress rotated files.
        pub fn rotator(
            mut self,
            rotator: impl Fn(&std::path::Path, &std::path::Path) -> std::io::Result<()>
                + Send
                + Sync
                + 'static,
        ) -> Self {
            self.hooks.rotator = Some(std::sync::Arc::new(rotator));
            self
        }
    };
}
pub(crate) use hook_setters;

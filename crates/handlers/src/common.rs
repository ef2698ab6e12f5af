//! The options every file handler shares (path, mode, encoding, errors, delay,
//! flush policy, terminator, check and reopen intervals), kept once and exposed on
//! each builder through one macro, so the four file builders cannot drift apart.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;
use crate::sink::{self, FlushPolicy, Mode, Options, Watch};

#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub(crate) path: PathBuf,
    pub(crate) mode: Mode,
    pub(crate) encoding: Option<String>,
    pub(crate) errors: Option<String>,
    pub(crate) delay: bool,
    pub(crate) policy: FlushPolicy,
    pub(crate) terminator: String,
    pub(crate) check_interval: Option<Duration>,
    pub(crate) reopen_delay: Duration,
}

impl Common {
    pub(crate) fn new(path: PathBuf) -> Common {
        Common {
            path,
            mode: Mode::Append,
            encoding: None,
            errors: None,
            delay: false,
            policy: FlushPolicy::buffered(),
            terminator: "\n".to_owned(),
            check_interval: None,
            reopen_delay: Duration::from_secs(1),
        }
    }

    /// Validates and resolves everything but the file itself.
    pub(crate) fn options(
        &self,
        watch: Watch,
        default_check: Duration,
        class_name: &'static str,
        track_size: bool,
        reopen_after_close: bool,
    ) -> Result<Options, Error> {
        sink::check_encoding(self.encoding.as_deref())?;
        sink::check_errors(self.errors.as_deref())?;
        Ok(Options {
            path: sink::absolute(&self.path)?,
            mode: self.mode,
            policy: self.policy.clone(),
            watch,
            check_interval: self.check_interval.unwrap_or(default_check),
            reopen_delay: self.reopen_delay,
            track_size,
            reopen_after_close,
            class_name,
        })
    }
}

/// The setters of [`Common`], for a builder with a `common: Common` field.
macro_rules! common_setters {
    () => {
        /// Python's `encoding`: only the UTF-8 family (`"utf-8"`, `"utf8"`, `"U8"`,
        /// `"cp65001"`, and `"locale"`) is accepted; anything else fails `build`.
        pub fn encoding(mut self, encoding: impl Into<String>) -> Self {
            self.common.encoding = Some(encoding.into());
            self
        }

        /// Python's `errors`: accepted for compatibility (`"strict"`, `"replace"`,
        /// ...) and otherwise without effect, since Rust text is always valid UTF-8.
        pub fn errors(mut self, errors: impl Into<String>) -> Self {
            self.common.errors = Some(errors.into());
            self
        }

        /// Python's `delay`: open (create) the file at the first record instead of
        /// in `build`.
        pub fn delay(mut self, delay: bool) -> Self {
            self.common.delay = delay;
            self
        }

        /// When buffered records are written (see [`FlushPolicy`](crate::FlushPolicy)).
        pub fn flush_policy(mut self, policy: $crate::FlushPolicy) -> Self {
            self.common.policy = policy;
            self
        }

        /// What follows each record (Python's `terminator`, default `"\n"`).
        pub fn terminator(mut self, terminator: impl Into<String>) -> Self {
            self.common.terminator = terminator.into();
            self
        }

        /// How long to wait before trying again to open a file that could not be
        /// opened (default 1 s); records arriving meanwhile are refused with the
        /// same error.
        pub fn reopen_delay(mut self, delay: std::time::Duration) -> Self {
            self.common.reopen_delay = delay;
            self
        }

        /// The longest time between two checks of the file before a write (see
        /// the handler's docs for what is checked).
        pub fn check_interval(mut self, interval: std::time::Duration) -> Self {
            self.common.check_interval = Some(interval);
            self
        }
    };
}
pub(crate) use common_setters;

/// `cannot open '/abs/path'` with the cause, for builders.
pub(crate) fn open_error(path: &std::path::Path, e: std::io::Error) -> Error {
    Error::io(format!("cannot open '{}'", path.display()), e)
}

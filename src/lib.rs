//! logtree: Python's logging model — loggers, handlers, filters, formatters and
//! `dictConfig` — on the [`log`] facade, with Django's `AdminEmailHandler`.
//!
//! # Quick start: one file, one call
//! ```no_run
//! fn main() -> Result<(), logtree::InitError> {
//!     // Reads logging.toml (or .json: a Django `LOGGING` dictionary loads unchanged),
//!     // installs it as the `log` logger, and flushes everything when `_logging` drops.
//!     let _logging = logtree::init_from_file("logging.toml")?;
//!     log::info!(target: "myapp::db", "pool ready");
//!     Ok(())
//! }
//! ```
//!
//! # In code
//! ```
//! use std::sync::Arc;
//! use logtree::{Level, HandlerCell};
//! use logtree::format::{Style, TextFormatter};
//! use logtree::handlers::StreamHandler;
//!
//! let formatter = TextFormatter::builder()
//!     .format("{levelname:<8} {name}: {message}")
//!     .style(Style::Brace)
//!     .build()
//!     .unwrap();
//! let console = HandlerCell::builder(StreamHandler::stderr())
//!     .formatter(Arc::new(formatter))
//!     .build();
//! logtree::get_logger("myapp").add_handler(console);
//! logtree::get_logger("myapp").set_level(Level::DEBUG);
//! logtree::install().unwrap();
//! log::debug!(target: "myapp::db", "connected");
//! ```
//!
//! # The crates behind it
//! | module | crate | holds |
//! | --- | --- | --- |
//! | [`core`](mod@core) | `logtree-core` | levels, records, the logger tree, the handler/filter/formatter contracts |
//! | [`format`](mod@format) | `logtree-format` | Python's `%`, `{` and `$` formatters, `asctime`/`datefmt` |
//! | [`handlers`] | `logtree-handlers` | stream, file, watched, rotating, memory, queue handlers |
//! | [`config`] | `logtree-config` | `dictConfig` from TOML or JSON, the component registry |
//! | [`django`] | `logtree-django` | settings, `RequireDebug*`, `ServerFormatter`, `AdminEmailHandler` |
//! | [`bridge`] | `logtree-log` | the `log` facade bridge |
#![deny(missing_docs)]

use std::fmt;
use std::path::Path;
use std::sync::Arc;

pub use logtree_config as config;
pub use logtree_core as core;
pub use logtree_django as django;
pub use logtree_format as format;
pub use logtree_handlers as handlers;
pub use logtree_log as bridge;

pub use logtree_config::{Config, ConfigError, Registry};
pub use logtree_core::{
    add_level_name, Filter, Formatter, Handler, HandlerCell, Level, LogRecord, Logger, Manager,
    Request, RequestScope,
};
pub use logtree_django::install_panic_hook;
pub use logtree_handlers::ShutdownGuard;

/// A registry of every stock component: Python's `logging` handlers, filters and
/// formatters, and Django's (`django.utils.log.*`), under their Python names and
/// short native names. Add your own before loading a configuration.
///
/// ```
/// let mut registry = logtree::registry();
/// registry.add_callback("skip_health_checks", |r: &logtree::LogRecord<'_>| !r.message.contains("/healthz"));
/// assert!(registry.has_handler("django.utils.log.AdminEmailHandler"));
/// assert!(registry.has_handler("logging.handlers.RotatingFileHandler"));
/// ```
pub fn registry() -> Registry {
    let mut registry = Registry::stock();
    logtree_django::register(&mut registry);
    registry
}

/// The process-wide logger tree.
pub fn manager() -> &'static Arc<Manager> {
    logtree_core::global()
}

/// Python's `logging.getLogger(name)` on the process-wide tree (`""` is the root).
pub fn get_logger(name: &str) -> Arc<Logger> {
    logtree_core::global().get_logger(name)
}

/// Installs logtree as the `log` logger (harmless when already installed).
pub fn install() -> Result<(), InitError> {
    logtree_log::install().map_err(|e| InitError {
        kind: InitErrorKind::Install,
        source: Box::new(e),
    })
}

/// Reads a `.toml` or `.json` configuration, applies it to the process-wide tree,
/// installs logtree as the `log` logger, and returns a guard that flushes and
/// closes every handler when dropped (keep it alive in `main`).
///
/// A configuration with any error is refused whole, with the file, the key path and
/// what is wrong; nothing is applied.
pub fn init_from_file(path: impl AsRef<Path>) -> Result<ShutdownGuard, InitError> {
    init_from_file_with(path, &registry())
}

/// [`init_from_file`] with a registry of your own (see [`registry`]).
pub fn init_from_file_with(
    path: impl AsRef<Path>,
    registry: &Registry,
) -> Result<ShutdownGuard, InitError> {
    let config = Config::from_path(path).map_err(InitError::config)?;
    init_with_config(&config, registry)
}

/// Applies a parsed configuration and installs the `log` bridge; returns the
/// shutdown guard.
pub fn init_with_config(config: &Config, registry: &Registry) -> Result<ShutdownGuard, InitError> {
    // The bridge first: it names level 5 `TRACE`, which the configuration may use.
    install()?;
    config
        .apply(logtree_core::global(), registry)
        .map_err(InitError::config)?;
    Ok(ShutdownGuard::new())
}

/// Replaces the running configuration with the one in `path`, as `dictConfig`
/// would, safely while other threads log: each record sees the old configuration
/// or the new one, never a mix. On error nothing changes.
pub fn reconfigure_from_file(path: impl AsRef<Path>) -> Result<(), ConfigError> {
    let config = Config::from_path(path)?;
    config.apply(logtree_core::global(), &registry())?;
    Ok(())
}

/// Python's `logging.shutdown()`: flushes and closes every handler of the
/// process-wide tree, newest first.
pub fn shutdown() {
    logtree_core::global().shutdown();
}

/// Why [`init_from_file`] failed.
#[derive(Debug)]
pub struct InitError {
    kind: InitErrorKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// What kind of failure an [`InitError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitErrorKind {
    /// The configuration was refused (its [`ConfigError`] is the source).
    Config,
    /// Another `log` logger was installed first.
    Install,
}

impl InitError {
    fn config(e: ConfigError) -> InitError {
        InitError {
            kind: InitErrorKind::Config,
            source: Box::new(e),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> InitErrorKind {
        self.kind
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A configuration error's alternate form carries the whole chain: file, line,
        // key path, Python's words and the plain-words detail ("did you mean ...?").
        match self.source.downcast_ref::<ConfigError>() {
            Some(e) => write!(f, "{e:#}"),
            None => fmt::Display::fmt(&self.source, f),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

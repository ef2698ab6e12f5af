//! logtree's `dictConfig`: load a logging configuration from TOML or JSON and make
//! the loggers behave exactly as CPython's `logging.config.dictConfig` would.
//!
//! ```
//! use logtree_config::{Config, Registry};
//! use logtree_core::Manager;
//! let config = Config::from_json_str(r#"{
//!     "version": 1,
//!     "handlers": {"null": {"class": "logging.NullHandler"}},
//!     "root": {"level": "INFO", "handlers": ["null"]}
//! }"#).unwrap();
//! let manager = Manager::new();
//! config.apply(&manager, &Registry::stock()).unwrap();
//! assert_eq!(manager.root().handlers().len(), 1);
//! ```
//!
//! # The pipeline
//! 1. **Parse** ([`Config::from_path`], [`Config::from_json_str`],
//!    [`Config::from_toml_str`], [`Config::from_value`]): text into one ordered
//!    value tree; nothing else happens.
//! 2. **Convert** values as they are read: `ext://` (registered objects only),
//!    `cfg://` (elsewhere in the configuration) and `env://NAME[:-default]`
//!    (the environment).
//! 3. **Build** every component through the [`Registry`], collecting every error,
//!    first as a dry run with no side effects ([`Config::check`] stops here).
//! 4. **Install** into a [`logtree_core::Manager`] in one transaction, then close
//!    the previous configuration's handlers.
//!
//! A configuration that has any error is refused whole: the running one stays.
//! The error ([`ConfigError`]) names the file, the key path and the line, keeps
//! Python's words, and says what is wrong in plain words.
//!
//! # Schema (Python's, with its quirks)
//! `version` (must be 1), `incremental`, `disable_existing_loggers` (default
//! true), `formatters`, `filters`, `handlers`, `loggers`, `root`, plus `settings`
//! (Django's settings, for Django's components). Unknown top-level keys are kept
//! for `cfg://`. Handlers are built in sorted id order (a referenced handler
//! first); levels are integers or registered names, case-sensitive.
//!
//! # Values from elsewhere
//! `ext://NAME` (registered objects and values only: `sys.stdout`, `sys.stderr`,
//! [`Registry::add_ext_value`], [`Registry::add_writer`], callbacks), `cfg://path`
//! (Python 3.11's grammar: `cfg://handlers.email[toaddrs][0]`), and logtree's
//! `env://NAME` or `env://NAME:-default` (an unset variable without a default is an
//! error naming it), so that secrets and paths stay out of the file:
//! `email_host_password = "env://SMTP_PASSWORD"`, `filename = "env://APP_LOG:-/var/log/app/app.log"`
//! (a whole value; there is no interpolation inside strings).
//!
//! # Deliberate differences from Python
//! - Nothing runs that is not registered: `"()": "os.system"` and
//!   `ext://os.environ` are refused with `Cannot resolve ...`.
//! - A handler's target (a memory handler's `target`) is built before it whatever
//!   the ids, where Python fails on chains of three (python/cpython#92929).
//! - A refused configuration changes nothing; Python closes the running handlers
//!   first.
//! - Keys a component does not read are refused (`unexpected keyword argument`), as
//!   Python refuses them for constructors; attributes under `"."` must be ones the
//!   component supports (`terminator`).
//! - A `QueueHandler`'s listener is started (Python's dictConfig leaves it stopped,
//!   python/cpython#117827), and stopped by shutdown.
//! - Keys Python silently ignores (a filter's `class`, `propagate` on the root,
//!   handler lists in an incremental configuration) are accepted with a
//!   [`Warning`], which `logtree check` prints.
#![deny(missing_docs)]

mod apply;
mod args;
mod build;
mod config;
mod convert;
mod error;
mod registry;
mod source;
mod standin;
mod stock;
mod suggest;

pub use args::{Args, Settings};
pub use config::{Applied, Checked, Config};
pub use error::{ArgError, BoxError, ConfigError, ErrorKind, Warning};
pub use registry::{Callback, Ext, Registry, StdStream};
pub use source::MAX_BYTES;
pub use stock::{build_text_formatter, SharedWriter};

//! logtree's model: Python's `logging` core in Rust.
//!
//! - [`Level`]: Python's numeric levels and names, custom levels included.
//! - [`LogRecord`]: what a logging call produces, borrowed on the synchronous path.
//! - [`Manager`] and [`Logger`]: the tree of dotted loggers with placeholders, level
//!   inheritance, propagation, `disabled` and a global [`Manager::disable`].
//! - [`Filter`], [`Formatter`], [`Handler`] and [`HandlerCell`]: the contracts the
//!   stock components in `logtree-format`, `logtree-handlers` and `logtree-django`
//!   implement.
//! - [`report`]: the bounded reporter of handler failures.
//!
//! # How a record flows
//! A logger's *plan* (its effective threshold, its own filters and the handlers of
//! it and its ancestors up to the first that does not propagate) is computed once
//! per configuration epoch and cached; the `log` bridge caches plans per call-site
//! target, so a disabled call is a thread-local lookup and one compare.
//!
//! ```
//! use std::sync::Arc;
//! use logtree_core::{HandlerCell, Level, LogRecord, Manager, NullHandler};
//! let m = Manager::new();
//! let db = m.get_logger("app.db");
//! m.get_logger("app").set_level(Level::DEBUG);
//! assert_eq!(db.effective_level(), Level::DEBUG);
//! m.root().add_handler(HandlerCell::builder(NullHandler).build());
//! db.handle(&LogRecord::new("app.db", Level::INFO, "pool ready"));
//! ```
#![deny(missing_docs)]

mod context;
mod filter;
mod formatter;
mod handler;
mod intern;
mod level;
mod manager;
mod printable_table;
mod record;
pub mod report;
pub mod text;
mod value;

pub use context::{current_request, RequestScope};
pub use filter::{CallbackFilter, Filter, NameFilter};
pub use formatter::{append_exc_and_stack, FormatError, Formatter, MessageFormatter};
pub use handler::{Handler, HandlerCell, HandlerCellBuilder, Line, NullHandler, StderrHandler};
pub use level::{add_level_name, InlineName, Level};
pub use manager::{global, in_dispatch, Logger, LoggerEntry, Manager, Plan};
pub use record::{current_thread_id, current_thread_name, now, ErrorInfo, LogRecord, Request};
pub use value::{write_float_repr, write_str_repr, Value};

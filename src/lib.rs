//! logtree: Python's logging model — loggers, handlers, filters, formatters and
//! `dictConfig` — on the `log` facade.
//!
//! This crate is the facade: it re-exports the workspace's crates under short names.
#![deny(missing_docs)]

pub use logtree_config as config;
pub use logtree_core as core;
pub use logtree_django as django;
pub use logtree_format as format;
pub use logtree_handlers as handlers;
pub use logtree_log as bridge;

pub use logtree_core::{
    Filter, Formatter, Handler, HandlerCell, Level, LogRecord, Logger, Manager, Request, RequestScope,
};

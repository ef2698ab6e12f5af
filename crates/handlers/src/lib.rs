//! logtree's stock handlers, each a type with a builder implementing
//! [`logtree_core::Handler`]:
//!
//! | handler | Python | notes |
//! | --- | --- | --- |
//! | [`StreamHandler`] | `logging.StreamHandler` | stdout, stderr or any `Write + Send`; one write per record |
//! | [`FileHandler`] | `logging.FileHandler` | `O_APPEND`, buffered, re-creates a deleted file |
//! | [`WatchedFileHandler`] | `logging.handlers.WatchedFileHandler` | follows `logrotate` (`create`, `copytruncate`) |
//! | [`RotatingFileHandler`] | `logging.handlers.RotatingFileHandler` | Python's size rule, to the character |
//! | [`TimedRotatingFileHandler`] | `logging.handlers.TimedRotatingFileHandler` | Python's schedule, suffixes and deletion |
//! | [`MemoryHandler`] | `logging.handlers.MemoryHandler` | bounded even without a target |
//! | [`QueueHandler`] | `logging.handlers.QueueHandler` + `QueueListener` | bounded, [`FullPolicy`], listener started; formatted text crosses, not records, when the output is the same |
//! | [`NullHandler`] | `logging.NullHandler` | re-exported from the core |
//!
//! [`ShutdownGuard`] shuts logging down (flush and close every handler, newest
//! first) when it goes out of scope.
//!
//! # Files
//! Every file handler opens its file with `O_APPEND` and writes whole records with
//! one `write(2)`, so several threads and several processes can append to one file
//! without torn or interleaved lines. Records are buffered by default (32 KiB, at
//! most 1 s, written at once from `ERROR` up; see [`FlushPolicy`]);
//! [`FlushPolicy::every_record`] gives Python's write-per-record behaviour.
//!
//! What is safe with several processes on one file:
//!
//! | setup | safe? |
//! | --- | --- |
//! | [`FileHandler`] / [`WatchedFileHandler`] appending from many processes | yes: no lost, torn or interleaved records |
//! | [`WatchedFileHandler`] + `logrotate` (`create` or `copytruncate`) | yes (`copytruncate` loses what is written between its copy and its truncate, inherently) |
//! | [`RotatingFileHandler`] / [`TimedRotatingFileHandler`] in several processes | **no**: each process rotates on its own view; use one writer process, or a [`WatchedFileHandler`] with external rotation |
//!
//! Failures (disk full, permission lost, directory deleted) are returned from
//! `emit`; the handler cell reports each distinct one once and says when the handler
//! recovered. Handlers retry by themselves; nothing panics or blocks.
#![deny(missing_docs)]

mod common;
mod error;
mod file;
mod flusher;
mod memory;
mod queue;
mod rotate;
mod rotating;
mod shutdown;
mod sink;
mod stream;
mod timed;
mod watched;

pub use error::{Error, ErrorKind};
pub use file::{FileHandler, FileHandlerBuilder};
pub use logtree_core::NullHandler;
pub use memory::{MemoryHandler, MemoryHandlerBuilder};
pub use queue::{FullPolicy, QueueHandler, QueueHandlerBuilder, DEFAULT_QUEUE_CAPACITY};
pub use rotate::{Namer, Rotator};
pub use rotating::{RotatingFileHandler, RotatingFileHandlerBuilder};
pub use shutdown::ShutdownGuard;
pub use sink::{FlushPolicy, Mode};
pub use stream::{StreamHandler, StreamHandlerBuilder};
pub use timed::{AtTime, Clock, TimedRotatingFileHandler, TimedRotatingFileHandlerBuilder, When};
pub use watched::{WatchedFileHandler, WatchedFileHandlerBuilder, DEFAULT_WATCH_INTERVAL};

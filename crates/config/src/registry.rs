//! The registry: every name a configuration may use, and what it builds.
//!
//! Python's `dictConfig` imports whatever dotted path a configuration names
//! (`"()": "os.system"` runs code). logtree resolves names only against a
//! [`Registry`]: handler, filter and formatter *factories*, named *callbacks*
//! (Django's `CallbackFilter`), and named `ext://` objects (`sys.stdout`,
//! `sys.stderr`, values and objects the application registers). A name that is
//! not registered is refused with Python's `Cannot resolve '...'`, so a
//! configuration file can never run code of its own choosing.
//!
//! Names are aliases: one factory answers to its Python or Django class name and
//! to a short native name (`logging.StreamHandler` and `stream`). The first name
//! given is the canonical one, used in messages.
//!
//! A factory receives an [`Args`]: a view of the component's keyword arguments with
//! typed getters that remember which keys were read, so that a key nobody read is
//! refused as `unexpected keyword argument 'x'`, as Python would.
//!
//! ```
//! use std::sync::Arc;
//! use logtree_config::{Args, Config, Registry};
//! use logtree_core::{LogRecord, Manager, NameFilter};
//!
//! let mut registry = Registry::stock();
//! registry.add_filter(&["myapp.PrefixFilter", "prefix"], |args: &mut Args<'_>| {
//!     let prefix = args.require_str("prefix")?;
//!     Ok(Arc::new(move |r: &LogRecord<'_>| r.message.starts_with(prefix.as_str())))
//! });
//! registry.add_callback("myapp.not_health", |r: &LogRecord<'_>| !r.message.contains("/healthz"));
//! let config = Config::from_json_str(r#"{"version": 1,
//!     "filters": {"p": {"()": "prefix", "prefix": "GET"},
//!                 "h": {"()": "django.utils.log.CallbackFilter", "callback": "ext://myapp.not_health"}},
//!     "handlers": {"null": {"class": "logging.NullHandler", "filters": ["p", "myapp.not_health"]}},
//!     "root": {"handlers": ["null"]}}"#).unwrap();
//! # // CallbackFilter comes from logtree-django; only check what the stock registry knows.
//! # let config = Config::from_json_str(r#"{"version": 1,
//! #     "filters": {"p": {"()": "prefix", "prefix": "GET"}},
//! #     "handlers": {"null": {"class": "logging.NullHandler", "filters": ["p", "myapp.not_health"]}},
//! #     "root": {"handlers": ["null"]}}"#).unwrap();
//! config.apply(&Manager::new(), &registry).unwrap();
//! ```

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use logtree_core::{Filter, Formatter, Handler, LogRecord};

use crate::args::Args;
use crate::error::BoxError;

/// A named predicate on records: a `filters` list item, or the `callback` of
/// Django's `CallbackFilter`.
pub type Callback = Arc<dyn Fn(&LogRecord<'_>) -> bool + Send + Sync>;

pub(crate) type HandlerFactory =
    dyn Fn(&mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> + Send + Sync;
pub(crate) type FilterFactory =
    dyn Fn(&mut Args<'_>) -> Result<Arc<dyn Filter>, BoxError> + Send + Sync;
pub(crate) type FormatterFactory =
    dyn Fn(&mut Args<'_>) -> Result<Arc<dyn Formatter>, BoxError> + Send + Sync;

/// Python's `sys.stdout` and `sys.stderr`, as `ext://` objects: what a stream
/// handler's `stream` argument names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StdStream {
    /// `ext://sys.stdout`.
    Stdout,
    /// `ext://sys.stderr`.
    Stderr,
}

/// What an `ext://NAME` reference resolves to.
#[derive(Clone)]
pub enum Ext {
    /// A plain value (a string, a number, a table): it replaces the reference, as
    /// if it had been written in the file.
    Value(serde_json::Value),
    /// A callback: usable where a callback is expected.
    Callback(Callback),
    /// Any other object (a stream, a queue, a shared writer); factories take it with
    /// [`Args::object`].
    Object(Arc<dyn Any + Send + Sync>),
}

impl fmt::Debug for Ext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ext::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Ext::Callback(_) => f.write_str("Callback"),
            Ext::Object(_) => f.write_str("Object"),
        }
    }
}

pub(crate) struct Entry<F: ?Sized> {
    pub(crate) canonical: Arc<str>,
    pub(crate) factory: Arc<F>,
}

impl<F: ?Sized> Clone for Entry<F> {
    fn clone(&self) -> Self {
        Entry {
            canonical: self.canonical.clone(),
            factory: self.factory.clone(),
        }
    }
}

/// Names a configuration may use, and what they build.
///
/// [`Registry::stock`] knows every stock component under its Python class name and
/// a short native name; [`Registry::new`] knows nothing. Registering a name again
/// replaces the earlier entry, so an application may override a stock component.
#[derive(Clone, Default)]
pub struct Registry {
    pub(crate) handlers: BTreeMap<String, Entry<HandlerFactory>>,
    pub(crate) filters: BTreeMap<String, Entry<FilterFactory>>,
    pub(crate) formatters: BTreeMap<String, Entry<FormatterFactory>>,
    pub(crate) callbacks: BTreeMap<String, Callback>,
    pub(crate) ext: BTreeMap<String, Ext>,
    pub(crate) stand_ins: bool,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("handlers", &self.handlers.keys().collect::<Vec<_>>())
            .field("filters", &self.filters.keys().collect::<Vec<_>>())
            .field("formatters", &self.formatters.keys().collect::<Vec<_>>())
            .field("callbacks", &self.callbacks.keys().collect::<Vec<_>>())
            .field("ext", &self.ext.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn canonical(names: &[&str]) -> Arc<str> {
    Arc::from(names.first().copied().unwrap_or(""))
}

impl Registry {
    /// An empty registry: no component, no `ext://` name.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The stock components of `logging` under their Python names and short native
    /// names, and `ext://sys.stdout` / `ext://sys.stderr`:
    ///
    /// | Python name | native name | builds | keyword arguments |
    /// | --- | --- | --- | --- |
    /// | `logging.StreamHandler` | `stream` | [`logtree_handlers::StreamHandler`] | `stream` (`ext://sys.stdout`, `ext://sys.stderr`, a registered writer; default stderr) |
    /// | `logging.FileHandler` | `file` | [`logtree_handlers::FileHandler`] | `filename`, `mode`, `encoding`, `delay`, `errors`; native: `flush` |
    /// | `logging.handlers.WatchedFileHandler` | `watched_file` | [`logtree_handlers::WatchedFileHandler`] | as `FileHandler` |
    /// | `logging.handlers.RotatingFileHandler` | `rotating_file` | [`logtree_handlers::RotatingFileHandler`] | as `FileHandler`, `maxBytes`, `backupCount` |
    /// | `logging.handlers.TimedRotatingFileHandler` | `timed_rotating_file` | [`logtree_handlers::TimedRotatingFileHandler`] | `filename`, `when`, `interval`, `backupCount`, `encoding`, `delay`, `utc`, `atTime` (`"HH:MM[:SS]"`), `errors`; native: `flush` |
    /// | `logging.handlers.MemoryHandler` | `memory` | [`logtree_handlers::MemoryHandler`] | `capacity`, `flushLevel`, `target` (a handler id), `flushOnClose` |
    /// | `logging.handlers.QueueHandler` | `queue` | [`logtree_handlers::QueueHandler`] (listener started) | `handlers` (ids), `respect_handler_level`, `queue` (`queue.Queue` with `maxsize`, `queue.SimpleQueue`), `listener` (`logging.handlers.QueueListener`); native: `capacity`, `full_policy` (`"block"`, `"drop_newest"`), `never_drop_level` |
    /// | `logging.NullHandler` | `null` | [`logtree_core::NullHandler`] | |
    /// | `logging.Filter` | `filter` | [`logtree_core::NameFilter`] | `name` |
    /// | `logging.Formatter` | `formatter` | [`logtree_format::TextFormatter`] | `fmt` (`format` in a configuration), `datefmt`, `style`, `validate`, `defaults` |
    /// | `ext://sys.stdout`, `ext://sys.stderr` | | [`StdStream`] | |
    ///
    /// File handlers also take logtree's `flush` option: `"every_record"` (Python's
    /// behaviour), `"buffered"` (the default: 32 KiB, written within 1 s, at once
    /// from `ERROR` up), or `{capacity = 8192, max_delay = 0.2, flush_level = "WARNING"}`.
    /// Django's components are added by `logtree_django::register`.
    pub fn stock() -> Registry {
        let mut r = Registry::new();
        crate::stock::register(&mut r);
        r
    }

    /// Registers a handler factory under each of `names` (the first is canonical).
    ///
    /// The factory reads its keyword arguments from `args` (the loader has already
    /// taken `class`/`()`, `level`, `formatter`, `filters` and `.`) and returns the
    /// handler; the loader wraps it in a [`logtree_core::HandlerCell`] with the
    /// configured name, level, formatter and filters. When
    /// [`Args::dry_run`] is true the factory must not touch the outside world (open
    /// files, connect, start threads): it validates and returns a handler that is
    /// never used for output.
    pub fn add_handler<F>(&mut self, names: &[&str], factory: F) -> &mut Registry
    where
        F: Fn(&mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> + Send + Sync + 'static,
    {
        let e = Entry {
            canonical: canonical(names),
            factory: Arc::new(factory) as Arc<HandlerFactory>,
        };
        for n in names {
            self.handlers.insert((*n).to_owned(), e.clone());
        }
        self
    }

    /// Registers a filter factory under each of `names` (used with `"()"`).
    pub fn add_filter<F>(&mut self, names: &[&str], factory: F) -> &mut Registry
    where
        F: Fn(&mut Args<'_>) -> Result<Arc<dyn Filter>, BoxError> + Send + Sync + 'static,
    {
        let e = Entry {
            canonical: canonical(names),
            factory: Arc::new(factory) as Arc<FilterFactory>,
        };
        for n in names {
            self.filters.insert((*n).to_owned(), e.clone());
        }
        self
    }

    /// Registers a formatter factory under each of `names` (used with `class` or
    /// `"()"`). With `class`, the factory receives `fmt`, `datefmt`, `style`,
    /// `validate` and `defaults` (Python calls `class(fmt, datefmt, style,
    /// validate)`); with `"()"`, every key as written, except that a `format` key the
    /// factory does not read is retried as `fmt`, as Python does.
    pub fn add_formatter<F>(&mut self, names: &[&str], factory: F) -> &mut Registry
    where
        F: Fn(&mut Args<'_>) -> Result<Arc<dyn Formatter>, BoxError> + Send + Sync + 'static,
    {
        let e = Entry {
            canonical: canonical(names),
            factory: Arc::new(factory) as Arc<FormatterFactory>,
        };
        for n in names {
            self.formatters.insert((*n).to_owned(), e.clone());
        }
        self
    }

    /// Registers a named callback: usable as a `filters` list item, as
    /// `ext://NAME`, and wherever a factory asks for a callback
    /// ([`Args::callback`]).
    pub fn add_callback<F>(&mut self, name: &str, callback: F) -> &mut Registry
    where
        F: Fn(&LogRecord<'_>) -> bool + Send + Sync + 'static,
    {
        let cb: Callback = Arc::new(callback);
        self.callbacks.insert(name.to_owned(), cb.clone());
        self.ext.insert(name.to_owned(), Ext::Callback(cb));
        self
    }

    /// Registers a value for `ext://NAME` (a directory, a host name, a table).
    pub fn add_ext_value(&mut self, name: &str, value: serde_json::Value) -> &mut Registry {
        self.ext.insert(name.to_owned(), Ext::Value(value));
        self
    }

    /// Registers an object for `ext://NAME`; factories take it with
    /// [`Args::object`].
    pub fn add_ext_object<T: Any + Send + Sync>(
        &mut self,
        name: &str,
        object: Arc<T>,
    ) -> &mut Registry {
        self.ext.insert(name.to_owned(), Ext::Object(object));
        self
    }

    /// Lets unregistered component names (outside `logging.` and `django.`) load as
    /// inert stand-ins, with a warning, instead of being refused: for tools that
    /// check or draw an application's configuration without the application's own
    /// components (`logtree check`, `logtree tree`). Never use it to run.
    pub fn stand_in_unregistered(&mut self) -> &mut Registry {
        self.stand_ins = true;
        self
    }

    /// Whether a handler class of this name is registered.
    pub fn has_handler(&self, name: &str) -> bool {
        self.handlers.contains_key(name)
    }

    /// Whether a filter factory of this name is registered.
    pub fn has_filter(&self, name: &str) -> bool {
        self.filters.contains_key(name)
    }

    /// Whether a formatter class of this name is registered.
    pub fn has_formatter(&self, name: &str) -> bool {
        self.formatters.contains_key(name)
    }

    /// The registered handler names, sorted.
    pub fn handler_names(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    /// The registered filter names, sorted.
    pub fn filter_names(&self) -> impl Iterator<Item = &str> {
        self.filters.keys().map(String::as_str)
    }

    /// The registered formatter names, sorted.
    pub fn formatter_names(&self) -> impl Iterator<Item = &str> {
        self.formatters.keys().map(String::as_str)
    }

    /// The registered `ext://` names (callbacks included), sorted.
    pub fn ext_names(&self) -> impl Iterator<Item = &str> {
        self.ext.keys().map(String::as_str)
    }

    /// The callback registered under `name`.
    pub fn callback(&self, name: &str) -> Option<&Callback> {
        self.callbacks.get(name)
    }

    /// What `ext://NAME` resolves to.
    pub fn ext(&self, name: &str) -> Option<&Ext> {
        self.ext.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::NullHandler;

    #[test]
    fn names_are_aliases_and_later_registrations_win() {
        let mut r = Registry::new();
        r.add_handler(&["my.Handler", "mine"], |_| Ok(Box::new(NullHandler)));
        assert!(r.has_handler("my.Handler"));
        assert!(r.has_handler("mine"));
        assert!(Arc::ptr_eq(
            &r.handlers["mine"].factory,
            &r.handlers["my.Handler"].factory
        ));
        assert_eq!(&*r.handlers["mine"].canonical, "my.Handler");
        r.add_handler(&["mine"], |_| Ok(Box::new(NullHandler)));
        assert!(!Arc::ptr_eq(
            &r.handlers["mine"].factory,
            &r.handlers["my.Handler"].factory
        ));
        assert_eq!(
            r.handler_names().collect::<Vec<_>>(),
            ["mine", "my.Handler"]
        );
    }

    #[test]
    fn callbacks_are_ext_names_too() {
        let mut r = Registry::new();
        r.add_callback("app.no_health", |rec: &LogRecord<'_>| {
            rec.message != "health"
        });
        assert!(r.callback("app.no_health").is_some());
        assert!(matches!(r.ext("app.no_health"), Some(Ext::Callback(_))));
        r.add_ext_value("app.LOG_DIR", serde_json::json!("/var/log/app"));
        assert!(matches!(r.ext("app.LOG_DIR"), Some(Ext::Value(v)) if v == "/var/log/app"));
        assert!(r.ext("os.environ").is_none());
    }
}

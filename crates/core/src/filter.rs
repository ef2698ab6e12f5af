//! Filters: Python's name filter and callback filters.
//!
//! A [`Filter`] says yes or no to a record. On a logger, it sees only records logged
//! to that logger, never records propagated up from its children (Python's rule);
//! on a handler, it sees every record the handler is offered.

use std::fmt;

use crate::record::LogRecord;

/// Decides whether a record goes on.
///
/// Closures are filters:
///
/// ```
/// use logtree_core::{Filter, Level, LogRecord};
/// let no_health_checks = |r: &LogRecord<'_>| !r.message.contains("/healthz");
/// assert!(!no_health_checks.filter(&LogRecord::new("web", Level::INFO, "GET /healthz")));
/// ```
///
/// # For implementors
/// `filter` runs on the logging thread, inside the logging call: keep it short,
/// and never block. It may add attributes with [`LogRecord::set_attr`]. A panic in a
/// filter is caught and reported like a handler failure.
pub trait Filter: Send + Sync + 'static {
    /// `true` to let the record through.
    fn filter(&self, record: &LogRecord<'_>) -> bool;

    /// A short description for `logtree tree`.
    fn describe(&self) -> String {
        "Filter".to_owned()
    }
}

impl<F> Filter for F
where
    F: Fn(&LogRecord<'_>) -> bool + Send + Sync + 'static,
{
    fn filter(&self, record: &LogRecord<'_>) -> bool {
        self(record)
    }

    fn describe(&self) -> String {
        "CallbackFilter".to_owned()
    }
}

/// Python's `logging.Filter(name)`: passes records of the logger `name` and of its
/// descendants (`"a.b"` passes `a.b` and `a.b.c`, not `a.bb`); the empty name
/// passes everything.
///
/// ```
/// use logtree_core::{Filter, Level, LogRecord, NameFilter};
/// let f = NameFilter::new("a.b");
/// assert!(f.filter(&LogRecord::new("a.b.c", Level::INFO, "")));
/// assert!(!f.filter(&LogRecord::new("a.bb", Level::INFO, "")));
/// ```
#[derive(Clone, Debug, Default)]
pub struct NameFilter {
    name: String,
}

impl NameFilter {
    /// A filter for the logger `name` and its descendants.
    pub fn new(name: impl Into<String>) -> NameFilter {
        NameFilter { name: name.into() }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Filter for NameFilter {
    fn filter(&self, record: &LogRecord<'_>) -> bool {
        let n = self.name.as_str();
        if n.is_empty() || record.name == n {
            return true;
        }
        record.name.starts_with(n) && record.name.as_bytes().get(n.len()) == Some(&b'.')
    }

    fn describe(&self) -> String {
        format!("Filter(name={:?})", self.name)
    }
}

/// A filter made from a closure, with a name for `logtree tree` (Django's
/// `CallbackFilter`).
pub struct CallbackFilter {
    name: String,
    callback: Box<dyn Fn(&LogRecord<'_>) -> bool + Send + Sync>,
}

impl CallbackFilter {
    /// A filter calling `callback`; `name` says which callback it is.
    pub fn new(
        name: impl Into<String>,
        callback: impl Fn(&LogRecord<'_>) -> bool + Send + Sync + 'static,
    ) -> CallbackFilter {
        CallbackFilter {
            name: name.into(),
            callback: Box::new(callback),
        }
    }
}

impl fmt::Debug for CallbackFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackFilter")
            .field("name", &self.name)
            .finish()
    }
}

impl Filter for CallbackFilter {
    fn filter(&self, record: &LogRecord<'_>) -> bool {
        (self.callback)(record)
    }

    fn describe(&self) -> String {
        format!("CallbackFilter({})", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn rec(name: &str) -> LogRecord<'_> {
        LogRecord::new(name, Level::INFO, "m")
    }

    #[test]
    fn name_filter_is_component_aware() {
        let f = NameFilter::new("A.B");
        assert!(f.filter(&rec("A.B")));
        assert!(f.filter(&rec("A.B.C")));
        assert!(!f.filter(&rec("A.BB")));
        assert!(!f.filter(&rec("A")));
        assert!(!f.filter(&rec("B.A.B")));
        let all = NameFilter::new("");
        assert!(all.filter(&rec("anything")));
    }

    #[test]
    fn callback_filter() {
        let f = CallbackFilter::new("no_x", |r: &LogRecord<'_>| !r.message.contains('x'));
        assert!(f.filter(&rec("a")));
        let mut r = rec("a");
        r.message = "x".into();
        assert!(!f.filter(&r));
        assert_eq!(f.describe(), "CallbackFilter(no_x)");
    }
}

//! A bounded string interner, so that records copied for a queue can borrow logger
//! and thread names instead of allocating them.
//!
//! Python never frees a logger: `logging.getLogger(name)` keeps it for the life of
//! the process. Logger names interned here live as long, and so do thread names. The
//! table is capped ([`MAX_BYTES`]): past it, [`intern`] says no and callers copy, so
//! a program that makes unbounded numbers of names (a logger per request id, a
//! thread per connection) costs an allocation per copy, never unbounded memory.

use std::collections::HashSet;
use std::sync::Mutex;

/// How many bytes of names the interner keeps at most.
pub(crate) const MAX_BYTES: usize = 1 << 20;

struct Table {
    names: HashSet<&'static str>,
    bytes: usize,
}

static TABLE: Mutex<Option<Table>> = Mutex::new(None);

/// `s` as a `'static` string shared by every caller, or `None` once the table is
/// full.
pub(crate) fn intern(s: &str) -> Option<&'static str> {
    let mut guard = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    let table = guard.get_or_insert_with(|| Table {
        names: HashSet::new(),
        bytes: 0,
    });
    if let Some(&found) = table.names.get(s) {
        return Some(found);
    }
    if table.bytes + s.len() > MAX_BYTES {
        return None;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    table.bytes += s.len();
    table.names.insert(leaked);
    Some(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_pointer() {
        let a = intern("app.db.pool").unwrap();
        let b = intern(&String::from("app.db.pool")).unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "app.db.pool");
    }
}

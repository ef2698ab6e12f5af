//! Installing a built configuration into a [`Manager`], as `dictConfig` would
//! leave the tree, in one step.
//!
//! Everything happens inside [`Manager::transaction`]: a record logged on another
//! thread meanwhile sees the old tree or the new one, never a mixture. The steps
//! and their order are Python's:
//!
//! 1. each configured logger, in the order written: level (if given), handlers
//!    replaced, filters added (Python keeps the filters a logger already has),
//!    `disabled = False`, `propagate` (if given);
//! 2. every other logger that existed before: an existing descendant of a
//!    configured logger is reset (level `NOTSET`, no handlers, `propagate` on);
//!    any other is disabled, or re-enabled, per `disable_existing_loggers`;
//! 3. the root, when the configuration has a non-empty `root`;
//! 4. the configured handlers (found by name by incremental configurations)
//!    replaced.
//!
//! Then, outside the transaction, every handler of the previous configuration is
//! flushed and closed, newest first, so that a memory handler flushes into its
//! target before the target closes. Python closes them *before* building the new
//! configuration, which loses the old configuration when the new one is refused;
//! logtree builds and checks first, swaps, then closes. Records still reaching an
//! old handler (one left on a logger the new configuration does not name) meet a
//! closed handler, as in Python: a file handler in mode `a` reopens, one in mode
//! `w` drops them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use logtree_core::{HandlerCell, Level, LoggerEntry, Manager};

use crate::build::{LoggerSpec, Prepared};
use crate::convert::py_repr;
use crate::error::{ConfigError, ErrorKind, KeyPath};

fn configure_logger(manager: &Manager, spec: &LoggerSpec, is_root: bool) {
    let logger = manager.get_logger(&spec.name);
    if let Some(level) = spec.level {
        logger.set_level(level);
    }
    logger.clear_handlers();
    for h in &spec.handlers {
        logger.add_handler(h.clone());
    }
    for f in &spec.filters {
        logger.add_filter(f.clone());
    }
    if !is_root {
        logger.set_disabled(false);
        if let Some(p) = spec.propagate {
            logger.set_propagate(p);
        }
    }
}

/// Installs `p`; returns the handlers of the previous configuration, to close.
pub(crate) fn install(
    manager: &Manager,
    p: &Prepared,
) -> Result<Vec<Arc<HandlerCell>>, ConfigError> {
    if p.incremental {
        return install_incremental(manager, p).map(|()| Vec::new());
    }
    Ok(manager.transaction(|| {
        let old = manager.all_handlers();
        let entries = manager.entries();
        let mut kinds: HashMap<String, Option<Arc<logtree_core::Logger>>> = HashMap::new();
        let mut existing: Vec<String> = Vec::with_capacity(entries.len());
        for e in entries {
            existing.push(e.name().to_owned());
            let logger = match e {
                LoggerEntry::Logger(l) => Some(l),
                LoggerEntry::Placeholder(_) => None,
            };
            kinds.insert(existing.last().cloned().unwrap_or_default(), logger);
        }
        // `entries` is sorted by name, as Python sorts `existing`.
        let mut children: HashSet<String> = HashSet::new();
        for spec in &p.loggers {
            if let Ok(i) = existing.binary_search(&spec.name) {
                let prefixed = format!("{}.", spec.name);
                for e in &existing[i + 1..] {
                    if e.starts_with(&prefixed) {
                        children.insert(e.clone());
                    }
                }
                existing.remove(i);
            }
            configure_logger(manager, spec, false);
        }
        for name in &existing {
            let Some(Some(logger)) = kinds.get(name) else {
                continue;
            };
            if children.contains(name) {
                logger.set_level(Level::NOTSET);
                logger.clear_handlers();
                logger.set_propagate(true);
            } else {
                logger.set_disabled(p.disable_existing);
            }
        }
        if let Some(root) = &p.root {
            configure_logger(manager, root, true);
        }
        manager.replace_configured_handlers(p.handlers.clone());
        old
    }))
}

fn install_incremental(manager: &Manager, p: &Prepared) -> Result<(), ConfigError> {
    manager.transaction(|| {
        let mut found = Vec::with_capacity(p.handler_levels.len());
        let mut errors = Vec::new();
        for (name, level) in &p.handler_levels {
            match manager.handler_by_name(name) {
                Some(h) => found.push((h, *level)),
                None => errors.push(ConfigError::new(
                    ErrorKind::Reference,
                    &KeyPath::of(&["handlers", name]),
                    format!("No handler found with name {}", py_repr(name)),
                )),
            }
        }
        if let Some(e) = ConfigError::join(errors) {
            return Err(e);
        }
        for (h, level) in found {
            if let Some(l) = level {
                h.set_level(l);
            }
        }
        for spec in &p.loggers {
            let logger = manager.get_logger(&spec.name);
            if let Some(l) = spec.level {
                logger.set_level(l);
            }
            logger.set_disabled(false);
            if let Some(prop) = spec.propagate {
                logger.set_propagate(prop);
            }
        }
        if let Some(root) = &p.root {
            if let Some(l) = root.level {
                manager.root().set_level(l);
            }
        }
        Ok(())
    })
}

/// Flushes and closes the handlers of a replaced configuration, newest first.
pub(crate) fn close_old(old: Vec<Arc<HandlerCell>>) {
    for h in old {
        h.flush();
        h.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::LoggerSpec;

    fn spec(name: &str, level: Option<Level>) -> LoggerSpec {
        LoggerSpec {
            name: name.to_owned(),
            level,
            propagate: None,
            handlers: Vec::new(),
            filters: Vec::new(),
        }
    }

    fn prepared(loggers: Vec<LoggerSpec>, disable_existing: bool) -> Prepared {
        Prepared {
            incremental: false,
            disable_existing,
            handlers: Vec::new(),
            loggers,
            root: None,
            handler_levels: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn python_order_for_existing_loggers() {
        let m = Manager::new();
        // "a.b.c" exists (so "a" and "a.b" are placeholders); "ab" is a sibling name.
        let abc = m.get_logger("a.b.c");
        abc.set_level(Level::ERROR);
        abc.set_propagate(false);
        let ab_sibling = m.get_logger("ab");
        install(&m, &prepared(vec![spec("a", Some(Level::INFO))], true)).unwrap();
        // A descendant of a configured logger is reset, and stays enabled.
        assert_eq!(abc.level(), Level::NOTSET);
        assert!(abc.propagate());
        assert!(!abc.disabled());
        assert_eq!(abc.effective_level(), Level::INFO);
        // "ab" is not a child of "a": disabled.
        assert!(ab_sibling.disabled());
        // The placeholder "a.b" became nothing by itself; "a" is a logger now.
        assert_eq!(m.get_logger("a").level(), Level::INFO);
    }

    #[test]
    fn configured_handlers_are_replaced_and_the_old_returned() {
        let m = Manager::new();
        let old = logtree_core::HandlerCell::builder(logtree_core::NullHandler)
            .name("old")
            .build();
        m.replace_configured_handlers(vec![old.clone()]);
        m.root().add_handler(old.clone());
        let new = logtree_core::HandlerCell::builder(logtree_core::NullHandler)
            .name("new")
            .build();
        let mut p = prepared(Vec::new(), true);
        p.handlers = vec![new.clone()];
        let returned = install(&m, &p).unwrap();
        assert_eq!(returned.len(), 1);
        assert!(Arc::ptr_eq(&returned[0], &old));
        assert!(Arc::ptr_eq(&m.configured_handlers()[0], &new));
        // No `root` in the configuration: the root keeps its (old) handler, as in Python.
        assert!(Arc::ptr_eq(&m.root().handlers()[0], &old));
    }
}

//! Django's `RequireDebugFalse` and `RequireDebugTrue` filters.
//!
//! Both read `settings.debug` for every record (an atomic load), so flipping it at
//! runtime ([`Settings::set_debug`]) takes effect at once, as it does in Django.
//! The usual setup puts `RequireDebugFalse` on the admin e-mail handler: no mail
//! while developing.

use std::sync::Arc;

use logtree_core::{Filter, LogRecord};

use crate::settings::Settings;

/// Passes records only when `debug` is false.
///
/// ```
/// use std::sync::Arc;
/// use logtree_core::{Filter, Level, LogRecord};
/// use logtree_django::{RequireDebugFalse, Settings};
/// let s = Arc::new(Settings::builder().build().unwrap());
/// let f = RequireDebugFalse::new(s.clone());
/// let r = LogRecord::new("a", Level::ERROR, "x");
/// assert!(f.filter(&r));
/// s.set_debug(true);
/// assert!(!f.filter(&r));
/// ```
#[derive(Clone, Debug)]
pub struct RequireDebugFalse {
    settings: Arc<Settings>,
}

impl RequireDebugFalse {
    /// A filter reading `settings`.
    pub fn new(settings: Arc<Settings>) -> RequireDebugFalse {
        RequireDebugFalse { settings }
    }
}

impl Filter for RequireDebugFalse {
    fn filter(&self, _: &LogRecord<'_>) -> bool {
        !self.settings.debug()
    }

    fn describe(&self) -> String {
        "RequireDebugFalse".to_owned()
    }
}

/// Passes records only when `debug` is true.
///
/// ```
/// use std::sync::Arc;
/// use logtree_core::{Filter, Level, LogRecord};
/// use logtree_django::{RequireDebugTrue, Settings};
/// let s = Arc::new(Settings::builder().debug(true).build().unwrap());
/// assert!(RequireDebugTrue::new(s).filter(&LogRecord::new("a", Level::INFO, "x")));
/// ```
#[derive(Clone, Debug)]
pub struct RequireDebugTrue {
    settings: Arc<Settings>,
}

impl RequireDebugTrue {
    /// A filter reading `settings`.
    pub fn new(settings: Arc<Settings>) -> RequireDebugTrue {
        RequireDebugTrue { settings }
    }
}

impl Filter for RequireDebugTrue {
    fn filter(&self, _: &LogRecord<'_>) -> bool {
        self.settings.debug()
    }

    fn describe(&self) -> String {
        "RequireDebugTrue".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::Level;

    #[test]
    fn opposite_and_live() {
        let s = Arc::new(Settings::builder().build().unwrap());
        let t = RequireDebugTrue::new(s.clone());
        let f = RequireDebugFalse::new(s.clone());
        let r = LogRecord::new("a", Level::INFO, "x");
        for debug in [false, true, false] {
            s.set_debug(debug);
            assert_eq!(t.filter(&r), debug);
            assert_eq!(f.filter(&r), !debug);
        }
    }
}

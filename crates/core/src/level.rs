//! Levels: Python's integers and names, with custom levels.
//!
//! A [`Level`] is a plain number, as in Python: `NOTSET 0`, `DEBUG 10`, `INFO 20`,
//! `WARNING 30`, `ERROR 40`, `CRITICAL 50`, and any other value an application
//! chooses. Names live in one process-wide table ([`add_level_name`]); a number
//! without a name is shown as `Level N`, exactly as `logging.getLevelName` does.
//!
//! `log::Level::Trace` has no Python counterpart. It maps to [`Level::TRACE`] (5), so
//! that `trace!` records sort below DEBUG and a logger at DEBUG drops them. Like
//! Python, the core gives 5 no name (`Level 5`); installing the `log` bridge names
//! it `TRACE`, as a Python program calling `logging.addLevelName(5, "TRACE")` at
//! startup would.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use parking_lot::RwLock;

/// A logging level: a number, higher is more severe.
///
/// ```
/// use logtree_core::Level;
/// assert_eq!(Level::WARNING.name(), "WARNING");
/// assert_eq!(Level::new(25).name(), "Level 25");
/// assert!(Level::ERROR > Level::INFO);
/// ```
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Level(u32);

impl Level {
    /// `NOTSET` (0): on a logger, "inherit from my parent"; on a handler, "everything".
    pub const NOTSET: Level = Level(0);
    /// 5: where `log::Level::Trace` records land. Not a Python level: named `TRACE`
    /// once the `log` bridge is installed.
    pub const TRACE: Level = Level(5);
    /// `DEBUG` (10).
    pub const DEBUG: Level = Level(10);
    /// `INFO` (20).
    pub const INFO: Level = Level(20);
    /// `WARNING` (30).
    pub const WARNING: Level = Level(30);
    /// `ERROR` (40).
    pub const ERROR: Level = Level(40);
    /// `CRITICAL` (50).
    pub const CRITICAL: Level = Level(50);

    /// A level with this number.
    pub const fn new(value: u32) -> Level {
        Level(value)
    }

    /// The level's number.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The level's name: a standard name, one given by [`add_level_name`], or
    /// `Level N` (Python's `getLevelName`).
    ///
    /// Allocation-free for the standard levels.
    // Inlined, with the table lookup out of line: formatters call this for every
    // record (callgrind, a `%(levelname)s` format: 13 instructions fewer per record).
    #[inline]
    pub fn name(self) -> Cow<'static, str> {
        match self.static_name() {
            Some(s) => Cow::Borrowed(s),
            None => self.registered_name(),
        }
    }

    /// The name without building a `Cow`: `Some` for the six standard levels while
    /// none of them was renamed with [`add_level_name`], `None` otherwise (then ask
    /// [`name`](Level::name)). One table load and one atomic load; the formatters'
    /// `%(levelname)s` uses it (callgrind, `benches/compare` format scenario: 1,978
    /// -> 1,966 instructions a record with this and the table below).
    ///
    /// ```
    /// use logtree_core::Level;
    /// assert_eq!(Level::WARNING.static_name(), Some("WARNING"));
    /// assert_eq!(Level::new(25).static_name(), None);
    /// ```
    #[inline]
    pub fn static_name(self) -> Option<&'static str> {
        let s = self.standard_name()?;
        if CUSTOM_RENAMED.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        Some(s)
    }

    #[cold]
    fn registered_name(self) -> Cow<'static, str> {
        let table = NAMES.read();
        match table.by_level.get(&self.0) {
            Some(name) => Cow::Owned(name.clone()),
            None => Cow::Owned(format!("Level {}", self.0)),
        }
    }

    #[inline]
    fn standard_name(self) -> Option<&'static str> {
        // A table indexed by the level: one bounds check and one load, where the
        // `match` compiled to a 51-way jump table and a string per arm.
        const TABLE: [Option<&str>; 51] = {
            let mut t = [None; 51];
            t[0] = Some("NOTSET");
            t[10] = Some("DEBUG");
            t[20] = Some("INFO");
            t[30] = Some("WARNING");
            t[40] = Some("ERROR");
            t[50] = Some("CRITICAL");
            t
        };
        match TABLE.get(self.0 as usize) {
            Some(s) => *s,
            None => None,
        }
    }

    /// Looks a level up by its registered name, case-sensitively, as Python's
    /// `_checkLevel` does: `"INFO"`, `"WARN"`, `"FATAL"` and names given by
    /// [`add_level_name`] are known; `"info"` and `"20"` are not.
    pub fn from_name(name: &str) -> Option<Level> {
        NAMES.read().by_name.get(name).copied().map(Level)
    }
}

impl fmt::Debug for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Level({}, {})", self.0, self.name())
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl From<u32> for Level {
    fn from(value: u32) -> Level {
        Level(value)
    }
}

struct Names {
    by_level: HashMap<u32, String>,
    by_name: HashMap<String, u32>,
}

/// Set once any standard level has been renamed, so that [`Level::name`] stops
/// taking the allocation-free path for standard levels.
static CUSTOM_RENAMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

static NAMES: LazyLock<RwLock<Names>> = LazyLock::new(|| {
    let mut by_level = HashMap::new();
    let mut by_name = HashMap::new();
    for (v, n) in [
        (0, "NOTSET"),
        (10, "DEBUG"),
        (20, "INFO"),
        (30, "WARNING"),
        (40, "ERROR"),
        (50, "CRITICAL"),
    ] {
        by_level.insert(v, n.to_owned());
        by_name.insert(n.to_owned(), v);
    }
    // Python's aliases: known as names, never shown.
    by_name.insert("WARN".to_owned(), 30);
    by_name.insert("FATAL".to_owned(), 50);
    RwLock::new(Names { by_level, by_name })
});

/// Gives `level` a name, as Python's `logging.addLevelName`: records at that level
/// show it as `levelname`, and configurations may name the level by it.
///
/// ```
/// use logtree_core::{add_level_name, Level};
/// add_level_name(Level::new(25), "NOTICE");
/// assert_eq!(Level::new(25).name(), "NOTICE");
/// assert_eq!(Level::from_name("NOTICE"), Some(Level::new(25)));
/// ```
pub fn add_level_name(level: Level, name: &str) {
    let mut table = NAMES.write();
    if level.standard_name().is_some_and(|s| s != name) {
        CUSTOM_RENAMED.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    table.by_level.insert(level.0, name.to_owned());
    table.by_name.insert(name.to_owned(), level.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_names_and_numbers() {
        assert_eq!(Level::DEBUG.name(), "DEBUG");
        assert_eq!(Level::CRITICAL.value(), 50);
        assert_eq!(Level::from_name("WARN"), Some(Level::WARNING));
        assert_eq!(Level::from_name("FATAL"), Some(Level::CRITICAL));
        assert_eq!(Level::from_name("info"), None);
        assert_eq!(Level::from_name("20"), None);
        assert_eq!(Level::new(33).name(), "Level 33");
        assert_eq!(
            Level::from_name("TRACE"),
            None,
            "named only by the log bridge"
        );
        // The aliases are never shown.
        assert_eq!(Level::WARNING.name(), "WARNING");
    }

    #[test]
    fn custom_names() {
        add_level_name(Level::new(27), "AUDIT");
        assert_eq!(Level::new(27).name(), "AUDIT");
        assert_eq!(Level::from_name("AUDIT"), Some(Level::new(27)));
        assert_eq!(format!("{}", Level::new(27)), "AUDIT");
    }
}

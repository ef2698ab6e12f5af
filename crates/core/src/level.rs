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
use std::sync::atomic::{AtomicPtr, Ordering};
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

    /// The name without building a `Cow`: `Some` for a level of 0 to 50 whose
    /// name is ASCII and at most [`InlineName::MAX`] bytes (the six standard
    /// levels, and those named or renamed by [`add_level_name`]), `None`
    /// otherwise (then ask
    /// [`name`](Level::name)). A lookup in the current name table
    /// ([`inline_name`](Level::inline_name)).
    ///
    /// ```
    /// use logtree_core::Level;
    /// assert_eq!(Level::WARNING.static_name(), Some("WARNING"));
    /// assert_eq!(Level::new(25).static_name(), None);
    /// ```
    #[inline]
    pub fn static_name(self) -> Option<&'static str> {
        self.inline_name().map(InlineName::as_str)
    }

    /// The name as stored in the current name table, 16 bytes a formatter may
    /// copy whole: `Some` where [`static_name`](Level::static_name) is.
    ///
    /// ```
    /// use logtree_core::Level;
    /// let n = Level::INFO.inline_name().unwrap();
    /// assert_eq!((n.as_str(), n.len()), ("INFO", 4));
    /// assert_eq!(&n.bytes()[..4], b"INFO");
    /// assert!(Level::new(51).inline_name().is_none());
    /// ```
    // An atomic pointer to an immutable table that `add_level_name` replaces:
    // a load, a bounds check, and a test of the entry's length (callgrind,
    // `benches/compare`, with the formatter's 16-byte copy of the name: the
    // `format` scenario 1,824 -> 1,807 instructions a call, `file` 1,842 ->
    // 1,825, against a table of the standard names behind a bit test and a
    // "renamed" flag).
    #[inline]
    pub fn inline_name(self) -> Option<&'static InlineName> {
        // SAFETY: `NAME_TABLE` always points to a table that is never freed
        // nor written again: `STANDARD_NAMES`, or one leaked by
        // `add_level_name` and published with `Release` after it was filled
        // (this `Acquire` load sees it filled).
        let table: &'static [InlineName; TABLE_LEN] =
            unsafe { &*NAME_TABLE.load(Ordering::Acquire) };
        let name = table.get(self.0 as usize)?;
        if name.len_byte() > InlineName::MAX as u8 {
            return None;
        }
        Some(name)
    }

    #[cold]
    fn registered_name(self) -> Cow<'static, str> {
        let table = NAMES.read();
        match table.by_level.get(&self.0) {
            Some(name) => Cow::Owned(name.clone()),
            None => Cow::Owned(format!("Level {}", self.0)),
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

/// A level's name inline: ASCII, at most [`MAX`](InlineName::MAX) bytes,
/// zero padded, with its length in the last byte. A formatter copies all 16
/// bytes with one store and advances by [`len`](InlineName::len); and, the
/// name being ASCII, its length is also its width in characters (padding it
/// needs no count of them).
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct InlineName {
    /// The name's bytes (ASCII), zeros, and in `bytes[MAX]` the
    /// length, or [`InlineName::ABSENT`]'s marker above `MAX`: no name here.
    bytes: [u8; 16],
}

impl InlineName {
    /// The longest name kept inline, in bytes.
    pub const MAX: usize = 15;

    /// A table entry for a level without an inline name.
    const ABSENT: InlineName = {
        let mut bytes = [0u8; 16];
        bytes[InlineName::MAX] = u8::MAX;
        InlineName { bytes }
    };

    /// `name` inline, if it fits and is ASCII.
    const fn new(name: &str) -> Option<InlineName> {
        let src = name.as_bytes();
        if src.len() > InlineName::MAX || !src.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 16];
        let mut i = 0;
        while i < src.len() {
            bytes[i] = src[i];
            i += 1;
        }
        // At most `MAX`: fits a `u8`.
        bytes[InlineName::MAX] = src.len() as u8;
        Some(InlineName { bytes })
    }

    #[inline(always)]
    fn len_byte(&self) -> u8 {
        self.bytes[InlineName::MAX]
    }

    /// The 16 bytes: the name in the first [`len`](InlineName::len), then
    /// bytes of no meaning.
    #[inline(always)]
    pub fn bytes(&self) -> [u8; 16] {
        self.bytes
    }

    /// The name's length in bytes (and characters: it is ASCII), at most
    /// [`MAX`](InlineName::MAX).
    #[inline(always)]
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        // At most `MAX`: only entries with a length are handed out
        // (`Level::inline_name`), and no other `InlineName` leaves this
        // module. (Clamping it cost 4 instructions a record, callgrind, the
        // `format` scenario.)
        usize::from(self.len_byte())
    }

    /// The name.
    #[inline]
    pub fn as_str(&self) -> &str {
        // Checked: `ABSENT`'s length byte is out of range (a panic, were it
        // ever asked; it is not handed out).
        let bytes = &self.bytes[..self.len()];
        // SAFETY: made by `new` from a whole `str` of `len()` bytes.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

impl fmt::Debug for InlineName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len_byte() > InlineName::MAX as u8 {
            return f.write_str("ABSENT");
        }
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The levels the name table covers: 0 to 50.
const TABLE_LEN: usize = 51;

/// Python's six standard levels and their names.
const STANDARD: [(usize, &str); 6] = [
    (0, "NOTSET"),
    (10, "DEBUG"),
    (20, "INFO"),
    (30, "WARNING"),
    (40, "ERROR"),
    (50, "CRITICAL"),
];

/// The name table as the process starts: the six standard names.
static STANDARD_NAMES: [InlineName; TABLE_LEN] = {
    let mut t = [InlineName::ABSENT; TABLE_LEN];
    let mut i = 0;
    while i < STANDARD.len() {
        let (level, name) = STANDARD[i];
        t[level] = match InlineName::new(name) {
            Some(n) => n,
            None => panic!("a standard name is short"),
        };
        i += 1;
    }
    t
};

/// The current name table, read by [`Level::inline_name`] without a lock.
/// Tables are never written once published, nor freed: [`add_level_name`]
/// publishes a changed copy, and leaks the one it replaces (a reader may still
/// hold it). That is one table (816 bytes) per call that changes the name of
/// a level of 0 to 50, which programs do a handful of times at startup.
static NAME_TABLE: AtomicPtr<[InlineName; TABLE_LEN]> =
    AtomicPtr::new(&STANDARD_NAMES as *const [InlineName; TABLE_LEN] as *mut _);

static NAMES: LazyLock<RwLock<Names>> = LazyLock::new(|| {
    let mut by_level = HashMap::new();
    let mut by_name = HashMap::new();
    for (v, n) in STANDARD {
        let v = v as u32;
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
///
/// A standard level may be renamed, as in Python; records show the new name:
///
/// ```
/// use logtree_core::{add_level_name, Level};
/// add_level_name(Level::WARNING, "WARN");
/// assert_eq!(Level::WARNING.name(), "WARN");
/// assert_eq!(Level::WARNING.static_name(), Some("WARN"));
/// assert_eq!(Level::WARNING.inline_name().map(|n| n.len()), Some(4));
/// // A name too long to keep inline is still shown, through `name`.
/// add_level_name(Level::ERROR, "ERROR (see the operations manual)");
/// assert_eq!(Level::ERROR.static_name(), None);
/// assert_eq!(Level::ERROR.name(), "ERROR (see the operations manual)");
/// add_level_name(Level::ERROR, "ERROR");
/// assert_eq!(Level::ERROR.static_name(), Some("ERROR"));
/// assert_eq!(Level::INFO.static_name(), Some("INFO"));
/// ```
pub fn add_level_name(level: Level, name: &str) {
    let mut table = NAMES.write();
    if let Some(i) = usize::try_from(level.0).ok().filter(|&i| i < TABLE_LEN) {
        let entry = InlineName::new(name).unwrap_or(InlineName::ABSENT);
        // The write lock above is held: no other writer publishes meanwhile.
        // SAFETY: as in `Level::inline_name`.
        let current: &'static [InlineName; TABLE_LEN] =
            unsafe { &*NAME_TABLE.load(Ordering::Acquire) };
        if current[i] != entry {
            let mut next = Box::new(*current);
            next[i] = entry;
            // Filled before it is published (`Release`, paired with the
            // readers' `Acquire`); never written again nor freed.
            NAME_TABLE.store(Box::leak(next), Ordering::Release);
        }
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

    /// Every level of the table and around it: `inline_name`, `static_name`
    /// and `name` agree, and the 16 bytes start with the name.
    fn check_agrees(level: Level) {
        let name = level.name();
        match level.inline_name() {
            Some(n) => {
                assert_eq!(n.as_str(), name, "{}", level.0);
                assert!(name.is_ascii());
                assert_eq!(n.len(), name.len());
                assert_eq!(&n.bytes()[..n.len()], name.as_bytes());
                assert_eq!(level.static_name(), Some(&*name));
                assert!(matches!(name, Cow::Borrowed(_)));
            }
            None => {
                assert_eq!(level.static_name(), None);
                assert!(
                    level.0 as usize >= TABLE_LEN
                        || name.len() > InlineName::MAX
                        || !name.is_ascii()
                        || name == format!("Level {}", level.0),
                    "{}",
                    level.0
                );
            }
        }
    }

    #[test]
    fn the_table_agrees_with_the_names() {
        // Levels no other test here names.
        add_level_name(Level::new(41), "ABOVE ERROR");
        add_level_name(Level::new(42), "fifteen bytes!!");
        add_level_name(Level::new(43), "sixteen bytes!!!");
        add_level_name(Level::new(44), "é日本");
        add_level_name(Level::new(45), "");
        add_level_name(Level::new(51), "FIFTY-ONE");
        add_level_name(Level::new(u32::MAX), "MAX");
        // (46 is renamed by another test meanwhile.)
        for v in (0..=60)
            .filter(|&v| v != 46)
            .chain([u32::MAX - 1, u32::MAX])
        {
            check_agrees(Level::new(v));
        }
        assert_eq!(Level::new(42).static_name(), Some("fifteen bytes!!"));
        assert_eq!(Level::new(43).static_name(), None);
        assert_eq!(Level::new(43).name(), "sixteen bytes!!!");
        // Not ASCII: not inline.
        assert_eq!(Level::new(44).static_name(), None);
        assert_eq!(Level::new(44).name(), "é日本");
        assert_eq!(Level::new(45).static_name(), Some(""));
        assert_eq!(Level::new(45).name(), "");
        assert_eq!(Level::new(51).static_name(), None);
        assert_eq!(Level::new(51).name(), "FIFTY-ONE");
        assert_eq!(Level::new(u32::MAX).name(), "MAX");
        // Renamed: too long, then short again.
        add_level_name(Level::new(41), "x".repeat(16).as_str());
        assert_eq!(Level::new(41).static_name(), None);
        assert_eq!(Level::new(41).name(), "x".repeat(16));
        add_level_name(Level::new(41), "AUDIT2");
        assert_eq!(Level::new(41).static_name(), Some("AUDIT2"));
        check_agrees(Level::new(41));
    }

    /// Readers never see a torn or stale-after-publish name while another
    /// thread renames a level (the table is replaced, not written).
    #[test]
    fn renaming_while_reading() {
        let level = Level::new(46);
        let names = [
            "FIRST",
            "SECOND NAME",
            "THIRD-15-BYTES!",
            "a much longer name than fits",
        ];
        add_level_name(level, names[0]);
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        let n = level.name();
                        assert!(names.contains(&&*n), "{n:?}");
                        if let Some(n) = level.inline_name() {
                            assert!(names.contains(&n.as_str()), "{n:?}");
                        }
                    }
                });
            }
            for round in 0..2000 {
                let name = names[round % names.len()];
                add_level_name(level, name);
                // Published before `add_level_name` returns.
                assert_eq!(level.name(), name);
            }
            stop.store(true, Ordering::Relaxed);
        });
    }

    #[test]
    fn custom_names() {
        add_level_name(Level::new(27), "AUDIT");
        assert_eq!(Level::new(27).name(), "AUDIT");
        assert_eq!(Level::from_name("AUDIT"), Some(Level::new(27)));
        assert_eq!(format!("{}", Level::new(27)), "AUDIT");
    }
}

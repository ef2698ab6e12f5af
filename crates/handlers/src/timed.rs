//! [`TimedRotatingFileHandler`]: Python's
//! `logging.handlers.TimedRotatingFileHandler`, rotating at times.
//!
//! A line-by-line port of CPython 3.11's `computeRollover`, `shouldRollover`,
//! `doRollover` and `getFilesToDelete`: the same suffixes (`%Y-%m-%d_%H-%M-%S`,
//! `%Y-%m-%d_%H-%M`, `%Y-%m-%d_%H`, `%Y-%m-%d`), the file named for the *start* of
//! the interval that ends, the same daylight-saving corrections (local time comes
//! from the C library's `localtime_r`, like Python's `time.localtime`), `at_time` for
//! `midnight` and `W0`–`W6`, and deletion of the oldest matching files beyond
//! `backup_count`. Like Python, the decision uses the current time, not the
//! record's `created`; the clock can be replaced ([`TimedRotatingFileHandlerBuilder::clock`])
//! so tests need not sleep.
//!
//! The rollover time is an integer compared once per record (no system call); the
//! clock is read per record (`SystemTime::now`, a vDSO call).

use std::any::Any;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use logtree_core::{Handler, LogRecord};

use crate::common::{common_setters, open_error, Common};
use crate::error::Error;
use crate::rotate::{hook_setters, remove, with_suffix, Hooks};
use crate::sink::{FileCore, State, Watch};

const MIDNIGHT: i64 = 24 * 60 * 60;

/// When to roll over: Python's `when`.
///
/// ```
/// use logtree_handlers::When;
/// assert_eq!("midnight".parse::<When>().unwrap(), When::Midnight);
/// assert_eq!("W6".parse::<When>().unwrap(), When::Weekday(6));
/// assert_eq!("W7".parse::<When>().unwrap_err().to_string(), "Invalid day specified for weekly rollover: W7");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// `S`: every `interval` seconds.
    Seconds,
    /// `M`: every `interval` minutes.
    Minutes,
    /// `H`: every `interval` hours (Python's default).
    Hours,
    /// `D`: every `interval` days.
    Days,
    /// `midnight` (or `at_time`), every `interval` days.
    Midnight,
    /// `W0`–`W6`: on that weekday (0 is Monday) at midnight (or `at_time`).
    Weekday(u8),
}

impl FromStr for When {
    type Err = Error;

    /// Python's spellings, in any case: `S`, `M`, `H`, `D`, `MIDNIGHT`, `W0`–`W6`,
    /// with Python's error messages.
    fn from_str(s: &str) -> Result<When, Error> {
        let u = s.to_uppercase();
        Ok(match u.as_str() {
            "S" => When::Seconds,
            "M" => When::Minutes,
            "H" => When::Hours,
            "D" => When::Days,
            "MIDNIGHT" => When::Midnight,
            w if w.starts_with('W') => {
                if w.chars().count() != 2 {
                    return Err(Error::invalid(format!(
                        "You must specify a day for weekly rollover from 0 to 6 (0 is Monday): {u}"
                    )));
                }
                let d = w.as_bytes()[1];
                if !(b'0'..=b'6').contains(&d) {
                    return Err(Error::invalid(format!(
                        "Invalid day specified for weekly rollover: {u}"
                    )));
                }
                When::Weekday(d - b'0')
            }
            _ => {
                return Err(Error::invalid(format!(
                    "Invalid rollover interval specified: {u}"
                )))
            }
        })
    }
}

impl When {
    fn unit(self) -> i64 {
        match self {
            When::Seconds => 1,
            When::Minutes => 60,
            When::Hours => 3600,
            When::Days | When::Midnight => MIDNIGHT,
            When::Weekday(_) => 7 * MIDNIGHT,
        }
    }

    fn suffix_kind(self) -> Suffix {
        match self {
            When::Seconds => Suffix::Seconds,
            When::Minutes => Suffix::Minutes,
            When::Hours => Suffix::Hours,
            _ => Suffix::Days,
        }
    }

    fn at_day_boundary(self) -> bool {
        matches!(self, When::Midnight | When::Weekday(_))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Suffix {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl Suffix {
    /// `time.strftime(self.suffix, tt)`.
    fn format(self, t: &Tm) -> String {
        let day = format!("{:04}-{:02}-{:02}", t.year, t.month, t.day);
        match self {
            Suffix::Seconds => format!("{day}_{:02}-{:02}-{:02}", t.hour, t.minute, t.second),
            Suffix::Minutes => format!("{day}_{:02}-{:02}", t.hour, t.minute),
            Suffix::Hours => format!("{day}_{:02}", t.hour),
            Suffix::Days => day,
        }
    }

    /// `self.extMatch.match(part)`: the digit pattern of the suffix (the regex's
    /// optional `(\.\w+)?` can never match inside a part split on dots).
    fn matches(self, part: &str) -> bool {
        let pattern: &[u8] = match self {
            Suffix::Seconds => b"dddd-dd-dd_dd-dd-dd",
            Suffix::Minutes => b"dddd-dd-dd_dd-dd",
            Suffix::Hours => b"dddd-dd-dd_dd",
            Suffix::Days => b"dddd-dd-dd",
        };
        // `$` also matches before a final newline.
        let part = part.strip_suffix('\n').unwrap_or(part).as_bytes();
        part.len() == pattern.len()
            && part.iter().zip(pattern).all(|(c, p)| {
                if *p == b'd' {
                    c.is_ascii_digit()
                } else {
                    c == p
                }
            })
    }
}

/// Broken-down time, as Python's `time.struct_time` (weekday 0 is Monday).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tm {
    year: i32,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    wday: i64,
    isdst: bool,
}

fn broken_down(t: i64, utc: bool) -> Tm {
    // SAFETY: `tm` is plain data, fully written by `*_r` on success.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let tt = t as libc::time_t;
    let ok = unsafe {
        if utc {
            !libc::gmtime_r(&tt, &mut tm).is_null()
        } else {
            !libc::localtime_r(&tt, &mut tm).is_null()
        }
    };
    if !ok {
        return Tm {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            wday: 3,
            isdst: false,
        };
    }
    Tm {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour.into(),
        minute: tm.tm_min.into(),
        second: tm.tm_sec.into(),
        wday: i64::from((tm.tm_wday + 6) % 7),
        isdst: tm.tm_isdst > 0,
    }
}

extern "C" {
    fn tzset();
}

/// Python's `atTime`: hour, minute, second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AtTime {
    hour: u32,
    minute: u32,
    second: u32,
}

impl AtTime {
    /// A time of day; `None` unless `hour < 24`, `minute < 60` and `second < 60`.
    pub fn new(hour: u32, minute: u32, second: u32) -> Option<AtTime> {
        (hour < 24 && minute < 60 && second < 60).then_some(AtTime {
            hour,
            minute,
            second,
        })
    }

    fn seconds(self) -> i64 {
        i64::from((self.hour * 60 + self.minute) * 60 + self.second)
    }
}

/// The time source: whole seconds since the Unix epoch (Python's
/// `int(time.time())`).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The rollover schedule: everything of Python's handler except the file.
#[derive(Clone, Copy, Debug)]
struct Schedule {
    when: When,
    interval: i64,
    utc: bool,
    at_time: Option<AtTime>,
}

impl Schedule {
    /// Python's `computeRollover`.
    fn compute_rollover(&self, current: i64) -> i64 {
        let mut result = current + self.interval;
        if self.when.at_day_boundary() {
            let t = broken_down(current, self.utc);
            let mut current_day = t.wday;
            let rotate_ts = self.at_time.map_or(MIDNIGHT, AtTime::seconds);
            let mut r = rotate_ts - ((t.hour * 60 + t.minute) * 60 + t.second);
            if r < 0 {
                r += MIDNIGHT;
                current_day = (current_day + 1) % 7;
            }
            result = current + r;
            if let When::Weekday(dow) = self.when {
                let dow = i64::from(dow);
                let day = current_day;
                if day != dow {
                    let days_to_wait = if day < dow {
                        dow - day
                    } else {
                        6 - day + dow + 1
                    };
                    let mut new_rollover_at = result + days_to_wait * MIDNIGHT;
                    if !self.utc {
                        let dst_now = t.isdst;
                        let dst_at_rollover = broken_down(new_rollover_at, false).isdst;
                        if dst_now != dst_at_rollover {
                            new_rollover_at += if !dst_now { -3600 } else { 3600 };
                        }
                    }
                    result = new_rollover_at;
                }
            }
        }
        result
    }

    /// The rollover after a rollover at `current` (the end of Python's
    /// `doRollover`).
    fn next_after_rollover(&self, current: i64) -> i64 {
        let dst_now = broken_down(current, false).isdst;
        let mut new_rollover_at = self.compute_rollover(current);
        while new_rollover_at <= current {
            new_rollover_at += self.interval;
        }
        if self.when.at_day_boundary() && !self.utc {
            let dst_at_rollover = broken_down(new_rollover_at, false).isdst;
            if dst_now != dst_at_rollover {
                new_rollover_at += if !dst_now { -3600 } else { 3600 };
            }
        }
        new_rollover_at
    }

    /// The suffix naming the interval that ends at `rollover_at` (Python's
    /// `doRollover`, with its daylight-saving correction).
    fn suffix_for(&self, rollover_at: i64, current: i64) -> String {
        let t = rollover_at - self.interval;
        let tt = if self.utc {
            broken_down(t, true)
        } else {
            let dst_now = broken_down(current, false).isdst;
            let then = broken_down(t, false);
            if dst_now != then.isdst {
                broken_down(t + if dst_now { 3600 } else { -3600 }, false)
            } else {
                then
            }
        };
        self.when.suffix_kind().format(&tt)
    }
}

/// Writes records to a file, rotating it at times.
///
/// ```
/// use std::sync::atomic::{AtomicI64, Ordering};
/// use std::sync::Arc;
/// use logtree_core::{HandlerCell, Level, LogRecord};
/// use logtree_handlers::{TimedRotatingFileHandler, When};
/// let dir = tempfile::tempdir().unwrap();
/// let now = Arc::new(AtomicI64::new(1_700_000_000)); // 2023-11-14 22:13:20 UTC
/// let clock = now.clone();
/// let h = TimedRotatingFileHandler::builder(dir.path().join("app.log"))
///     .when(When::Hours)
///     .utc(true)
///     .clock(move || clock.load(Ordering::Relaxed))
///     .build()
///     .unwrap();
/// let cell = HandlerCell::builder(h).build();
/// cell.handle(&LogRecord::new("app", Level::INFO, "first hour"));
/// now.fetch_add(3600, Ordering::Relaxed);
/// cell.handle(&LogRecord::new("app", Level::INFO, "second hour"));
/// cell.close();
/// let old = dir.path().join("app.log.2023-11-14_22");
/// assert_eq!(std::fs::read_to_string(old).unwrap(), "first hour\n");
/// ```
pub struct TimedRotatingFileHandler {
    core: Arc<FileCore>,
    terminator: String,
    schedule: Schedule,
    backup_count: u32,
    hooks: Hooks,
    clock: Clock,
    rollover_at: AtomicI64,
}

impl fmt::Debug for TimedRotatingFileHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimedRotatingFileHandler")
            .field("path", &self.core.path())
            .field("schedule", &self.schedule)
            .field("backup_count", &self.backup_count)
            .field("rollover_at", &self.rollover_at)
            .finish()
    }
}

/// Builds a [`TimedRotatingFileHandler`].
///
/// | option | default | Python |
/// | --- | --- | --- |
/// | path | (required) relative to the current directory at `build` | `filename` |
/// | `when` | [`When::Hours`] | `when='h'` |
/// | `interval` | 1 (must be at least 1) | `interval=1` |
/// | `backup_count` | 0 (keep every file) | `backupCount=0` |
/// | `utc` | `false` (local time) | `utc=False` |
/// | `at_time` | none (midnight) | `atTime=None` |
/// | `encoding`, `errors`, `delay`, `terminator` | as [`crate::FileHandler`]; mode is always `'a'` | same |
/// | `flush_policy` | [`crate::FlushPolicy::buffered`] | every record |
/// | `namer`, `rotator` | none | `namer`, `rotator` |
/// | `clock` | the system clock, in whole seconds | `time.time()` |
/// | `check_interval`, `reopen_delay` | 1 s, 1 s | none |
#[must_use]
pub struct TimedRotatingFileHandlerBuilder {
    common: Common,
    when: When,
    interval: u32,
    backup_count: u32,
    utc: bool,
    at_time: Option<AtTime>,
    hooks: Hooks,
    clock: Clock,
}

impl fmt::Debug for TimedRotatingFileHandlerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimedRotatingFileHandlerBuilder")
            .field("path", &self.common.path)
            .field("when", &self.when)
            .field("interval", &self.interval)
            .finish()
    }
}

impl TimedRotatingFileHandler {
    /// A builder for a handler writing to `path`.
    pub fn builder(path: impl Into<PathBuf>) -> TimedRotatingFileHandlerBuilder {
        TimedRotatingFileHandlerBuilder {
            common: Common::new(path.into()),
            when: When::Hours,
            interval: 1,
            backup_count: 0,
            utc: false,
            at_time: None,
            hooks: Hooks::default(),
            clock: Arc::new(system_clock),
        }
    }

    /// The absolute path of the current file.
    pub fn path(&self) -> &Path {
        self.core.path()
    }

    /// The next rollover time, in seconds since the epoch (Python's `rolloverAt`).
    pub fn rollover_at(&self) -> i64 {
        self.rollover_at.load(Ordering::Relaxed)
    }

    /// Python's `doRollover`, with the lock held.
    fn roll_over(&self, st: &mut State, rollover_at: i64) -> io::Result<()> {
        self.core.close_file(st)?;
        let current = (self.clock)();
        let base = self.core.path();
        let dfn = self.hooks.name(with_suffix(
            base,
            &format!(".{}", self.schedule.suffix_for(rollover_at, current)),
        ));
        let mut result = Ok(());
        if dfn.exists() {
            result = remove(&dfn);
        }
        if result.is_ok() {
            result = self.hooks.rotate(base, &dfn);
        }
        if result.is_ok() && self.backup_count > 0 {
            for s in self.files_to_delete() {
                if let Err(e) = remove(&s) {
                    result = Err(e);
                }
            }
        }
        self.rollover_at.store(
            self.schedule.next_after_rollover(current),
            Ordering::Relaxed,
        );
        self.core.open_now(st)?;
        result
    }

    /// Python's `getFilesToDelete`.
    fn files_to_delete(&self) -> Vec<PathBuf> {
        let base = self.core.path();
        let (Some(dir), Some(base_name)) =
            (base.parent(), base.file_name().and_then(|n| n.to_str()))
        else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        // os.path.splitext: the extension starts at the last dot not leading the name.
        let stem_len = match base_name.rfind('.') {
            Some(i) if base_name[..i].chars().any(|c| c != '.') => i,
            _ => base_name.len(),
        };
        let n = &base_name[..stem_len];
        let e = &base_name[stem_len..];
        let prefix = format!("{n}.");
        let plen = prefix.chars().count();
        let suffix_kind = self.schedule.when.suffix_kind();
        let mut result = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(file_name) = name.to_str() else {
                continue;
            };
            if self.hooks.namer.is_none() {
                if !file_name.starts_with(base_name) {
                    continue;
                }
            } else if !file_name.starts_with(base_name)
                && file_name.ends_with(e)
                && file_name.chars().count() > plen + 1
                && !file_name
                    .chars()
                    .nth(plen + 1)
                    .is_some_and(char::is_numeric)
            {
                continue;
            }
            if file_name.starts_with(&prefix) {
                let suffix = &file_name[prefix.len()..];
                if suffix.split('.').any(|part| suffix_kind.matches(part)) {
                    result.push(dir.join(file_name));
                }
            }
        }
        let keep = self.backup_count as usize;
        if result.len() < keep {
            return Vec::new();
        }
        result.sort();
        result.truncate(result.len() - keep);
        result
    }
}

impl TimedRotatingFileHandlerBuilder {
    /// Python's `when`.
    pub fn when(mut self, when: When) -> Self {
        self.when = when;
        self
    }

    /// Python's `interval`: how many `when` units between rollovers.
    pub fn interval(mut self, interval: u32) -> Self {
        self.interval = interval;
        self
    }

    /// How many rotated files to keep; older ones are deleted at rollover.
    pub fn backup_count(mut self, count: u32) -> Self {
        self.backup_count = count;
        self
    }

    /// Use UTC instead of local time for the rollover times and suffixes.
    pub fn utc(mut self, utc: bool) -> Self {
        self.utc = utc;
        self
    }

    /// Python's `atTime`: the time of day of `midnight` and weekly rollovers.
    pub fn at_time(mut self, at: AtTime) -> Self {
        self.at_time = Some(at);
        self
    }

    /// The time source (tests use a fake one).
    pub fn clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    common_setters!();
    hook_setters!();

    /// The handler; creates the file unless `delay`.
    pub fn build(mut self) -> Result<TimedRotatingFileHandler, Error> {
        if self.interval == 0 {
            return Err(Error::invalid(
                "invalid rollover interval 0: must be at least 1",
            ));
        }
        // SAFETY: tzset only (re)reads TZ into the C library's time zone state.
        unsafe { tzset() };
        self.common.mode = crate::Mode::Append;
        let opts = self.common.options(
            Watch::Unlinked,
            Duration::from_secs(1),
            "TimedRotatingFileHandler",
            false,
            true,
        )?;
        let path = opts.path.clone();
        // Python takes the mtime of the file after opening it; a file this call
        // creates has "now" as its mtime, which we read from the clock instead.
        let existing_mtime = std::fs::metadata(&path)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        let core = FileCore::new(opts, self.common.delay).map_err(|e| open_error(&path, e))?;
        let schedule = Schedule {
            when: self.when,
            interval: self.when.unit() * i64::from(self.interval),
            utc: self.utc,
            at_time: self.at_time,
        };
        let start = existing_mtime.unwrap_or_else(|| (self.clock)());
        Ok(TimedRotatingFileHandler {
            core,
            terminator: self.common.terminator,
            rollover_at: AtomicI64::new(schedule.compute_rollover(start)),
            schedule,
            backup_count: self.backup_count,
            hooks: self.hooks,
            clock: self.clock,
        })
    }
}

impl Handler for TimedRotatingFileHandler {
    fn emit(&self, record: &LogRecord<'_>, text: &str) -> io::Result<()> {
        let mut st = self.core.lock();
        self.core.ensure_open(&mut st)?;
        let mut rotation = Ok(());
        let t = (self.clock)();
        let at = self.rollover_at.load(Ordering::Relaxed);
        if t >= at {
            if st.is_regular() {
                rotation = self.roll_over(&mut st, at);
            } else {
                self.rollover_at
                    .store(self.schedule.compute_rollover(t), Ordering::Relaxed);
            }
        }
        if st.is_open() {
            self.core
                .push(&mut st, record.level, text, &self.terminator)?;
        }
        rotation
    }
    fn flush(&self) -> io::Result<()> {
        self.core.flush()
    }
    fn close(&self) -> io::Result<()> {
        self.core.close()
    }
    fn class_name(&self) -> &'static str {
        "TimedRotatingFileHandler"
    }
    fn describe(&self) -> String {
        self.core.describe("TimedRotatingFileHandler")
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::Level;
    use std::process::Command;

    /// Recorded from CPython 3.11 by `tests/data/gen_timed_oracle.py`.
    const ORACLE: &str = include_str!("../tests/data/timed_oracle.txt");

    fn check_zone(zone: &str) -> usize {
        let mut n = 0;
        for line in ORACLE
            .lines()
            .filter(|l| l.starts_with(&format!("{zone} ")))
        {
            let f: Vec<&str> = line.split(' ').collect();
            let when: When = f[1].parse().unwrap();
            let interval: i64 = f[2].parse().unwrap();
            let at_time = (f[4] != "-").then(|| {
                let p: Vec<u32> = f[4].split(':').map(|x| x.parse().unwrap()).collect();
                AtTime::new(p[0], p[1], p[2]).unwrap()
            });
            let s = Schedule {
                when,
                interval: when.unit() * interval,
                utc: f[3] == "1",
                at_time,
            };
            let num = |i: usize| f[i].parse::<i64>().unwrap();
            let (start, rollover, current, next) = (num(5), num(6), num(7), num(9));
            assert_eq!(
                s.compute_rollover(start),
                rollover,
                "computeRollover: {line}"
            );
            assert_eq!(s.suffix_for(rollover, current), f[8], "suffix: {line}");
            assert_eq!(
                s.next_after_rollover(current),
                next,
                "next rolloverAt: {line}"
            );
            n += 1;
        }
        n
    }

    /// Runs in a child process with `TZ` set (see the test below).
    #[test]
    #[ignore = "run by schedule_matches_cpython_in_three_zones in a child process"]
    fn oracle_child() {
        let Ok(zone) = std::env::var("LOGTREE_ORACLE_ZONE") else {
            return;
        };
        unsafe { tzset() };
        let n = check_zone(&zone);
        assert!(n > 1000, "only {n} lines for {zone}");
        println!("oracle checked {n} lines");
    }

    #[test]
    fn schedule_matches_cpython_in_three_zones() {
        for zone in ["UTC", "America/New_York", "Australia/Sydney"] {
            if zone != "UTC" && !Path::new("/usr/share/zoneinfo").join(zone).exists() {
                eprintln!("no time zone data for {zone}: skipped");
                continue;
            }
            let out = Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "timed::tests::oracle_child",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("TZ", zone)
                .env("LOGTREE_ORACLE_ZONE", zone)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{zone}: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                stdout.contains("oracle checked"),
                "{zone}: the child ran nothing: {stdout}"
            );
        }
    }

    #[test]
    fn when_parsing_errors_are_pythons() {
        assert_eq!(
            "W".parse::<When>().unwrap_err().to_string(),
            "You must specify a day for weekly rollover from 0 to 6 (0 is Monday): W"
        );
        assert_eq!(
            "x".parse::<When>().unwrap_err().to_string(),
            "Invalid rollover interval specified: X"
        );
        assert_eq!("h".parse::<When>().unwrap(), When::Hours);
        assert!(AtTime::new(24, 0, 0).is_none());
        let e = TimedRotatingFileHandler::builder("x.log")
            .delay(true)
            .interval(0)
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid rollover interval 0: must be at least 1"
        );
    }

    /// The expected files were recorded by running the same scenario through
    /// CPython 3.11 (time.time patched, the file's mtime set with os.utime).
    #[test]
    fn rollover_names_and_deletion_match_cpython() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let base = d.join("app.log");
        std::fs::write(&base, "old\n").unwrap();
        let f = std::fs::File::options().write(true).open(&base).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
            .unwrap();
        drop(f);
        for n in [
            "app.log.2023-11-14_22-10",
            "app.log.2023-11-14_22-11.gz",
            "app.log.bak",
            "app.log.2023-11-14_22",
            "other.2023-11-14_22-09",
        ] {
            std::fs::write(d.join(n), format!("{n}\n")).unwrap();
        }
        let now = Arc::new(AtomicI64::new(0));
        let clock = now.clone();
        let h = TimedRotatingFileHandler::builder(&base)
            .when(When::Minutes)
            .backup_count(2)
            .utc(true)
            .clock(move || clock.load(Ordering::Relaxed))
            .build()
            .unwrap();
        assert_eq!(h.rollover_at(), 1_700_000_060);
        for dt in [0, 30, 40, 100, 200, 260, 400] {
            now.store(1_700_000_000 + dt, Ordering::Relaxed);
            let msg = format!("t+{dt}");
            h.emit(&LogRecord::new("t", Level::INFO, msg.as_str()), &msg)
                .unwrap();
        }
        h.close().unwrap();
        let mut files: Vec<(String, String)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().into_string().unwrap(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        let expected = [
            ("app.log", "t+400\n"),
            ("app.log.2023-11-14_22", "app.log.2023-11-14_22\n"),
            ("app.log.2023-11-14_22-16", "t+200\n"),
            ("app.log.2023-11-14_22-17", "t+260\n"),
            ("app.log.bak", "app.log.bak\n"),
            ("other.2023-11-14_22-09", "other.2023-11-14_22-09\n"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(files, expected);
    }
}

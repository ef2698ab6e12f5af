//! `asctime`: Python's `Formatter.formatTime`, with the formatted second cached.
//!
//! Python formats the time from scratch for every record: `time.strftime` of the
//! broken-down time, then, with no `datefmt`, `default_msec_format % (s, msecs)`.
//! Everything but the milliseconds depends only on the whole second, and records
//! come in bursts within a second, so the text for the last few seconds seen is
//! kept per thread (a small table keyed by formatter and second; no lock, no
//! atomic): a record in the same second as an earlier one costs a table probe, a
//! copy and three digits.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::{broken_down, floor_seconds};
use crate::printf::{self, Args, Conv, End, Item, Num};
use crate::strftime::strftime;
use crate::value::{msecs, Val};

/// Python's `Formatter.default_time_format`.
pub const DEFAULT_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// Python's `Formatter.default_msec_format`.
pub const DEFAULT_MSEC_FORMAT: &str = "%s,%03d";

/// How `default_msec_format` is applied.
#[derive(Clone, Debug)]
enum Msec {
    /// `default_msec_format` is empty (Python's `None`): no milliseconds.
    None,
    /// `%s<sep>%03d`: the text, a separator, three digits.
    Fast(Box<str>),
    /// Any other `%` format, applied to `(text, msecs)`.
    General(Vec<Item>),
}

/// A formatter's time settings, compiled.
#[derive(Clone, Debug)]
pub(crate) struct TimeFormat {
    id: u64,
    datefmt: Option<String>,
    utc: bool,
    default_time_format: String,
    msec: Msec,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl TimeFormat {
    pub(crate) fn new(
        datefmt: Option<&str>,
        utc: bool,
        default_time_format: &str,
        default_msec_format: &str,
    ) -> TimeFormat {
        let msec = if default_msec_format.is_empty() {
            Msec::None
        } else {
            let items = printf::parse(default_msec_format);
            match fast_msec(&items) {
                Some(sep) => Msec::Fast(sep),
                None => Msec::General(items),
            }
        };
        TimeFormat {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            datefmt: datefmt.filter(|d| !d.is_empty()).map(str::to_owned),
            utc,
            default_time_format: default_time_format.to_owned(),
            msec,
        }
    }

    /// Appends `formatTime(record)` for a record created at `created`.
    pub(crate) fn write(&self, created: f64, out: &mut String) -> Result<(), String> {
        let secs = floor_seconds(created)?;
        let start = out.len();
        CACHE.with(|cache| match cache.try_borrow_mut() {
            Ok(mut cache) => {
                if let Some(text) = cache.get(self.id, secs) {
                    out.push_str(text);
                    return Ok(());
                }
                // Refill this formatter's slot, reusing its buffer.
                let slot = cache.slot(self.id);
                slot.0 = 0;
                slot.2.clear();
                self.strftime(secs, &mut slot.2)?;
                slot.0 = self.id;
                slot.1 = secs;
                out.push_str(&slot.2);
                Ok(())
            }
            Err(_) => self.strftime(secs, out),
        })?;
        if self.datefmt.is_some() {
            return Ok(());
        }
        match &self.msec {
            Msec::None => Ok(()),
            Msec::Fast(sep) => {
                let ms = msecs(created);
                if (0.0..1000.0).contains(&ms) {
                    let ms = ms as u32;
                    if let [b] = sep.as_bytes() {
                        out.push(char::from(*b));
                    } else {
                        out.push_str(sep);
                    }
                    push_u64_padded3(out, ms);
                    Ok(())
                } else {
                    let items = printf::parse(&format!("%s{sep}%03d"));
                    self.general(&items, start, created, out)
                }
            }
            Msec::General(items) => self.general(items, start, created, out),
        }
    }

    fn general(
        &self,
        items: &[Item],
        start: usize,
        created: f64,
        out: &mut String,
    ) -> Result<(), String> {
        let text = out.split_off(start);
        let args = [Val::Str(text.into()), Val::Float(msecs(created))];
        printf::run(items, &Args::Tuple(&args), out).map_err(|e| match e {
            printf::RunError::Missing(k) => k,
            printf::RunError::Other(m) => m,
        })
    }

    fn strftime(&self, secs: i64, out: &mut String) -> Result<(), String> {
        let fmt = self.datefmt.as_deref().unwrap_or(&self.default_time_format);
        if fmt.contains('\0') {
            return Err("embedded null character".to_owned());
        }
        let tm = broken_down(secs, self.utc)?;
        strftime(fmt, &tm, out);
        Ok(())
    }
}

fn push_u64_padded3(out: &mut String, ms: u32) {
    out.push(char::from(b'0' + (ms / 100) as u8));
    out.push(char::from(b'0' + (ms / 10 % 10) as u8));
    out.push(char::from(b'0' + (ms % 10) as u8));
}

/// `%s<literal>%03d` with no other conversions: the separator.
fn fast_msec(items: &[Item]) -> Option<Box<str>> {
    let plain = |c: &Conv, ty: char, flags: u8, width: Num| {
        c.key.is_none()
            && c.flags == flags
            && c.width == width
            && c.precision == Num::None
            && matches!(c.end, End::Convert(t, _) if t == ty)
    };
    match items {
        [Item::Conv(a), Item::Literal(sep), Item::Conv(b)]
            if plain(a, 's', 0, Num::None) && plain(b, 'd', 16, Num::Value(3)) =>
        {
            Some(sep.clone())
        }
        _ => None,
    }
}

/// The per-thread table of recently formatted seconds.
struct Cache {
    entries: [(u64, i64, String); 4],
    next: usize,
    /// The entry that answered last: tried first.
    last: usize,
}

impl Cache {
    fn get(&mut self, id: u64, secs: i64) -> Option<&str> {
        let last = &self.entries[self.last];
        if last.0 == id && last.1 == secs {
            return Some(&self.entries[self.last].2);
        }
        let i = self
            .entries
            .iter()
            .position(|(i, s, _)| *i == id && *s == secs)?;
        self.last = i;
        Some(&self.entries[i].2)
    }

    /// The entry to (re)fill for formatter `id`: its own if it has one, so that
    /// one formatter does not evict the others as its seconds go by.
    fn slot(&mut self, id: u64) -> &mut (u64, i64, String) {
        let slot = match self.entries.iter().position(|(i, _, _)| *i == id) {
            Some(p) => p,
            None => {
                let p = self.next;
                self.next = (self.next + 1) % self.entries.len();
                p
            }
        };
        self.last = slot;
        &mut self.entries[slot]
    }
}

thread_local! {
    static CACHE: RefCell<Cache> = const {
        RefCell::new(Cache {
            entries: [(0, 0, String::new()), (0, 0, String::new()), (0, 0, String::new()), (0, 0, String::new())],
            next: 0,
            last: 0,
        })
    };
}

/// Python's `Formatter.formatTime` for a record created at `created` (seconds
/// since the epoch), appended to `out`: `datefmt` through `time.strftime` when it
/// is given and not empty, otherwise `default_time_format` followed by
/// `default_msec_format % (text, msecs)` (nothing when that is empty). `utc`
/// selects `time.gmtime` instead of local time.
///
/// A failure Python would raise (a NUL in the format, a time out of range, a
/// `default_msec_format` that does not take two arguments) appends nothing; see
/// [`try_format_time`].
///
/// ```
/// let mut s = String::new();
/// logtree_format::format_time(1_700_000_000.125, None, true, "%Y-%m-%d %H:%M:%S", "%s,%03d", &mut s);
/// assert_eq!(s, "2023-11-14 22:13:20,125");
/// ```
pub fn format_time(
    created: f64,
    datefmt: Option<&str>,
    utc: bool,
    default_time_format: &str,
    default_msec_format: &str,
    out: &mut String,
) {
    let start = out.len();
    if try_format_time(
        created,
        datefmt,
        utc,
        default_time_format,
        default_msec_format,
        out,
    )
    .is_err()
    {
        out.truncate(start);
    }
}

/// [`format_time`], reporting Python's error instead of appending nothing.
///
/// ```
/// let mut s = String::new();
/// let err = logtree_format::try_format_time(0.0, Some("a\0b"), true, "", "", &mut s).unwrap_err();
/// assert_eq!(err.to_string(), "embedded null character");
/// ```
pub fn try_format_time(
    created: f64,
    datefmt: Option<&str>,
    utc: bool,
    default_time_format: &str,
    default_msec_format: &str,
    out: &mut String,
) -> Result<(), logtree_core::FormatError> {
    let start = out.len();
    let tf = TimeFormat::new(datefmt, utc, default_time_format, default_msec_format);
    tf.write(created, out).map_err(|e| {
        out.truncate(start);
        logtree_core::FormatError::new(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(created: f64, datefmt: Option<&str>, dtf: &str, dmf: &str) -> String {
        let mut s = String::new();
        format_time(created, datefmt, true, dtf, dmf, &mut s);
        s
    }

    #[test]
    fn python_defaults_and_variants() {
        assert_eq!(
            t(
                1_709_251_199.999_023_4,
                None,
                DEFAULT_TIME_FORMAT,
                DEFAULT_MSEC_FORMAT
            ),
            "2024-02-29 23:59:59,999"
        );
        assert_eq!(
            t(
                1_700_000_000.5,
                Some(""),
                DEFAULT_TIME_FORMAT,
                DEFAULT_MSEC_FORMAT
            ),
            "2023-11-14 22:13:20,500"
        );
        assert_eq!(
            t(
                1_700_000_000.5,
                Some("%H:%M:%S.%f"),
                DEFAULT_TIME_FORMAT,
                DEFAULT_MSEC_FORMAT
            ),
            "22:13:20.%f"
        );
        assert_eq!(
            t(1_700_000_000.5, None, "%d/%b/%Y %H:%M:%S", ""),
            "14/Nov/2023 22:13:20"
        );
        assert_eq!(
            t(1_700_000_000.062_5, None, "%H:%M:%S", "%s.%06.2f"),
            "22:13:20.062.00"
        );
        assert_eq!(
            t(1_700_000_000.062_5, None, "%H:%M:%S", "%s"),
            "",
            "not all arguments converted"
        );
        assert_eq!(
            t(-0.5, None, DEFAULT_TIME_FORMAT, DEFAULT_MSEC_FORMAT),
            "1969-12-31 23:59:59,-500"
        );
    }

    #[test]
    fn cached_seconds_are_reused_per_formatter() {
        let a = TimeFormat::new(None, true, DEFAULT_TIME_FORMAT, DEFAULT_MSEC_FORMAT);
        let b = TimeFormat::new(Some("%H"), true, DEFAULT_TIME_FORMAT, DEFAULT_MSEC_FORMAT);
        let mut s = String::new();
        for created in [1_700_000_000.125, 1_700_000_000.5, 1_700_000_001.0] {
            a.write(created, &mut s).unwrap();
            s.push('|');
            b.write(created, &mut s).unwrap();
            s.push('|');
        }
        assert_eq!(
            s,
            "2023-11-14 22:13:20,125|22|2023-11-14 22:13:20,500|22|2023-11-14 22:13:21,000|22|"
        );
    }
}

//! `asctime`: Python's `Formatter.formatTime`, with the formatted second cached.
//!
//! Python formats the time from scratch for every record: `time.strftime` of the
//! broken-down time, then, with no `datefmt`, `default_msec_format % (s, msecs)`.
//! Everything but the milliseconds depends only on the whole second, and records
//! come in bursts within a second, so the text of a second is kept per thread
//! ([`time_cache`](crate::time_cache)); with the default `default_msec_format`
//! (`%s,%03d`, or any `%s<separator>%03d`) the kept text ends with the separator
//! and a record in a cached second costs a probe, a copy and three digits.
//!
//! A format may also fold the literal text after `asctime`, and the `msecs`
//! field after that, into its own [`TimeFormat`] ([`TimeFormat::followed_by`]):
//! `%(asctime)s.%(msecs)03d ` with a `datefmt` is then one cached text
//! (`2025-01-31 12:00:00.`), three digits and the space.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::{broken_down, floor_seconds};
use crate::printf::{self, Args, Conv, End, Item, Num};
use crate::stamp::Stamp;
use crate::strftime::strftime;
use crate::time_cache;
use crate::value::{msecs, Val};
use crate::write::{push_padded3, put_padded3_wide_at};

/// Python's `Formatter.default_time_format`.
pub const DEFAULT_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// The most bytes [`TimeFormat::put_cached`] and the fused time steps write:
/// a cached text, then three digits and a byte of no meaning
/// ([`put_padded3_wide_at`](crate::write::put_padded3_wide_at)).
pub(crate) const MAX_CACHED: usize = time_cache::INLINE + 4;

/// Python's `Formatter.default_msec_format`.
pub const DEFAULT_MSEC_FORMAT: &str = "%s,%03d";

/// What follows the `time.strftime` text.
#[derive(Clone, Debug, PartialEq)]
enum Tail {
    /// Literal text (kept with the cached text), then, if `ms3`, the milliseconds
    /// as `%03d`: with a `datefmt` or an empty `default_msec_format` (Python's
    /// `None`), nothing; with a `default_msec_format` of `%s<sep>%03d`, the
    /// separator and the digits.
    Text { suffix: Box<str>, ms3: bool },
    /// Any other `default_msec_format`, applied to `(text, msecs)`.
    General(Vec<Item>),
}

/// A formatter's time settings, compiled.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TimeFormat {
    /// The key of this format's texts in the per-thread cache; 0: not cached.
    id: u64,
    datefmt: Option<String>,
    utc: bool,
    default_time_format: String,
    tail: Tail,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl TimeFormat {
    pub(crate) fn new(
        datefmt: Option<&str>,
        utc: bool,
        default_time_format: &str,
        default_msec_format: &str,
    ) -> TimeFormat {
        let datefmt = datefmt.filter(|d| !d.is_empty()).map(str::to_owned);
        let tail = if datefmt.is_some() || default_msec_format.is_empty() {
            Tail::Text {
                suffix: "".into(),
                ms3: false,
            }
        } else {
            let items = printf::parse(default_msec_format);
            match fast_msec(&items) {
                Some(suffix) => Tail::Text { suffix, ms3: true },
                None => Tail::General(items),
            }
        };
        TimeFormat {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            datefmt,
            utc,
            default_time_format: default_time_format.to_owned(),
            tail,
        }
    }

    /// A time format used once: its text is not kept (it would only push the
    /// texts of long-lived formatters out of the cache).
    fn once(
        datefmt: Option<&str>,
        utc: bool,
        default_time_format: &str,
        default_msec_format: &str,
    ) -> TimeFormat {
        TimeFormat {
            id: 0,
            ..TimeFormat::new(datefmt, utc, default_time_format, default_msec_format)
        }
    }

    /// This format followed by the literal `text` and, if `msecs`, by
    /// `record.msecs` as `%03d` (which is also what `{msecs:03.0f}` writes), as
    /// a format of its own; `None` when this one ends with milliseconds or is not
    /// a plain `time.strftime`.
    pub(crate) fn followed_by(&self, text: &str, msecs: bool) -> Option<TimeFormat> {
        match &self.tail {
            Tail::Text { suffix, ms3: false } if suffix.is_empty() => Some(TimeFormat {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                tail: Tail::Text {
                    suffix: text.into(),
                    ms3: msecs,
                },
                ..self.clone()
            }),
            _ => None,
        }
    }

    /// The key of this format's texts in the per-thread cache ([`time_cache`]);
    /// 0 for a format used once, never for one of [`followed_by`](Self::followed_by).
    pub(crate) fn cache_id(&self) -> u64 {
        self.id
    }

    /// Appends `formatTime(record)` for a record created at `created`, whose
    /// [`Stamp`] is `stamp`. On error, what was appended is unspecified.
    #[inline]
    pub(crate) fn write(
        &self,
        created: f64,
        stamp: Option<Stamp>,
        out: &mut String,
    ) -> Result<(), String> {
        if let Some(s) = stamp {
            out.reserve(MAX_CACHED);
            // SAFETY: room for `MAX_CACHED` bytes, just reserved.
            if unsafe { self.put_cached(s, out) } {
                return Ok(());
            }
        }
        self.write_general(created, out)
    }

    /// The common case of [`write`](Self::write): the second is in the cache.
    /// Says whether it was. Appends at most [`MAX_CACHED`] bytes, without
    /// checking the capacity.
    ///
    /// # Safety
    /// `out` must have room for [`MAX_CACHED`] more bytes.
    #[inline(always)]
    pub(crate) unsafe fn put_cached(&self, s: Stamp, out: &mut String) -> bool {
        let len = out.len();
        // SAFETY: the caller's contract: `MAX_CACHED` bytes of spare capacity at
        // `len`; the first `n` written there are a whole `str` (`put_cached_at`).
        unsafe {
            let v = out.as_mut_vec();
            match self.put_cached_at(s, v.as_mut_ptr().add(len)) {
                Some(n) => {
                    v.set_len(len + n);
                    true
                }
                None => false,
            }
        }
    }

    /// [`put_cached`](Self::put_cached) writing at `dst`: the length of the
    /// text written if the second is in the cache (the first that many bytes
    /// at `dst` are then a whole `str`; up to [`MAX_CACHED`] bytes are written).
    ///
    /// # Safety
    /// `dst` must be valid for writing [`MAX_CACHED`] bytes.
    // Always inlined: as a call it cost 23 instructions more per record
    // (callgrind, the comparison layout: 456 -> 433).
    #[inline(always)]
    pub(crate) unsafe fn put_cached_at(&self, s: Stamp, dst: *mut u8) -> Option<usize> {
        let Tail::Text { ms3, .. } = self.tail else {
            return None;
        };
        // SAFETY: the caller's contract: `dst` takes `INLINE` bytes, then 4
        // more (`MAX_CACHED`); the text is at most `INLINE` bytes.
        unsafe {
            let n = time_cache::put_at(self.id, s.secs, dst)?;
            if ms3 {
                put_padded3_wide_at(dst.add(n), s.ms);
                Some(n + 3)
            } else {
                Some(n)
            }
        }
    }

    /// [`write`](Self::write) following Python's arithmetic literally, for any
    /// `created` and any `default_msec_format`; it fills the cache.
    #[cold]
    #[inline(never)]
    pub(crate) fn write_general(&self, created: f64, out: &mut String) -> Result<(), String> {
        let secs = floor_seconds(created)?;
        let start = out.len();
        self.second(secs, out)?;
        match &self.tail {
            Tail::Text { ms3: false, .. } => Ok(()),
            Tail::Text { ms3: true, .. } => {
                // The separator is there: `%03d` of the milliseconds follows.
                let ms = msecs(created);
                if (0.0..1000.0).contains(&ms) {
                    push_padded3(out, ms as u32);
                    Ok(())
                } else {
                    let items = printf::parse("%03d");
                    run(&items, &[Val::Float(ms)], out)
                }
            }
            Tail::General(items) => {
                let text = out.split_off(start);
                run(
                    items,
                    &[Val::Str(text.into()), Val::Float(msecs(created))],
                    out,
                )
            }
        }
    }

    /// Appends the text of second `secs` (with the suffix of [`Tail::Text`]).
    fn second(&self, secs: i64, out: &mut String) -> Result<(), String> {
        let fill = |s: &mut String| {
            self.strftime(secs, s)?;
            if let Tail::Text { suffix, .. } = &self.tail {
                s.push_str(suffix);
            }
            Ok(())
        };
        if self.id == 0 {
            return fill(out);
        }
        if time_cache::copy(self.id, secs, out) {
            return Ok(());
        }
        time_cache::fill(self.id, secs, out, fill)
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

fn run(items: &[Item], args: &[Val<'_>], out: &mut String) -> Result<(), String> {
    printf::run(items, &Args::Tuple(args), out).map_err(|e| match e {
        printf::RunError::Missing(k) => k,
        printf::RunError::Other(m) => m,
    })
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
            if plain(a, 's', 0, Num::None) && plain(b, 'd', printf::F_ZERO, Num::Value(3)) =>
        {
            Some(sep.clone())
        }
        _ => None,
    }
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
    let tf = TimeFormat::once(datefmt, utc, default_time_format, default_msec_format);
    tf.write_general(created, out).map_err(|e| {
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
        // Python: ('%s%%%03d' % ('...', -500.0)); the separator is a literal `%`.
        assert_eq!(
            t(-0.5, None, DEFAULT_TIME_FORMAT, "%s%%%03d"),
            "1969-12-31 23:59:59%-500"
        );
        assert_eq!(
            t(1_700_000_000.062_5, None, DEFAULT_TIME_FORMAT, "%s%%%03d"),
            "2023-11-14 22:13:20%062"
        );
        assert_eq!(
            t(f64::NAN, None, DEFAULT_TIME_FORMAT, DEFAULT_MSEC_FORMAT),
            ""
        );
    }

    #[test]
    fn cached_seconds_are_reused_per_formatter() {
        let a = TimeFormat::new(None, true, DEFAULT_TIME_FORMAT, DEFAULT_MSEC_FORMAT);
        let b = TimeFormat::new(Some("%H"), true, DEFAULT_TIME_FORMAT, DEFAULT_MSEC_FORMAT);
        let mut s = String::new();
        for created in [1_700_000_000.125, 1_700_000_000.5, 1_700_000_001.0] {
            a.write(created, Stamp::of(created), &mut s).unwrap();
            s.push('|');
            b.write(created, Stamp::of(created), &mut s).unwrap();
            s.push('|');
        }
        assert_eq!(
            s,
            "2023-11-14 22:13:20,125|22|2023-11-14 22:13:20,500|22|2023-11-14 22:13:21,000|22|"
        );
    }
}

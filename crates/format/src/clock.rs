//! From a record's `created` to a broken-down time: Python's `time.localtime`
//! (the formatter's default converter) or `time.gmtime` (`utc`).
//!
//! On Unix this calls the C library's `localtime_r` / `gmtime_r`, as CPython does,
//! so that time zone rules, daylight saving and the zone abbreviation for `%Z`
//! come from the same place (`TZ`, `/etc/localtime`) and agree with Python on the
//! same machine. Elsewhere chrono's local time is used, and `%Z` is empty.

use crate::strftime::Tm;

/// CPython's `_PyTime_ObjectToTime_t(created, ROUND_FLOOR)`.
pub(crate) fn floor_seconds(created: f64) -> Result<i64, String> {
    // Without SSE4.1, f64::floor is a libm call; a cast truncates exactly for
    // values this small (callgrind: 48 -> 9 instructions per record).
    if created.abs() < 4.5e15 {
        let t = created as i64;
        return Ok(if (t as f64) > created { t - 1 } else { t });
    }
    if created.is_nan() {
        return Err("Invalid value NaN (not a number)".to_owned());
    }
    let f = created.floor();
    // i64::MAX as f64 rounds up to 2**63, which does not fit.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        return Err("timestamp out of range for platform time_t".to_owned());
    }
    Ok(f as i64)
}

/// `time.localtime(secs)` or `time.gmtime(secs)`.
#[cfg(unix)]
pub(crate) fn broken_down(secs: i64, utc: bool) -> Result<Tm, String> {
    #[allow(clippy::useless_conversion)]
    let t: libc::time_t = secs
        .try_into()
        .map_err(|_| "timestamp out of range for platform time_t".to_owned())?;
    // SAFETY: `libc::tm` is plain data; all-zero is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; the *_r variants write only
    // to `tm` and are thread-safe.
    let r = unsafe {
        if utc {
            libc::gmtime_r(&t, &mut tm)
        } else {
            libc::localtime_r(&t, &mut tm)
        }
    };
    if r.is_null() {
        return Err("[Errno 75] Value too large for defined data type".to_owned());
    }
    let zone = if tm.tm_zone.is_null() {
        String::new()
    } else {
        // SAFETY: tm_zone points to a NUL-terminated string owned by the C
        // library's time zone data, valid for the life of the process.
        unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
            .to_string_lossy()
            .into_owned()
    };
    let epoch = if utc {
        // `%s` is `mktime` of the broken-down time, which reads it as local time.
        let mut copy = tm;
        // SAFETY: `copy` is a valid `tm`; mktime only reads and normalises it.
        let v = unsafe { libc::mktime(&mut copy) };
        #[allow(clippy::useless_conversion)]
        let v = i64::from(v);
        v
    } else {
        secs
    };
    Ok(Tm {
        sec: tm.tm_sec,
        min: tm.tm_min,
        hour: tm.tm_hour,
        mday: tm.tm_mday,
        mon: tm.tm_mon,
        year: tm.tm_year,
        wday: tm.tm_wday,
        yday: tm.tm_yday,
        isdst: tm.tm_isdst,
        #[allow(clippy::unnecessary_cast)]
        gmtoff: tm.tm_gmtoff as i64,
        zone,
        epoch,
    })
}

/// `time.localtime(secs)` or `time.gmtime(secs)` through chrono.
#[cfg(not(unix))]
pub(crate) fn broken_down(secs: i64, utc: bool) -> Result<Tm, String> {
    use chrono::{Datelike, Local, Offset, TimeZone, Timelike, Utc};
    let err = || "timestamp out of range for platform time_t".to_owned();
    let (naive, offset) = if utc {
        let dt = Utc.timestamp_opt(secs, 0).single().ok_or_else(err)?;
        (dt.naive_utc(), 0i64)
    } else {
        let dt = Local.timestamp_opt(secs, 0).single().ok_or_else(err)?;
        (
            dt.naive_local(),
            i64::from(dt.offset().fix().local_minus_utc()),
        )
    };
    Ok(Tm {
        sec: naive.second() as i32,
        min: naive.minute() as i32,
        hour: naive.hour() as i32,
        mday: naive.day() as i32,
        mon: naive.month0() as i32,
        year: naive.year() - 1900,
        wday: naive.weekday().num_days_from_sunday() as i32,
        yday: naive.ordinal0() as i32,
        isdst: 0,
        gmtoff: offset,
        zone: if utc { "GMT".to_owned() } else { String::new() },
        epoch: if utc { secs - offset } else { secs },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_range() {
        assert_eq!(floor_seconds(1.9), Ok(1));
        assert_eq!(floor_seconds(-0.5), Ok(-1));
        assert!(floor_seconds(f64::NAN).is_err());
        assert!(floor_seconds(1e300).is_err());
    }

    #[test]
    fn gmtime_fields() {
        let tm = broken_down(1_700_000_000, true).unwrap();
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec),
            (123, 10, 14, 22, 13, 20)
        );
        assert_eq!((tm.wday, tm.yday, tm.gmtoff), (2, 317, 0));
        let early = broken_down(-86_400 * 365 * 2000, true).unwrap();
        assert!(early.year < -1900 + 1);
    }
}

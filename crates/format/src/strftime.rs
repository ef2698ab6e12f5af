//! `time.strftime` as CPython 3.11 runs it on glibc, in the C locale.
//!
//! `datefmt` is user text, and Python hands it to the C library unchecked: unknown
//! directives (`%Q`, `%f`, `%:z`), a trailing lone `%`, GNU flags (`_ - 0 ^ #`),
//! field widths and the `E`/`O` modifiers all have a defined output there. chrono's
//! formatter panics or errors on several of these, so this module never uses it: it
//! is a re-implementation of glibc's `__strftime_internal` over a broken-down time
//! ([`Tm`]), directive by directive, including its quirks (padding applies to the
//! sign of `%z` separately, `%-10A` still pads, bad directives are copied back with
//! their flags). It also reproduces CPython's buffer loop: a result that does not
//! fit in the largest buffer Python tries (256 times the format's length, rounded
//! up to a power of two of at least 1024 bytes) comes out empty, and so does an
//! empty result.

/// A broken-down time (`struct tm`), with what `%s` and `%Z` need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tm {
    pub(crate) sec: i32,
    pub(crate) min: i32,
    pub(crate) hour: i32,
    pub(crate) mday: i32,
    /// 0 to 11.
    pub(crate) mon: i32,
    /// Years since 1900.
    pub(crate) year: i32,
    /// 0 (Sunday) to 6.
    pub(crate) wday: i32,
    /// 0 to 365.
    pub(crate) yday: i32,
    pub(crate) isdst: i32,
    pub(crate) gmtoff: i64,
    pub(crate) zone: String,
    /// What `mktime` gives for this time (`%s`).
    pub(crate) epoch: i64,
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The size of the largest buffer CPython 3.11's `time.strftime` tries for a
/// format of `fmt_bytes` bytes.
pub(crate) fn python_buffer_limit(fmt_bytes: usize) -> usize {
    let need = fmt_bytes.saturating_mul(256);
    let mut i: usize = 1024;
    while i < need {
        i = i.saturating_mul(2);
    }
    i
}

/// `time.strftime(fmt, tm)`, appended to `out`. The caller has rejected NUL.
pub(crate) fn strftime(fmt: &str, tm: &Tm, out: &mut String) {
    let limit = python_buffer_limit(fmt.len());
    let start = out.len();
    let mut w = Writer {
        out,
        start,
        limit,
        full: false,
    };
    let chars: Vec<char> = fmt.chars().collect();
    internal(&chars, tm, &mut w);
    let full = w.full;
    let len = out.len() - start;
    if full || len == 0 || len >= limit {
        out.truncate(start);
    }
}

/// Output with CPython's size limit: once the text reaches `limit` bytes the
/// result is discarded anyway, so writing stops.
struct Writer<'o> {
    out: &'o mut String,
    start: usize,
    limit: usize,
    full: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Keep,
    Upper,
    Lower,
}

impl Writer<'_> {
    fn room(&mut self, n: usize) -> bool {
        if self.full || self.out.len() - self.start + n >= self.limit {
            self.full = true;
            return false;
        }
        true
    }

    fn fill(&mut self, c: char, n: usize) {
        if self.room(n) {
            for _ in 0..n {
                self.out.push(c);
            }
        }
    }

    /// glibc's `add`/`cpy`: `text` (whose byte length counts `n`) padded on the
    /// left to `width` with zeros when `pad` is `0`, else spaces.
    fn add(&mut self, text: &str, n: usize, width: i64, pad: char, case: Case) {
        if width > n as i64 {
            let delta = (width - n as i64) as usize;
            self.fill(if pad == '0' { '0' } else { ' ' }, delta);
        }
        if !self.room(text.len()) {
            return;
        }
        match case {
            Case::Keep => self.out.push_str(text),
            Case::Upper => {
                for c in text.chars() {
                    self.out.push(c.to_ascii_uppercase());
                }
            }
            Case::Lower => {
                for c in text.chars() {
                    self.out.push(c.to_ascii_lowercase());
                }
            }
        }
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn iso_week_days(yday: i64, wday: i64) -> i64 {
    let big_enough_multiple_of_7 = (366 / 7 + 2) * 7;
    yday - (yday - wday + 4 + big_enough_multiple_of_7) % 7 + 4 - 1
}

/// The numeric directives' common tail (`do_number` and
/// `do_number_sign_and_padding`).
fn number(w: &mut Writer<'_>, value: i64, digits: i64, pad: char, mut width: i64) {
    let mut text = String::with_capacity(12);
    if value < 0 {
        text.push('-');
    }
    let _ = std::fmt::Write::write_fmt(&mut text, format_args!("{}", value.unsigned_abs()));
    let mut body: &str = &text;
    if pad != '-' {
        let padding = digits - text.len() as i64;
        if padding > 0 {
            if pad == '_' {
                w.fill(' ', padding as usize);
                width = if width > padding { width - padding } else { 0 };
            } else {
                if value < 0 {
                    body = &text[1..];
                    if w.room(1) {
                        w.out.push('-');
                    }
                }
                w.fill('0', padding as usize);
                width = 0;
            }
        }
    }
    w.add(body, body.len(), width, pad, Case::Keep);
}

fn internal(f: &[char], tm: &Tm, w: &mut Writer<'_>) {
    let hour12 = match tm.hour {
        h if h > 12 => h - 12,
        0 => 12,
        h => h,
    };
    let mut i = 0;
    while i < f.len() {
        if w.full {
            return;
        }
        if f[i] != '%' {
            let mut b = [0u8; 4];
            let s = f[i].encode_utf8(&mut b);
            w.add(s, s.len(), -1, '\0', Case::Keep);
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 1;
        let mut pad = '\0';
        let mut upper = false;
        let mut change_case = false;
        while let Some(&c) = f.get(j) {
            match c {
                '_' | '-' | '0' => pad = c,
                '^' => upper = true,
                '#' => change_case = true,
                _ => break,
            }
            j += 1;
        }
        let mut width: i64 = -1;
        if f.get(j).is_some_and(|c| c.is_ascii_digit()) {
            width = 0;
            while let Some(d) = f.get(j).and_then(|c| c.to_digit(10)) {
                let d = i64::from(d);
                width = if width > (i64::from(i32::MAX) - d) / 10 {
                    i64::from(i32::MAX)
                } else {
                    width * 10 + d
                };
                j += 1;
            }
        }
        let mut modifier = '\0';
        if let Some(&m @ ('E' | 'O')) = f.get(j) {
            modifier = m;
            j += 1;
        }
        let Some(&fc) = f.get(j) else {
            // A `%` directive cut short by the end of the format: copied as is.
            bad_format(f, start, j.saturating_sub(1), width, pad, upper, w);
            return;
        };
        let mut lower = false;
        let case = |upper: bool, lower: bool| {
            if lower {
                Case::Lower
            } else if upper {
                Case::Upper
            } else {
                Case::Keep
            }
        };
        let year = i64::from(tm.year) + 1900;
        macro_rules! num {
            ($d:expr, $v:expr) => {{
                let d: i64 = $d;
                number(w, $v, d.max(width), pad, width)
            }};
        }
        macro_rules! spacepad {
            ($d:expr, $v:expr) => {{
                if pad != '0' && pad != '-' {
                    pad = '_';
                }
                num!($d, $v)
            }};
        }
        macro_rules! bad {
            () => {
                bad_format(f, start, j, width, pad, upper, w)
            };
        }
        let sub = |s: &str| -> Vec<char> { s.chars().collect() };
        let subformat = |fmtsub: &str, w: &mut Writer<'_>, width: i64, pad: char, upper: bool| {
            let mut tmp = String::new();
            {
                let mut inner = Writer {
                    out: &mut tmp,
                    start: 0,
                    limit: w.limit,
                    full: false,
                };
                internal(&sub(fmtsub), tm, &mut inner);
                if inner.full {
                    w.full = true;
                    return;
                }
            }
            let before = w.out.len();
            w.add(&tmp, tmp.len(), width, pad, Case::Keep);
            if upper {
                let up = w.out[before..].to_ascii_uppercase();
                w.out.truncate(before);
                w.out.push_str(&up);
            }
        };
        match fc {
            '%' => {
                if modifier != '\0' {
                    bad_format(f, j, j, width, pad, upper, w);
                } else {
                    w.add("%", 1, width, pad, Case::Keep);
                }
            }
            'a' | 'A' => {
                if modifier != '\0' {
                    bad!();
                } else {
                    if change_case {
                        upper = true;
                    }
                    let name = DAYS.get(tm.wday as usize).copied().unwrap_or("?");
                    let name = if fc == 'a' {
                        name.get(..3).unwrap_or(name)
                    } else {
                        name
                    };
                    w.add(name, name.len(), width, pad, case(upper, lower));
                }
            }
            'b' | 'h' | 'B' => {
                if change_case {
                    upper = true;
                }
                if modifier == 'E' {
                    bad!();
                } else {
                    let name = MONTHS.get(tm.mon as usize).copied().unwrap_or("?");
                    let name = if fc == 'B' {
                        name
                    } else {
                        name.get(..3).unwrap_or(name)
                    };
                    w.add(name, name.len(), width, pad, case(upper, lower));
                }
            }
            'c' | 'x' | 'X' => {
                if modifier == 'O' {
                    bad!();
                } else {
                    let s = match fc {
                        'c' => "%a %b %e %H:%M:%S %Y",
                        'x' => "%m/%d/%y",
                        _ => "%H:%M:%S",
                    };
                    subformat(s, w, width, pad, upper);
                }
            }
            'D' | 'F' => {
                if modifier != '\0' {
                    bad!();
                } else {
                    subformat(
                        if fc == 'D' { "%m/%d/%y" } else { "%Y-%m-%d" },
                        w,
                        width,
                        pad,
                        upper,
                    );
                }
            }
            'R' => subformat("%H:%M", w, width, pad, upper),
            'r' => subformat("%I:%M:%S %p", w, width, pad, upper),
            'T' => subformat("%H:%M:%S", w, width, pad, upper),
            'C' => num!(1, year / 100 - i64::from(year % 100 < 0)),
            'd' | 'e' | 'H' | 'I' | 'k' | 'l' | 'j' | 'M' | 'm' | 'S' | 'U' | 'V' | 'g' | 'G'
            | 'W' | 'w'
                if modifier == 'E' =>
            {
                bad!()
            }
            'd' => num!(2, i64::from(tm.mday)),
            'e' => spacepad!(2, i64::from(tm.mday)),
            'H' => num!(2, i64::from(tm.hour)),
            'I' => num!(2, i64::from(hour12)),
            'k' => spacepad!(2, i64::from(tm.hour)),
            'l' => spacepad!(2, i64::from(hour12)),
            'j' => num!(3, 1 + i64::from(tm.yday)),
            'M' => num!(2, i64::from(tm.min)),
            'm' => num!(2, i64::from(tm.mon) + 1),
            'S' => num!(2, i64::from(tm.sec)),
            'n' => w.add("\n", 1, width, pad, Case::Keep),
            't' => w.add("\t", 1, width, pad, Case::Keep),
            'P' | 'p' => {
                if fc == 'P' {
                    lower = true;
                }
                if change_case {
                    upper = false;
                    lower = true;
                }
                let s = if tm.hour > 11 { "PM" } else { "AM" };
                w.add(s, 2, width, pad, case(upper, lower));
            }
            's' => {
                let t = tm.epoch;
                number(w, t, 1, pad, width);
            }
            'u' => num!(1, i64::from((tm.wday - 1 + 7) % 7 + 1)),
            'U' => num!(2, i64::from((tm.yday - tm.wday + 7) / 7)),
            'W' => num!(2, i64::from((tm.yday - (tm.wday - 1 + 7) % 7 + 7) / 7)),
            'w' => num!(1, i64::from(tm.wday)),
            'V' | 'g' | 'G' => {
                let yday = i64::from(tm.yday);
                let wday = i64::from(tm.wday);
                let mut y = year;
                let mut days = iso_week_days(yday, wday);
                if days < 0 {
                    y -= 1;
                    days = iso_week_days(yday + 365 + i64::from(is_leap(y)), wday);
                } else {
                    let d = iso_week_days(yday - (365 + i64::from(is_leap(y))), wday);
                    if d >= 0 {
                        y += 1;
                        days = d;
                    }
                }
                match fc {
                    'g' => num!(2, (y % 100 + 100) % 100),
                    'G' => num!(1, y),
                    _ => num!(2, days / 7 + 1),
                }
            }
            'Y' => {
                if modifier == 'O' {
                    bad!();
                } else {
                    num!(1, year);
                }
            }
            'y' => num!(2, (i64::from(tm.year) % 100 + 100) % 100),
            'Z' => {
                if change_case {
                    upper = false;
                    lower = true;
                }
                w.add(&tm.zone, tm.zone.len(), width, pad, case(upper, lower));
            }
            'z' => {
                if tm.isdst >= 0 {
                    let mut diff = tm.gmtoff;
                    if diff < 0 {
                        w.add("-", 1, width, pad, Case::Keep);
                        diff = -diff;
                    } else {
                        w.add("+", 1, width, pad, Case::Keep);
                    }
                    diff /= 60;
                    num!(4, (diff / 60) * 100 + diff % 60);
                }
            }
            _ => bad!(),
        }
        i = j + 1;
    }
}

/// glibc's `bad_format`: the directive is copied back from its `%` (the nearest
/// `%` at or before `end`), padded and upper-cased as its flags say.
fn bad_format(
    f: &[char],
    start: usize,
    end: usize,
    width: i64,
    pad: char,
    upper: bool,
    w: &mut Writer<'_>,
) {
    let from = if f[end] == '%' { end } else { start };
    let text: String = f[from..=end].iter().collect();
    // The width counts bytes up to the first byte of the last character.
    let n = (end - from) + 1;
    w.add(
        &text,
        n,
        width,
        pad,
        if upper { Case::Upper } else { Case::Keep },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2023-11-14 22:13:20 UTC (1700000000).
    fn tm() -> Tm {
        Tm {
            sec: 20,
            min: 13,
            hour: 22,
            mday: 14,
            mon: 10,
            year: 123,
            wday: 2,
            yday: 317,
            isdst: 0,
            gmtoff: 0,
            zone: "UTC".into(),
            epoch: 1_700_000_000,
        }
    }

    fn s(fmt: &str) -> String {
        let mut o = String::new();
        strftime(fmt, &tm(), &mut o);
        o
    }

    #[test]
    fn matches_glibc_through_python() {
        // Expected values printed by TZ=UTC python3 -c 'import time; print(repr(time.strftime(F, time.localtime(1700000000))))'.
        assert_eq!(s("%10Q"), "      %10Q");
        assert_eq!(s("%Q %Y"), "%Q 2023");
        assert_eq!(s("%"), "%");
        assert_eq!(s("a%"), "a%");
        assert_eq!(s("%Ez"), "+0000");
        assert_eq!(s("%OY"), "%OY");
        assert_eq!(s("%^a %#a %#Z %^B"), "TUE TUE utc NOVEMBER");
        assert_eq!(s("%10A|%-10A|%010A"), "   Tuesday|   Tuesday|000Tuesday");
        assert_eq!(s("%s %C %G %g %V %u %w"), "1700000000 20 2023 23 46 2 2");
        assert_eq!(s("%e %k %l"), "14 22 10");
        assert_eq!(s("%D %T %R %r"), "11/14/23 22:13:20 22:13 10:13:20 PM");
        assert_eq!(s("%c"), "Tue Nov 14 22:13:20 2023");
        assert_eq!(s("%^c"), "TUE NOV 14 22:13:20 2023");
        assert_eq!(s("%5%|%E%|%-|%_5|%5"), "    %|%|%-| %_5|   %5");
        assert_eq!(s("%#p %^p %#P %P"), "pm PM pm pm");
        assert_eq!(
            s("%010z|%-z|%_z|%10Z"),
            "000000000+0000000000|+0|+   0|       UTC"
        );
        assert_eq!(s("%10D|%010G|%-10G"), "  11/14/23|0000002023|      2023");
        assert_eq!(s("%:z %f %+5Y"), "%:z %f %+5Y");
        assert_eq!(
            s("%Od %Oe %OH %OI %Om %OM %OS %Ou %OU %OV %Ow %OW %Oy"),
            "14 14 22 10 11 13 20 2 46 46 2 46 23"
        );
        assert_eq!(s("%Ob %OB %Oh %Oa %OA %Op"), "Nov November Nov %Oa %OA PM");
        assert_eq!(s("%3j %-j %_j %10s"), "318 318 318 1700000000");
    }

    #[test]
    fn python_buffer_rule() {
        assert_eq!(python_buffer_limit(1), 1024);
        assert_eq!(python_buffer_limit(5), 2048);
        assert_eq!(s("%2047Y").len(), 2047);
        assert_eq!(s("%2048Y"), "", "does not fit in 2048 bytes with its NUL");
        assert_eq!(s("%2147483647Y"), "");
        assert_eq!(s(""), "");
    }
}

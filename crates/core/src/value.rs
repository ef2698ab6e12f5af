//! Values of extra record attributes, and Python's `str()`/`repr()` of them.
//!
//! Python records carry arbitrary attributes (`extra={...}`); ours carry a small,
//! closed set of value types that every formatter style, filter and the e-mail
//! report can render the way Python would: `None`, booleans, integers, floats and
//! strings. Anything else (a `Display` value, an error) is rendered to a string by
//! whoever builds the record.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use crate::printable_table::NONPRINTABLE;

/// One extra attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// Python's `None` (JSON `null`).
    None,
    /// A boolean, shown as `True`/`False`.
    Bool(bool),
    /// An integer (wide enough for `i64` and `u64`).
    Int(i128),
    /// A float, shown as Python's `repr(float)`.
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
}

impl Value<'_> {
    /// The same value with no borrow.
    pub fn into_static(self) -> Value<'static> {
        match self {
            Value::None => Value::None,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
        }
    }

    /// Appends Python's `str(value)`.
    ///
    /// ```
    /// use logtree_core::Value;
    /// let mut s = String::new();
    /// Value::Float(1e16).write_str(&mut s);
    /// Value::Bool(true).write_str(&mut s);
    /// assert_eq!(s, "1e+16True");
    /// ```
    pub fn write_str(&self, out: &mut String) {
        match self {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => write_float_repr(*f, out),
            Value::Str(s) => out.push_str(s),
        }
    }

    /// Appends Python's `repr(value)` (strings quoted and escaped as Python does).
    ///
    /// ```
    /// use logtree_core::Value;
    /// let mut s = String::new();
    /// Value::Str("it's".into()).write_repr(&mut s);
    /// assert_eq!(s, "\"it's\"");
    /// ```
    pub fn write_repr(&self, out: &mut String) {
        match self {
            Value::Str(s) => write_str_repr(s, false, out),
            other => other.write_str(out),
        }
    }

    /// Appends Python's `ascii(value)`: `repr` with non-ASCII escaped.
    pub fn write_ascii(&self, out: &mut String) {
        match self {
            Value::Str(s) => write_str_repr(s, true, out),
            other => other.write_str(out),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_str(&mut s);
        f.write_str(&s)
    }
}

impl From<&'static str> for Value<'static> {
    fn from(s: &'static str) -> Self {
        Value::Str(Cow::Borrowed(s))
    }
}
impl From<String> for Value<'static> {
    fn from(s: String) -> Self {
        Value::Str(Cow::Owned(s))
    }
}
impl From<i64> for Value<'static> {
    fn from(i: i64) -> Self {
        Value::Int(i.into())
    }
}
impl From<f64> for Value<'static> {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl From<bool> for Value<'static> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// Appends Python's `repr(f)` for a float: the shortest digits that round-trip,
/// in fixed notation when the decimal exponent is in `-4..16`, otherwise in
/// scientific notation with a signed, at least two-digit exponent (`1e+16`,
/// `1.5e-07`); fixed notation always shows a fractional part (`100.0`).
///
/// ```
/// let mut s = String::new();
/// logtree_core::write_float_repr(0.1, &mut s);
/// assert_eq!(s, "0.1");
/// ```
pub fn write_float_repr(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde[-]x".
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1; // position of the decimal point relative to the digits
    if f < 0.0 {
        out.push('-');
    }
    if (-3..=16).contains(&decpt) {
        if decpt <= 0 {
            out.push_str("0.");
            for _ in 0..(-decpt) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let d = decpt as usize;
            if digits.len() <= d {
                out.push_str(&digits);
                for _ in digits.len()..d {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..d]);
                out.push('.');
                out.push_str(&digits[d..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(out, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
}

/// Appends Python's `repr(s)` (or `ascii(s)` when `ascii` is set): single quotes
/// unless the text has a single quote and no double quote; `\\`, `\n`, `\r`, `\t`
/// and every character `str.isprintable` rejects escaped (`\xNN`, `\uNNNN`,
/// `\UNNNNNNNN`), exactly as CPython 3.11 (Unicode 14.0).
///
/// ```
/// let mut s = String::new();
/// logtree_core::write_str_repr("tab\there\u{2028}é", false, &mut s);
/// assert_eq!(s, "'tab\\there\\u2028é'");
/// ```
pub fn write_str_repr(s: &str, ascii: bool, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c.is_ascii() || !ascii) && is_printable(c) => out.push(c),
            c => {
                let v = c as u32;
                let _ = if v <= 0xff {
                    write!(out, "\\x{v:02x}")
                } else if v <= 0xffff {
                    write!(out, "\\u{v:04x}")
                } else {
                    write!(out, "\\U{v:08x}")
                };
            }
        }
    }
    out.push(quote);
}

/// Python's `str.isprintable` for one character.
pub(crate) fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    let v = c as u32;
    NONPRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < v {
                std::cmp::Ordering::Less
            } else if lo > v {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(f: f64) -> String {
        let mut s = String::new();
        write_float_repr(f, &mut s);
        s
    }

    #[test]
    fn float_repr_matches_python() {
        // Expected values printed by python3 -c 'print(repr(x))'.
        assert_eq!(repr(0.1), "0.1");
        assert_eq!(repr(1e16), "1e+16");
        assert_eq!(repr(1e15), "1000000000000000.0");
        assert_eq!(repr(1.5e-7), "1.5e-07");
        assert_eq!(repr(100.0), "100.0");
        assert_eq!(repr(-0.0), "-0.0");
        assert_eq!(repr(0.0001), "0.0001");
        assert_eq!(repr(0.00001), "1e-05");
        assert_eq!(repr(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(repr(-2.5), "-2.5");
        assert_eq!(repr(123456789.125), "123456789.125");
        assert_eq!(repr(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(repr(5e-324), "5e-324");
        assert_eq!(repr(f64::INFINITY), "inf");
        assert_eq!(repr(f64::NAN), "nan");
    }

    #[test]
    fn str_repr_matches_python() {
        let r = |s: &str| {
            let mut o = String::new();
            Value::Str(s.into()).write_repr(&mut o);
            o
        };
        assert_eq!(r("text"), "'text'");
        assert_eq!(r(""), "''");
        assert_eq!(r("it's"), "\"it's\"");
        assert_eq!(r("both ' and \""), "'both \\' and \"'");
        assert_eq!(r("a\nb\tc\\"), "'a\\nb\\tc\\\\'");
        assert_eq!(r("\x00\x1b"), "'\\x00\\x1b'");
        assert_eq!(r("é"), "'é'");
        let mut a = String::new();
        Value::Str("é€😀".into()).write_ascii(&mut a);
        assert_eq!(a, "'\\xe9\\u20ac\\U0001f600'");
        // Python: repr('\u0600\xa0\u2028') == "'\\u0600\\xa0\\u2028'", repr('\U000e0100') unescaped.
        assert_eq!(r("\u{600}\u{a0}\u{2028}"), "'\\u0600\\xa0\\u2028'");
        assert_eq!(r("\u{e0100}"), "'\u{e0100}'");
    }
}

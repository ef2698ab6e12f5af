//! Python's `PyOS_double_to_string`: the float text behind `%e %f %g`, the `{}`
//! presentation types `e f g %` and no-type, and `repr()`.
//!
//! CPython gets decimal digits from David Gay's `dtoa` (shortest round-trip digits,
//! or correctly rounded to N significant digits, or to N places after the point)
//! and then lays them out (`format_float_short` in `Python/pystrtod.c`). Rust's
//! float formatting produces the same digits: `{:e}` is the shortest round-trip
//! form, and `{:.N}` / `{:.Ne}` round the exact binary value half-to-even, as
//! `dtoa` does. So this module asks Rust for the digits, into a stack buffer, and
//! reproduces CPython's layout rules (when to switch to an exponent, `.0` for
//! integers, the alternate form, negative-zero coercion).

use std::fmt::Write as _;

/// The largest number of characters one float field may produce. Python would
/// try to build `format(x, '.999999999f')`; we refuse fields this large instead of
/// exhausting memory (a deliberate difference, see the crate docs).
pub(crate) const MAX_FLOAT_CHARS: usize = 1 << 20;

/// Layout flags (`Py_DTSF_*`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FloatFlags {
    /// `Py_DTSF_SIGN`: `+` on non-negative numbers.
    pub(crate) sign: bool,
    /// `Py_DTSF_ADD_DOT_0`: integers in fixed notation get `.0`.
    pub(crate) add_dot_0: bool,
    /// `Py_DTSF_ALT`: keep the decimal point and trailing zeros.
    pub(crate) alt: bool,
    /// `Py_DTSF_NO_NEG_0`: a result that rounds to zero loses its minus sign.
    pub(crate) no_neg_0: bool,
}

/// A small text buffer on the stack that spills to the heap when a number is long
/// (fixed notation of 1e300 has 301 digits).
pub(crate) struct NumBuf {
    stack: [u8; 96],
    len: usize,
    heap: Option<String>,
}

impl NumBuf {
    pub(crate) fn new() -> NumBuf {
        NumBuf {
            stack: [0; 96],
            len: 0,
            heap: None,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match &self.heap {
            Some(s) => s,
            None => std::str::from_utf8(&self.stack[..self.len]).unwrap_or(""),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
        if let Some(h) = &mut self.heap {
            h.clear();
        }
    }
}

impl std::fmt::Write for NumBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if let Some(h) = &mut self.heap {
            h.push_str(s);
            return Ok(());
        }
        if self.len + s.len() <= self.stack.len() {
            self.stack[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
        } else {
            let mut h = String::with_capacity(self.len + s.len() + 32);
            h.push_str(std::str::from_utf8(&self.stack[..self.len]).unwrap_or(""));
            h.push_str(s);
            self.heap = Some(h);
        }
        Ok(())
    }
}

/// How `dtoa` is asked for digits.
#[derive(Clone, Copy)]
enum Mode {
    /// Mode 0: the shortest digits that read back as the same float.
    Shortest,
    /// Mode 2: this many significant digits (at least 1).
    Significant(usize),
    /// Mode 3: this many digits after the decimal point.
    Fraction(usize),
}

/// Digits of `|x|` (finite) without leading or trailing zeros ("0" for zero), and
/// the decimal point position: the value is `0.DIGITS * 10**decpt`.
fn digits(x: f64, mode: Mode, buf: &mut NumBuf) -> (usize, usize, i64) {
    buf.clear();
    let x = x.abs();
    match mode {
        Mode::Shortest => {
            let _ = write!(buf, "{x:e}");
        }
        Mode::Significant(n) => {
            let _ = write!(buf, "{:.*e}", n.saturating_sub(1), x);
        }
        Mode::Fraction(n) => {
            let _ = write!(buf, "{x:.n$}");
        }
    }
    let s = buf.as_str().as_bytes();
    match mode {
        Mode::Shortest | Mode::Significant(_) => {
            // "d.ddde[-]x"
            let e = s.iter().position(|&b| b == b'e').unwrap_or(s.len());
            let exp: i64 = std::str::from_utf8(&s[e + 1..])
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            // Digits are s[0] and s[2..e] (if there is a point).
            let mut end = e;
            while end > 2 && s[end - 1] == b'0' {
                end -= 1;
            }
            if s[0] == b'0' {
                return (0, 0, 1); // zero: "0", decpt 1 (sentinel range 0..0)
            }
            // Digits live at [0] and [2..end]; report them via a range over a
            // copy without the point: move the point out by shifting.
            (0, end, exp + 1)
        }
        Mode::Fraction(_) => {
            let point = s.iter().position(|&b| b == b'.').unwrap_or(s.len());
            let mut start = 0;
            while start < s.len() && (s[start] == b'0' || s[start] == b'.') {
                start += 1;
            }
            let mut end = s.len();
            while end > start && (s[end - 1] == b'0' || s[end - 1] == b'.') {
                end -= 1;
            }
            if start >= end {
                return (0, 0, 1);
            }
            // decpt: number of integer digits before the first significant digit.
            let decpt = if start < point {
                (point - start) as i64
            } else {
                -((start - point - 1) as i64)
            };
            (start, end, decpt)
        }
    }
}

/// Appends the digit characters of `buf[start..end]`, skipping a decimal point.
fn digit_iter(buf: &NumBuf, start: usize, end: usize) -> impl Iterator<Item = u8> + '_ {
    buf.as_str().as_bytes()[start..end]
        .iter()
        .copied()
        .filter(|b| *b != b'.')
}

/// Python's `PyOS_double_to_string(x, code, precision, flags)`, appended to `out`.
///
/// `code` is one of `e E f F g G r`. Returns an error only when the result would
/// exceed [`MAX_FLOAT_CHARS`].
pub(crate) fn format_float(
    x: f64,
    code: char,
    precision: usize,
    flags: FloatFlags,
    out: &mut String,
) -> Result<(), String> {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    if !x.is_finite() {
        if x.is_nan() {
            if flags.sign {
                out.push('+');
            }
            out.push_str(if upper { "NAN" } else { "nan" });
        } else {
            if x < 0.0 {
                out.push('-');
            } else if flags.sign {
                out.push('+');
            }
            out.push_str(if upper { "INF" } else { "inf" });
        }
        return Ok(());
    }
    // Precision handling as in PyOS_double_to_string.
    let (mode, precision) = match code {
        'e' => (Mode::Significant(precision + 1), precision + 1),
        'f' => (Mode::Fraction(precision), precision),
        'g' => {
            let p = precision.max(1);
            // Without the alternate form trailing zeros are dropped, so asking for
            // more digits than a double's exact expansion has (767) changes nothing.
            let n = if flags.alt { p } else { p.min(800) };
            (Mode::Significant(n), p)
        }
        _ => (Mode::Shortest, 0),
    };
    let estimate = match code {
        'f' => precision.saturating_add(330),
        'e' => precision.saturating_add(8),
        'g' if flags.alt => precision.saturating_add(330),
        _ => 0,
    };
    if estimate > MAX_FLOAT_CHARS {
        return Err(format!(
            "float field too large: precision {precision} exceeds logtree's limit"
        ));
    }
    let mut buf = NumBuf::new();
    let (dstart, dend, decpt0) = digits(x, mode, &mut buf);
    let zero = dend == dstart;
    let digit_count: i64 = if zero {
        1
    } else {
        digit_iter(&buf, dstart, dend).count() as i64
    };
    let negative = x.is_sign_negative() && !(flags.no_neg_0 && zero);

    let mut decpt = decpt0;
    let mut use_exp = false;
    let mut vend: i64 = digit_count;
    match code {
        'e' => {
            use_exp = true;
            vend = precision as i64;
        }
        'f' => vend = decpt + precision as i64,
        'g' => {
            let limit = if flags.add_dot_0 {
                precision as i64 - 1
            } else {
                precision as i64
            };
            if decpt <= -4 || decpt > limit {
                use_exp = true;
            }
            if flags.alt {
                vend = precision as i64;
            }
        }
        _ => {
            if decpt <= -4 || decpt > 16 {
                use_exp = true;
            }
        }
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vstart = if decpt <= 0 { decpt - 1 } else { 0 };
    vend = if !use_exp && flags.add_dot_0 {
        vend.max(decpt + 1)
    } else {
        vend.max(decpt)
    };

    let start_len = out.len();
    if negative {
        out.push('-');
    } else if flags.sign {
        out.push('+');
    }
    let zeros = |out: &mut String, n: i64| {
        for _ in 0..n.max(0) {
            out.push('0');
        }
    };
    if decpt <= 0 {
        zeros(out, decpt - vstart);
        out.push('.');
        zeros(out, -decpt);
    } else {
        zeros(out, -vstart);
    }
    let push_digits = |out: &mut String, from: i64, to: i64| {
        if zero {
            if from == 0 && to >= 1 {
                out.push('0');
            }
            return;
        }
        for d in digit_iter(&buf, dstart, dend)
            .skip(from as usize)
            .take((to - from).max(0) as usize)
        {
            out.push(d as char);
        }
    };
    if 0 < decpt && decpt <= digit_count {
        push_digits(out, 0, decpt);
        out.push('.');
        push_digits(out, decpt, digit_count);
    } else {
        push_digits(out, 0, digit_count);
    }
    if digit_count < decpt {
        zeros(out, decpt - digit_count);
        out.push('.');
        zeros(out, vend - decpt);
    } else {
        zeros(out, vend - digit_count);
    }
    if out.ends_with('.') && out.len() > start_len && !flags.alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        let _ = write!(out, "{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    Ok(())
}

/// Python's `int(x)` of a finite float, as decimal digits without a sign, and
/// whether it is negative.
pub(crate) fn float_to_int_digits(x: f64, buf: &mut NumBuf) -> bool {
    buf.clear();
    let t = x.trunc();
    let _ = write!(buf, "{:.0}", t.abs());
    t < 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64, code: char, p: usize, flags: FloatFlags) -> String {
        let mut s = String::new();
        format_float(x, code, p, flags, &mut s).unwrap();
        s
    }

    const NONE: FloatFlags = FloatFlags {
        sign: false,
        add_dot_0: false,
        alt: false,
        no_neg_0: false,
    };

    #[test]
    fn matches_python() {
        // Expected values printed by python3 ('%.Nx' % v, format(v, spec)).
        assert_eq!(f(0.125, 'f', 2, NONE), "0.12");
        assert_eq!(f(1.5, 'f', 0, NONE), "2");
        assert_eq!(f(0.001, 'f', 2, NONE), "0.00");
        assert_eq!(f(-0.001, 'f', 2, NONE), "-0.00");
        assert_eq!(
            f(
                -0.001,
                'f',
                1,
                FloatFlags {
                    no_neg_0: true,
                    ..NONE
                }
            ),
            "0.0"
        );
        assert_eq!(f(1e300, 'f', 0, NONE).len(), 301);
        assert_eq!(f(2.5, 'e', 6, NONE), "2.500000e+00");
        assert_eq!(f(1e-7, 'E', 3, NONE), "1.000E-07");
        assert_eq!(f(1234567.125, 'g', 6, NONE), "1.23457e+06");
        assert_eq!(f(0.0001, 'g', 6, NONE), "0.0001");
        assert_eq!(f(0.00001, 'g', 6, NONE), "1e-05");
        assert_eq!(f(100.0, 'g', 6, NONE), "100");
        assert_eq!(f(1.0, 'g', 6, FloatFlags { alt: true, ..NONE }), "1.00000");
        assert_eq!(f(1.0, 'g', 0, FloatFlags { alt: true, ..NONE }), "1.");
        assert_eq!(f(1.5, 'f', 0, FloatFlags { alt: true, ..NONE }), "2.");
        assert_eq!(f(1.5, 'e', 0, FloatFlags { alt: true, ..NONE }), "2.e+00");
        let dot0 = FloatFlags {
            add_dot_0: true,
            ..NONE
        };
        assert_eq!(f(1.0, 'r', 0, dot0), "1.0");
        assert_eq!(f(1e16, 'r', 0, dot0), "1e+16");
        assert_eq!(f(100.0, 'g', 3, dot0), "1e+02");
        assert_eq!(f(100.0, 'g', 4, dot0), "100.0");
        assert_eq!(f(1234.5, 'g', 2, dot0), "1.2e+03");
        assert_eq!(f(1e16, 'r', 0, FloatFlags { alt: true, ..dot0 }), "1.e+16");
        assert_eq!(
            f(0.1, 'g', 2_147_483_647, dot0),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(
            f(f64::NAN, 'F', 6, FloatFlags { sign: true, ..NONE }),
            "+NAN"
        );
        assert_eq!(f(f64::NEG_INFINITY, 'e', 6, NONE), "-inf");
        assert_eq!(f(0.0, 'e', 2, NONE), "0.00e+00");
        assert_eq!(f(-0.0, 'r', 0, NONE), "-0");
        assert_eq!(f(-0.0, 'r', 0, dot0), "-0.0");
        assert_eq!(
            f(
                -0.0,
                'r',
                0,
                FloatFlags {
                    no_neg_0: true,
                    ..dot0
                }
            ),
            "0.0"
        );
        assert_eq!(f(1e22, 'f', 6, NONE), "10000000000000000000000.000000");
        assert_eq!(f(123.456, 'f', 1, NONE), "123.5");
        assert_eq!(f(0.05, 'f', 1, NONE), "0.1");
    }

    #[test]
    fn int_conversion() {
        let mut b = NumBuf::new();
        assert!(!float_to_int_digits(1e100, &mut b));
        assert!(b.as_str().starts_with("10000000000000000159"));
        assert!(!float_to_int_digits(-0.5, &mut b));
        assert_eq!(b.as_str(), "0");
        assert!(float_to_int_digits(-3.9, &mut b));
        assert_eq!(b.as_str(), "3");
    }
}

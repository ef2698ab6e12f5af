//! Small writers for the fast steps: digits and padding appended to a `String`
//! without going through `str::from_utf8` or a `char` encoder per byte.
//!
//! Each is the cheap spelling of something the general path also writes
//! (`%03d`, `str(int)`, a string padded to a width); the tests here compare
//! them with the obvious implementation.
//!
//! Measured with callgrind (release build, `examples/format_cost.rs`, the
//! `padded` layout `{asctime} {levelname:<8} {name} [{process:d}:{lineno:d}]
//! {message}`): 1,050 -> 982 instructions per record with these instead of the
//! spec module's `pad_text` and `value::push_u64` (which validates its digits
//! as UTF-8).

use logtree_core::text::push_str;

/// `000001002...999`: three digits for every number below 1000.
const PADDED3: [u8; 3000] = {
    let mut b = [0u8; 3000];
    let mut i = 0;
    while i < 1000 {
        b[i * 3] = b'0' + (i / 100) as u8;
        b[i * 3 + 1] = b'0' + (i / 10 % 10) as u8;
        b[i * 3 + 2] = b'0' + (i % 10) as u8;
        i += 1;
    }
    b
};

/// Digits `from..to` of [`PADDED3`].
#[inline(always)]
fn digits(from: usize, to: usize) -> &'static str {
    let bytes = &PADDED3[from..to];
    // SAFETY: every byte of the table is an ASCII digit, so any slice of it is
    // UTF-8. (`str::get` checked char boundaries at both ends, and
    // `str::from_utf8` would walk the bytes.)
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// Three digits of `n`, which is below 1000 (`%03d`).
// A slice of a table: one copy of known length. Three divisions and three
// pushes cost 16 instructions more per record (callgrind, the comparison
// layout).
#[inline]
pub(crate) fn push_padded3(out: &mut String, n: u32) {
    let i = (n as usize).min(999) * 3;
    push_str(out, digits(i, i + 3));
}

/// [`PADDED3`] with a fourth byte per number: each entry is one 4-byte load.
const PADDED3_WIDE: [[u8; 4]; 1000] = {
    let mut t = [[0u8; 4]; 1000];
    let mut i = 0;
    while i < 1000 {
        t[i] = [PADDED3[i * 3], PADDED3[i * 3 + 1], PADDED3[i * 3 + 2], 0];
        i += 1;
    }
    t
};

/// [`push_padded3`] written at `dst`, as 4 bytes: the three digits, then one
/// of no meaning (beyond the three the caller takes as written).
///
/// # Safety
/// `dst` must be valid for writing 4 bytes.
// One 4-byte load and store, where the 3-byte copy was a 2-byte and a 1-byte
// one (callgrind, `examples/format_cost.rs`, per record, `asctime` with the
// default `default_msec_format`: `default_asctime` 240 -> 238, `padded` 641 ->
// 639; the fused time step: see `fast::Fused`).
#[inline(always)]
pub(crate) unsafe fn put_padded3_wide_at(dst: *mut u8, n: u32) {
    let digits = PADDED3_WIDE[(n as usize).min(999)];
    // SAFETY: the caller's contract, for the 4 bytes (unaligned: `dst` has
    // no alignment for `[u8; 4]`).
    unsafe { std::ptr::write_unaligned(dst as *mut [u8; 4], digits) }
}

/// The most bytes [`push_decimal`] writes: `u64::MAX` has 20 digits.
pub(crate) const MAX_DECIMAL: usize = 20;

/// [`push_decimal`] written at `dst`: returns the length (the bytes written
/// are ASCII digits).
///
/// # Safety
/// `dst` must be valid for writing [`MAX_DECIMAL`] bytes.
pub(crate) unsafe fn put_decimal_at(dst: *mut u8, v: u64) -> usize {
    let mut buf = [0u8; MAX_DECIMAL];
    let text = decimal(v, &mut buf);
    // SAFETY: the caller's contract; `text` has at most 20 bytes, and is in
    // `buf` or the digit table, not at `dst`.
    unsafe { logtree_core::text::write_str_at(dst, text) };
    text.len()
}

/// `str(v)`, in `buf` or in the digit table.
#[inline]
fn decimal(v: u64, buf: &mut [u8; MAX_DECIMAL]) -> &str {
    if v < 1000 {
        let skip = if v < 10 {
            2
        } else if v < 100 {
            1
        } else {
            0
        };
        let i = v as usize * 3;
        return digits(i + skip, i + 3);
    }
    let mut i = buf.len();
    let mut v = v;
    while v > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    // SAFETY: the bytes from `i` on are ASCII digits.
    unsafe { std::str::from_utf8_unchecked(&buf[i..]) }
}

/// `str(v)`.
pub(crate) fn push_decimal(out: &mut String, v: u64) {
    let mut buf = [0u8; MAX_DECIMAL];
    push_str(out, decimal(v, &mut buf));
}

/// `s` padded with `fill` to `width` characters, aligned by `align` (`<`, `>`
/// or `^`, Python's rules: the extra character of an odd centring goes right).
pub(crate) fn push_padded(out: &mut String, s: &str, width: usize, align: char, fill: char) {
    // Characters, not bytes; a string of 4 * width bytes has width characters.
    let len = if s.len() >= width.saturating_mul(4) {
        width
    } else {
        char_count(s)
    };
    padded_with(out, len, width, align, fill, |out| out.push_str(s));
}

/// `str(v)` padded as [`push_padded`] pads a string.
pub(crate) fn push_padded_decimal(out: &mut String, v: u64, width: usize, align: char, fill: char) {
    let len = v.checked_ilog10().map_or(1, |l| l as usize + 1);
    padded_with(out, len, width, align, fill, |out| push_decimal(out, v));
}

/// `write`, which appends `len` characters, padded.
#[inline]
fn padded_with(
    out: &mut String,
    len: usize,
    width: usize,
    align: char,
    fill: char,
    write: impl FnOnce(&mut String),
) {
    let pad = width.saturating_sub(len);
    let left = match align {
        '>' => pad,
        '^' => pad / 2,
        _ => 0,
    };
    push_fill(out, fill, left);
    write(out);
    push_fill(out, fill, pad - left);
}

/// The number of characters of `s`: its bytes that do not continue a UTF-8
/// sequence.
fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

const SPACES: &str = "                                ";

/// `n` times `fill`.
fn push_fill(out: &mut String, fill: char, n: usize) {
    if fill == ' ' {
        if let Some(spaces) = SPACES.get(..n) {
            out.push_str(spaces);
            return;
        }
    }
    out.reserve(n * fill.len_utf8());
    for _ in 0..n {
        out.push(fill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        for n in [0, 1, 9, 10, 99, 100, 999] {
            let mut s = String::from(">");
            push_padded3(&mut s, n);
            assert_eq!(s, format!(">{n:03}"));
        }
        // Every number, and the clamp above 999, written 4 bytes wide.
        for n in (0..1000).chain([1000, u32::MAX]) {
            let mut buf = [b'x'; 6];
            // SAFETY: `buf` takes 4 bytes at 1.
            unsafe { put_padded3_wide_at(buf.as_mut_ptr().add(1), n) };
            assert_eq!(&buf[1..4], format!("{:03}", n.min(999)).as_bytes());
            assert_eq!((buf[0], buf[5]), (b'x', b'x'));
        }
        let mut v = 1u64;
        let mut values = vec![0, u64::MAX, u64::MAX - 1];
        for _ in 0..20 {
            values.extend([v - 1, v, v + 1]);
            v = v.saturating_mul(10);
        }
        for v in values {
            let mut s = String::from(">");
            push_decimal(&mut s, v);
            assert_eq!(s, format!(">{v}"));
            for (width, align, fill) in
                [(0, '>', ' '), (5, '<', ' '), (7, '^', '*'), (21, '>', '0')]
            {
                let mut got = String::new();
                push_padded_decimal(&mut got, v, width, align, fill);
                let mut want = String::new();
                crate::spec::pad_text(&v.to_string(), Some(width), None, align, fill, &mut want);
                assert_eq!(got, want, "{v} {width} {align} {fill:?}");
            }
        }
    }

    #[test]
    fn padding() {
        for s in ["", "INFO", "WARNING", "ünï ✓", "😀x"] {
            for width in [0, 1, 4, 5, 8, 9, 33, 40] {
                for (align, fill) in [
                    ('<', ' '),
                    ('>', ' '),
                    ('^', ' '),
                    ('^', '*'),
                    ('>', '0'),
                    ('<', 'é'),
                ] {
                    let mut got = String::from(">");
                    push_padded(&mut got, s, width, align, fill);
                    let mut want = String::from(">");
                    crate::spec::pad_text(s, Some(width), None, align, fill, &mut want);
                    assert_eq!(got, want, "{s:?} {width} {align} {fill:?}");
                }
            }
        }
    }
}

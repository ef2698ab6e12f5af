//! Character classes exactly as CPython 3.11 sees them, and Python's `repr()` and
//! `ascii()` of a string.
//!
//! The validation patterns logging applies to format strings use `re`'s `\w` and
//! `\d`, `str.format` reads field indexes and widths with `Py_UNICODE_TODECIMAL`,
//! and `repr()` escapes what `str.isprintable` rejects. Rust's own Unicode
//! predicates follow a newer Unicode version and a different definition of
//! "alphanumeric", so these answers come from tables generated from CPython
//! itself (`unicode_tables.rs`); ASCII is answered without a search.

use crate::unicode_tables::{DECIMAL, WORD};

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let v = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < v {
                std::cmp::Ordering::Less
            } else if lo > v {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Python `re`'s `\w` for a str pattern.
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        in_ranges(WORD, c)
    }
}

/// `Py_UNICODE_TODECIMAL`: the value of a decimal digit of any script.
pub(crate) fn decimal_value(c: char) -> Option<u32> {
    if c.is_ascii() {
        return c.to_digit(10);
    }
    let v = c as u32;
    let i = DECIMAL.partition_point(|&(_, hi)| hi < v);
    match DECIMAL.get(i) {
        Some(&(lo, hi)) if lo <= v && v <= hi => Some((v - lo) % 10),
        _ => None,
    }
}

/// Python `re`'s `\d` for a str pattern (`str.isdecimal`).
pub(crate) fn is_decimal(c: char) -> bool {
    decimal_value(c).is_some()
}

/// Python's `repr(s)` / `ascii(s)`: the one implementation lives in core, with
/// CPython's `str.isprintable` table.
pub(crate) use logtree_core::write_str_repr as write_repr;

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(s: &str) -> String {
        let mut o = String::new();
        write_repr(s, false, &mut o);
        o
    }

    #[test]
    fn classes() {
        assert!(is_word('é') && is_word('_') && is_word('٣') && !is_word('-'));
        assert!(
            !is_word('\u{0345}'),
            "combining mark: Rust calls it alphabetic, re does not"
        );
        assert_eq!(decimal_value('٣'), Some(3));
        assert_eq!(decimal_value('𝟗'), Some(9));
        assert_eq!(
            decimal_value('²'),
            None,
            "superscripts are digits, not decimals"
        );
        assert!(is_decimal('7') && !is_decimal('x'));
    }

    #[test]
    fn repr_matches_python() {
        // Expected values printed by python3 -c 'print(repr(s))'.
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("both ' \""), "'both \\' \"'");
        assert_eq!(repr("\u{600}\u{a0}é\u{7f}"), "'\\u0600\\xa0é\\x7f'");
        assert_eq!(repr("\u{e0001}"), "'\\U000e0001'");
        let mut a = String::new();
        write_repr("é€😀\n", true, &mut a);
        assert_eq!(a, "'\\xe9\\u20ac\\U0001f600\\n'");
    }
}

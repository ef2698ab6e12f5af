//! The `%` style: `fmt % record.__dict__`.
//!
//! Formatting itself is [`crate::printf`]; this module holds what is particular
//! to logging's `PercentStyle`: its validation, which only asks that *one*
//! `%(name)...` conversion appear somewhere (a regular-expression search, so
//! `"%(message)s %y"` passes and fails later, per record, exactly as in Python).

use crate::unicode::{is_decimal, is_word};

/// `PercentStyle.validation_pattern.search(fmt)`:
/// `%\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%]` with `re.I`.
pub(crate) fn validation_matches(fmt: &str) -> bool {
    let s: Vec<char> = fmt.chars().collect();
    (0..s.len()).any(|i| matches_at(&s, i))
}

fn matches_at(s: &[char], i: usize) -> bool {
    if s.get(i) != Some(&'%') || s.get(i + 1) != Some(&'(') {
        return false;
    }
    let mut j = i + 2;
    let start = j;
    while j < s.len() && is_word(s[j]) {
        j += 1;
    }
    if j == start || s.get(j) != Some(&')') {
        return false;
    }
    j += 1;
    // [#0+ -]* then the rest: try every number of flag characters.
    let mut ends = vec![j];
    while j < s.len() && matches!(s[j], '#' | '0' | '+' | ' ' | '-') {
        j += 1;
        ends.push(j);
    }
    ends.into_iter().any(|k| after_flags(s, k))
}

/// Positions `(\*|\d+)?` can end at from `i`.
fn star_or_digits(s: &[char], i: usize) -> Vec<usize> {
    let mut ends = vec![i];
    if s.get(i) == Some(&'*') {
        ends.push(i + 1);
    }
    let mut j = i;
    while j < s.len() && is_decimal(s[j]) {
        j += 1;
        ends.push(j);
    }
    ends
}

fn after_flags(s: &[char], i: usize) -> bool {
    star_or_digits(s, i).into_iter().any(|w| {
        let mut precision_ends = vec![w];
        if s.get(w) == Some(&'.') {
            precision_ends.extend(star_or_digits(s, w + 1).into_iter().filter(|&e| e > w + 1));
        }
        precision_ends.into_iter().any(|p| {
            s.get(p).is_some_and(|&c| {
                "diouxefgcrsa%".contains(c.to_ascii_lowercase())
                    || matches!(c, '\u{130}' | '\u{131}' | '\u{17f}')
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_like_python() {
        assert!(validation_matches("%(message)s"));
        assert!(validation_matches("x %(a)-08.3F y"));
        assert!(validation_matches("%(a)s %y"));
        assert!(validation_matches("%(a)D"), "re.I");
        assert!(validation_matches("%(a).*s"));
        assert!(validation_matches("%(é)s"));
        assert!(validation_matches("%(a)ı"), "re.I folds dotless i");
        assert!(!validation_matches("no fields here"));
        assert!(!validation_matches("%(a b)s"));
        assert!(!validation_matches("%(a)q"));
        assert!(!validation_matches("%(a)5.s"));
        assert!(!validation_matches("%s %d"));
    }
}

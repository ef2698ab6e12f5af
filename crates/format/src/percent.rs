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
    // Length of the decimal-digit run starting at each position.
    let mut run = vec![0usize; s.len() + 2];
    for i in (0..s.len()).rev() {
        if is_decimal(s[i]) {
            run[i] = run[i + 1] + 1;
        }
    }
    (0..s.len()).any(|i| matches_at(&s, &run, i))
}

fn matches_at(s: &[char], run: &[usize], i: usize) -> bool {
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
    let p = j + 1;
    let mut q = p;
    while q < s.len() && matches!(s[q], '#' | '0' | '+' | ' ' | '-') {
        q += 1;
    }
    // Where `[#0+ -]*(\*|\d+)?` can end. The type that must follow is never a
    // digit, so a width of digits only ever ends where its digit run ends: every
    // split of a run of `0` flags followed by digits ends at the same place.
    let mut candidates = vec![q];
    if s.get(q) == Some(&'*') {
        candidates.push(q + 1);
    }
    for k in p..=q {
        if run[k] > 0 && (k == p || run[k - 1] == 0) {
            candidates.push(k + run[k]);
        }
    }
    candidates.into_iter().any(|w| after_width(s, run, w))
}

/// `(\.(\*|\d+))?[diouxefgcrsa%]` at `w`.
fn after_width(s: &[char], run: &[usize], w: usize) -> bool {
    let is_type = |at: usize| {
        s.get(at).is_some_and(|&c| {
            "diouxefgcrsa%".contains(c.to_ascii_lowercase())
                || matches!(c, '\u{130}' | '\u{131}' | '\u{17f}')
        })
    };
    if is_type(w) {
        return true;
    }
    if s.get(w) != Some(&'.') {
        return false;
    }
    (s.get(w + 1) == Some(&'*') && is_type(w + 2))
        || (run[w + 1] > 0 && is_type(w + 1 + run[w + 1]))
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
        assert!(validation_matches("%(a)005.5d"));
        assert!(!validation_matches("%(a)0#05*.*f"));
        assert!(validation_matches("%(a)0-*.*f"));
    }
}

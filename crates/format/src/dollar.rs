//! The `$` style: `string.Template(fmt).substitute(**values)`, compiled once.
//!
//! `Template`'s pattern, applied at every `$` from left to right, recognises `$$`,
//! `$name` and `${name}` (ASCII identifiers, any case) and otherwise an invalid
//! placeholder, which `substitute` reports with its line and column. Compiling
//! records the placeholders and, for an invalid one, the position message Python
//! would compute; `validate` is `StringTemplateStyle.validate`. Rendering is the
//! formatting plan's (`fast.rs`): each placeholder is `str()` of a value.

use crate::error::FormatterError;
use crate::value::Field;

/// A compiled piece of a `$` format.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Seg {
    Literal(Box<str>),
    Field(Field),
    /// An invalid placeholder: `Invalid placeholder in string: line L, col C`.
    Invalid(Box<str>),
}

/// A match of `Template.pattern` at a `$`.
enum Hit {
    Escaped,
    Named(usize, usize),
    Invalid,
}

fn id_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// What the pattern matches at `s[i] == '$'`, and where the match ends.
fn hit(s: &[char], i: usize) -> (Hit, usize) {
    match s.get(i + 1) {
        Some('$') => (Hit::Escaped, i + 2),
        Some(&c) if id_start(c) => {
            let mut j = i + 2;
            while j < s.len() && id_char(s[j]) {
                j += 1;
            }
            (Hit::Named(i + 1, j), j)
        }
        Some('{') if s.get(i + 2).copied().is_some_and(id_start) => {
            let mut j = i + 3;
            while j < s.len() && id_char(s[j]) {
                j += 1;
            }
            if s.get(j) == Some(&'}') {
                (Hit::Named(i + 2, j), j + 1)
            } else {
                (Hit::Invalid, i + 1)
            }
        }
        _ => (Hit::Invalid, i + 1),
    }
}

/// Compiles a `$` format.
pub(crate) fn compile(fmt: &str) -> Vec<Seg> {
    let s: Vec<char> = fmt.chars().collect();
    let mut segs = Vec::new();
    let mut lit = String::new();
    // Line and column bookkeeping for `Template._invalid`, as the scan goes.
    let mut lines = Lines::default();
    let mut i = 0;
    while i < s.len() {
        if s[i] != '$' {
            lit.push(s[i]);
            i += 1;
            continue;
        }
        let (h, next) = hit(&s, i);
        match h {
            Hit::Escaped => lit.push('$'),
            Hit::Named(a, b) => {
                if !lit.is_empty() {
                    segs.push(Seg::Literal(std::mem::take(&mut lit).into()));
                }
                let name: String = s[a..b].iter().collect();
                segs.push(Seg::Field(Field::from_name(&name)));
            }
            Hit::Invalid => {
                if !lit.is_empty() {
                    segs.push(Seg::Literal(std::mem::take(&mut lit).into()));
                }
                lines.advance(&s, i + 1);
                segs.push(Seg::Invalid(lines.message(i + 1).into()));
            }
        }
        i = next;
    }
    if !lit.is_empty() {
        segs.push(Seg::Literal(lit.into()));
    }
    segs
}

/// `str.splitlines(keepends=True)` of the template up to a point, computed
/// incrementally.
#[derive(Default)]
struct Lines {
    scanned: usize,
    line: usize,
    line_start: usize,
}

impl Lines {
    fn advance(&mut self, s: &[char], to: usize) {
        while self.scanned < to {
            let c = s[self.scanned];
            self.scanned += 1;
            let is_break = matches!(
                c,
                '\n' | '\r'
                    | '\x0b'
                    | '\x0c'
                    | '\x1c'
                    | '\x1d'
                    | '\x1e'
                    | '\u{85}'
                    | '\u{2028}'
                    | '\u{2029}'
            );
            if is_break {
                if c == '\r' && self.scanned < to && s[self.scanned] == '\n' {
                    self.scanned += 1;
                }
                self.line += 1;
                self.line_start = self.scanned;
            }
        }
    }

    /// The message for an invalid placeholder whose empty group starts at `i`
    /// (just after its `$`, which is never a line break).
    fn message(&self, i: usize) -> String {
        format!(
            "Invalid placeholder in string: line {}, col {}",
            self.line + 1,
            i - self.line_start
        )
    }
}

/// `StringTemplateStyle.validate`.
pub(crate) fn validate(fmt: &str) -> Result<(), FormatterError> {
    let s: Vec<char> = fmt.chars().collect();
    let mut any = false;
    let mut i = 0;
    while i < s.len() {
        if s[i] != '$' {
            i += 1;
            continue;
        }
        let (h, next) = hit(&s, i);
        match h {
            Hit::Named(..) => any = true,
            Hit::Invalid => return Err(FormatterError::bare_dollar()),
            Hit::Escaped => {}
        }
        i = next;
    }
    if !any {
        return Err(FormatterError::no_fields());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_positions_match_python() {
        // Expected texts printed by python3 (string.Template(T).substitute(...)).
        let msg = |t: &str| match compile(t)
            .into_iter()
            .find(|s| matches!(s, Seg::Invalid(_)))
        {
            Some(Seg::Invalid(m)) => m.to_string(),
            _ => String::new(),
        };
        assert_eq!(msg("$ x"), "Invalid placeholder in string: line 1, col 1");
        assert_eq!(
            msg("ab\ncd $1"),
            "Invalid placeholder in string: line 2, col 4"
        );
        assert_eq!(
            msg("x\r\ny\u{2028}$"),
            "Invalid placeholder in string: line 3, col 1"
        );
        assert_eq!(
            msg("${name"),
            "Invalid placeholder in string: line 1, col 1"
        );
        assert_eq!(
            msg("$name$"),
            "Invalid placeholder in string: line 1, col 6"
        );
    }

    #[test]
    fn validation() {
        assert_eq!(
            validate("$ $message").unwrap_err().to_string(),
            "invalid format: bare '$' not allowed"
        );
        assert_eq!(
            validate("$$ only").unwrap_err().to_string(),
            "invalid format: no fields"
        );
        assert!(validate("$$${levelname}$$").is_ok());
        assert!(validate("$Message").is_ok());
    }
}

//! The `{` style: `str.format(**values)`, compiled once.
//!
//! [`markup`] walks a format exactly as CPython's `MarkupIterator` does (literal
//! text, `{{`/`}}` escapes, fields with conversion and spec, nested `{width}`
//! fields in specs), yielding the same parse errors at the same points. The
//! validator logging runs at construction ([`validate`]) sees that walk the way
//! `string.Formatter.parse` shows it, and applies logging's two regular
//! expressions. [`compile`] turns the walk into segments: literals, and fields
//! whose name is resolved to a [`Field`], whose `.attr` / `[index]` accessors are
//! parsed, and whose spec is parsed or, when it holds nested fields, compiled in
//! turn. Rendering only looks values up and formats them.

use std::borrow::Cow;

use crate::error::FormatterError;
use crate::spec::{format_value, Spec};
use crate::unicode::{decimal_value, is_decimal, is_word, write_repr};
use crate::value::{Field, Scope, Val};

/// One step of `MarkupIterator`.
#[derive(Debug, PartialEq, Eq)]
enum Markup {
    Literal(String),
    Field {
        name: String,
        conversion: Option<char>,
        spec: String,
        nested: bool,
    },
    Error(&'static str),
}

/// CPython's `MarkupIterator` over `s`: literals and fields, ending at the first
/// parse error.
fn markup(s: &[char]) -> Vec<Markup> {
    let end = s.len();
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < end {
        let start = pos;
        let mut c = '\0';
        let mut markup_follows = false;
        while pos < end {
            c = s[pos];
            pos += 1;
            if c == '{' || c == '}' {
                markup_follows = true;
                break;
            }
        }
        let at_end = pos >= end;
        let mut len = pos - start;
        if c == '}' && markup_follows && (at_end || s[pos] != '}') {
            out.push(Markup::Error("Single '}' encountered in format string"));
            return out;
        }
        if at_end && c == '{' && markup_follows {
            out.push(Markup::Error("Single '{' encountered in format string"));
            return out;
        }
        if markup_follows && !at_end {
            if c == s[pos] {
                pos += 1;
                markup_follows = false;
            } else {
                len -= 1;
            }
        }
        if len > 0 {
            out.push(Markup::Literal(s[start..start + len].iter().collect()));
        }
        if !markup_follows {
            continue;
        }
        match parse_field(s, &mut pos) {
            Ok(f) => out.push(f),
            Err(e) => {
                out.push(Markup::Error(e));
                return out;
            }
        }
    }
    out
}

/// CPython's `parse_field`, from just after a `{`.
fn parse_field(s: &[char], pos: &mut usize) -> Result<Markup, &'static str> {
    let end = s.len();
    let name_start = *pos;
    let mut c = '\0';
    while *pos < end {
        c = s[*pos];
        *pos += 1;
        match c {
            '{' => return Err("unexpected '{' in field name"),
            '[' => {
                while *pos < end && s[*pos] != ']' {
                    *pos += 1;
                }
                continue;
            }
            '}' | ':' | '!' => break,
            _ => continue,
        }
    }
    let name: String = s[name_start..(*pos).saturating_sub(1).max(name_start)]
        .iter()
        .collect();
    let mut conversion = None;
    if c == '!' || c == ':' {
        if c == '!' {
            if *pos >= end {
                return Err("end of string while looking for conversion specifier");
            }
            conversion = Some(s[*pos]);
            *pos += 1;
            if *pos < end {
                let c2 = s[*pos];
                *pos += 1;
                if c2 == '}' {
                    return Ok(Markup::Field {
                        name,
                        conversion,
                        spec: String::new(),
                        nested: false,
                    });
                }
                if c2 != ':' {
                    return Err("expected ':' after conversion specifier");
                }
            }
        }
        let spec_start = *pos;
        let mut count = 1;
        let mut nested = false;
        while *pos < end {
            let c = s[*pos];
            *pos += 1;
            if c == '{' {
                nested = true;
                count += 1;
            } else if c == '}' {
                count -= 1;
                if count == 0 {
                    return Ok(Markup::Field {
                        name,
                        conversion,
                        spec: s[spec_start..*pos - 1].iter().collect(),
                        nested,
                    });
                }
            }
        }
        return Err("unmatched '{' in format spec");
    }
    if c != '}' {
        return Err("expected '}' before end of string");
    }
    Ok(Markup::Field {
        name,
        conversion,
        spec: String::new(),
        nested: false,
    })
}

/// What a field name starts with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum First {
    Named(Field),
    /// A positional field: `format(**values)` has no positional arguments.
    Positional(usize),
    Error(&'static str),
}

/// A `.name` or `[key]` step after the first part of a field name.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Access {
    Attr(Box<str>),
    Index(usize),
    Key(Box<str>),
    Error(&'static str),
}

/// How a field's spec is obtained.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SpecSrc {
    Static(Spec),
    Nested(Vec<Seg>),
    /// A nested field with its own nested field: `Max string recursion exceeded`.
    TooDeep,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BField {
    pub(crate) first: First,
    pub(crate) rest: Vec<Access>,
    pub(crate) conversion: Option<char>,
    pub(crate) spec: SpecSrc,
}

/// A compiled piece of a `{` format.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Seg {
    Literal(Box<str>),
    Field(Box<BField>),
    Error(&'static str),
}

/// `get_integer` of the C implementation: `Ok(None)` when not all decimal.
fn get_integer(s: &[char]) -> Result<Option<usize>, &'static str> {
    if s.is_empty() {
        return Ok(None);
    }
    let mut acc: usize = 0;
    for &c in s {
        let Some(d) = decimal_value(c) else {
            return Ok(None);
        };
        let d = d as usize;
        if acc > (isize::MAX as usize - d) / 10 {
            return Err("Too many decimal digits in format string");
        }
        acc = acc * 10 + d;
    }
    Ok(Some(acc))
}

/// `field_name_split` + the `FieldNameIterator`.
fn split_field_name(name: &str) -> (First, Vec<Access>) {
    let chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
        i += 1;
    }
    let first_chars = &chars[..i];
    let first = match get_integer(first_chars) {
        Err(e) => return (First::Error(e), Vec::new()),
        Ok(Some(n)) => First::Positional(n),
        Ok(None) if first_chars.is_empty() => First::Positional(0),
        Ok(None) => First::Named(Field::from_name(&first_chars.iter().collect::<String>())),
    };
    let mut rest = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let step = match c {
            '.' => {
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                if start == i {
                    Access::Error("Empty attribute in format string")
                } else {
                    Access::Attr(chars[start..i].iter().collect::<String>().into())
                }
            }
            '[' => {
                let start = i;
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
                if i >= chars.len() {
                    Access::Error("Missing ']' in format string")
                } else {
                    let key = &chars[start..i];
                    i += 1;
                    match get_integer(key) {
                        Err(e) => Access::Error(e),
                        Ok(_) if key.is_empty() => {
                            Access::Error("Empty attribute in format string")
                        }
                        Ok(Some(n)) => Access::Index(n),
                        Ok(None) => Access::Key(key.iter().collect::<String>().into()),
                    }
                }
            }
            _ => Access::Error("Only '.' or '[' may follow ']' in format field specifier"),
        };
        let stop = matches!(step, Access::Error(_));
        rest.push(step);
        if stop {
            break;
        }
    }
    (first, rest)
}

/// Compiles a `{` format; `depth` is CPython's remaining recursion depth (2 at the
/// top, 1 inside a nested spec).
pub(crate) fn compile(fmt: &str, depth: u32) -> Vec<Seg> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut segs = Vec::new();
    let mut lit = String::new();
    for m in markup(&chars) {
        if !matches!(m, Markup::Literal(_)) && !lit.is_empty() {
            segs.push(Seg::Literal(std::mem::take(&mut lit).into()));
        }
        match m {
            Markup::Literal(s) => lit.push_str(&s),
            Markup::Error(e) => segs.push(Seg::Error(e)),
            Markup::Field {
                name,
                conversion,
                spec,
                nested,
            } => {
                let (first, rest) = split_field_name(&name);
                let spec = if !nested {
                    SpecSrc::Static(Spec::new(&spec))
                } else if depth > 1 {
                    SpecSrc::Nested(compile(&spec, depth - 1))
                } else {
                    SpecSrc::TooDeep
                };
                segs.push(Seg::Field(Box::new(BField {
                    first,
                    rest,
                    conversion,
                    spec,
                })));
            }
        }
    }
    if !lit.is_empty() {
        segs.push(Seg::Literal(lit.into()));
    }
    segs
}

/// Calls `f` with the name of every field `segs` looks up, nested specs included.
pub(crate) fn for_each_field(segs: &[Seg], f: &mut dyn FnMut(&Field)) {
    for s in segs {
        if let Seg::Field(b) = s {
            if let First::Named(field) = &b.first {
                f(field);
            }
            if let SpecSrc::Nested(inner) = &b.spec {
                for_each_field(inner, f);
            }
        }
    }
}

/// A failure while rendering: a missing key (Python's `KeyError`) or another error.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RenderError {
    Missing(String),
    Other(String),
}

impl From<String> for RenderError {
    fn from(s: String) -> Self {
        RenderError::Other(s)
    }
}

/// `str.format(**values)` of compiled segments, appended to `out`.
pub(crate) fn render(
    segs: &[Seg],
    scope: &Scope<'_, '_>,
    out: &mut String,
) -> Result<(), RenderError> {
    for seg in segs {
        match seg {
            Seg::Literal(s) => out.push_str(s),
            Seg::Error(e) => return Err(RenderError::Other((*e).to_owned())),
            Seg::Field(f) => render_field(f, scope, out)?,
        }
    }
    Ok(())
}

pub(crate) fn render_field(
    f: &BField,
    scope: &Scope<'_, '_>,
    out: &mut String,
) -> Result<(), RenderError> {
    let mut v: Val<'_> = match &f.first {
        First::Named(field) => match scope.lookup(field) {
            Some(v) => v,
            None => return Err(RenderError::Missing(field.name().to_owned())),
        },
        First::Positional(n) => {
            return Err(RenderError::Other(format!(
                "Replacement index {n} out of range for positional args tuple"
            )))
        }
        First::Error(e) => return Err(RenderError::Other((*e).to_owned())),
    };
    for step in &f.rest {
        v = match step {
            Access::Attr(a) => v.getattr(a)?,
            Access::Index(i) => v.getitem_index(*i)?,
            Access::Key(k) => v.getitem_key(k)?,
            Access::Error(e) => return Err(RenderError::Other((*e).to_owned())),
        };
    }
    if let Some(conv) = f.conversion {
        let mut s = String::new();
        match conv {
            's' => v.write_str(&mut s),
            'r' => v.write_repr(false, &mut s),
            'a' => v.write_repr(true, &mut s),
            c if (c as u32) > 32 && (c as u32) < 127 => {
                return Err(RenderError::Other(format!(
                    "Unknown conversion specifier {c}"
                )))
            }
            c => {
                return Err(RenderError::Other(format!(
                    "Unknown conversion specifier \\x{:x}",
                    c as u32
                )))
            }
        }
        v = Val::Str(Cow::Owned(s));
    }
    match &f.spec {
        SpecSrc::Static(spec) => format_value(&v, spec, out)?,
        SpecSrc::Nested(segs) => {
            let mut text = String::new();
            render(segs, scope, &mut text)?;
            format_value(&v, &Spec::new(&text), out)?;
        }
        SpecSrc::TooDeep => {
            return Err(RenderError::Other(
                "Max string recursion exceeded".to_owned(),
            ))
        }
    }
    Ok(())
}

/// `$` for Python regular expressions: at the end, or before a final newline.
fn at_dollar(s: &[char], i: usize) -> bool {
    i == s.len() || (i + 1 == s.len() && s[i] == '\n')
}

/// `StrFormatStyle.field_spec.match(name)`: `^(\d+|\w+)(\.\w+|\[[^]]+\])*$`.
fn field_spec_matches(name: &str) -> bool {
    let s: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i < s.len() && is_word(s[i]) {
        i += 1;
    }
    if i == 0 {
        return false;
    }
    loop {
        if at_dollar(&s, i) {
            return true;
        }
        match s.get(i) {
            Some('.') => {
                let start = i + 1;
                let mut j = start;
                while j < s.len() && is_word(s[j]) {
                    j += 1;
                }
                if j == start {
                    return false;
                }
                i = j;
            }
            Some('[') => {
                let start = i + 1;
                let mut j = start;
                while j < s.len() && s[j] != ']' {
                    j += 1;
                }
                if j == start || j >= s.len() {
                    return false;
                }
                i = j + 1;
            }
            _ => return false,
        }
    }
}

/// `StrFormatStyle.fmt_spec.match(spec)` (with `re.I`):
/// `^(.?[<>=^])?[+ -]?#?0?(\d+|{\w+})?[,_]?(\.(\d+|{\w+}))?[bcdefgnosx%]?$`.
///
/// A backtracking search over the pattern's nine elements, each listing where it
/// can end; visited `(element, position)` pairs are remembered, so the search is
/// linear in the spec's length however it is built.
fn fmt_spec_matches(spec: &str) -> bool {
    let s: Vec<char> = spec.chars().collect();
    let n = s.len();
    // Length of the decimal-digit run starting at each position.
    let mut run = vec![0usize; n + 1];
    for i in (0..n).rev() {
        if is_decimal(s[i]) {
            run[i] = run[i + 1] + 1;
        }
    }
    // End of a `{\w+}` starting at each position, if one does.
    let mut word = vec![0usize; n + 1];
    for i in (0..n).rev() {
        if is_word(s[i]) {
            word[i] = word[i + 1] + 1;
        }
    }
    let name_end = |i: usize| -> Option<usize> {
        (s.get(i) == Some(&'{') && word[i + 1] > 0 && s.get(i + 1 + word[i + 1]) == Some(&'}'))
            .then(|| i + 2 + word[i + 1])
    };
    let is_align = |c: char| matches!(c, '<' | '>' | '=' | '^');
    let mut failed = vec![false; 9 * (n + 1)];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((k, i)) = stack.pop() {
        if failed[k * (n + 1) + i] {
            continue;
        }
        failed[k * (n + 1) + i] = true;
        if k == 8 {
            if at_dollar(&s, i) {
                return true;
            }
            continue;
        }
        let c = s.get(i).copied();
        let mut push = |e: usize| stack.push((k + 1, e));
        push(i);
        match k {
            0 => {
                if let (Some(f), Some(&a)) = (c, s.get(i + 1)) {
                    if f != '\n' && is_align(a) {
                        push(i + 2);
                    }
                }
                if c.is_some_and(is_align) {
                    push(i + 1);
                }
            }
            1 if matches!(c, Some('+' | ' ' | '-')) => push(i + 1),
            2 if c == Some('#') => push(i + 1),
            3 if c == Some('0') => push(i + 1),
            4 => {
                for e in i + 1..=i + run[i] {
                    push(e);
                }
                if let Some(e) = name_end(i) {
                    push(e);
                }
            }
            5 if matches!(c, Some(',' | '_')) => push(i + 1),
            6 if c == Some('.') => {
                for e in i + 2..=i + 1 + run[i + 1] {
                    push(e);
                }
                if let Some(e) = name_end(i + 1) {
                    push(e);
                }
            }
            7 => {
                if let Some(c) = c {
                    if "bcdefgnosx%".contains(c.to_ascii_lowercase()) || c == '\u{17f}' {
                        push(i + 1);
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// `StrFormatStyle.validate`.
pub(crate) fn validate(fmt: &str) -> Result<(), FormatterError> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut any_field = false;
    for m in markup(&chars) {
        match m {
            Markup::Literal(_) => {}
            Markup::Error(e) => return Err(FormatterError::syntax(format!("invalid format: {e}"))),
            Markup::Field {
                name,
                conversion,
                spec,
                ..
            } => {
                if !name.is_empty() {
                    if !field_spec_matches(&name) {
                        let mut r = String::new();
                        write_repr(&name, false, &mut r);
                        return Err(FormatterError::invalid_field(format!(
                            "invalid format: invalid field name/expression: {r}"
                        )));
                    }
                    any_field = true;
                }
                if let Some(c) = conversion {
                    if !matches!(c, 'r' | 's' | 'a') {
                        let mut r = String::new();
                        write_repr(&c.to_string(), false, &mut r);
                        return Err(FormatterError::invalid_conversion(format!(
                            "invalid format: invalid conversion: {r}"
                        )));
                    }
                }
                if !spec.is_empty() && !fmt_spec_matches(&spec) {
                    let mut r = String::new();
                    write_repr(&spec, false, &mut r);
                    return Err(FormatterError::bad_specifier(format!(
                        "invalid format: bad specifier: {r}"
                    )));
                }
            }
        }
    }
    if !any_field {
        return Err(FormatterError::no_fields());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(fmt: &str) -> Result<(), String> {
        validate(fmt).map_err(|e| e.to_string())
    }

    #[test]
    fn validation_messages_match_python() {
        // Expected texts printed by python3 -c 'import logging; logging.Formatter(F, style="{")'.
        assert_eq!(
            v("{levelname:q} {message}").unwrap_err(),
            "invalid format: bad specifier: 'q'"
        );
        assert_eq!(
            v("{message!x}").unwrap_err(),
            "invalid format: invalid conversion: 'x'"
        );
        assert_eq!(
            v("{levelname {message}").unwrap_err(),
            "invalid format: unexpected '{' in field name"
        );
        assert_eq!(v("static").unwrap_err(), "invalid format: no fields");
        assert_eq!(v("{} {:d}").unwrap_err(), "invalid format: no fields");
        assert_eq!(
            v("{a-b}").unwrap_err(),
            "invalid format: invalid field name/expression: 'a-b'"
        );
        assert_eq!(
            v("{a} }").unwrap_err(),
            "invalid format: Single '}' encountered in format string"
        );
        assert!(v("{message:{width}}").is_ok());
        assert!(v("{message:*^10}").is_ok());
        assert!(v("{x:=+#010,.3F}").is_ok());
        assert!(v("{x:5\n}").is_ok(), "$ matches before a final newline");
        assert!(v("{x\n}").is_ok());
        assert!(v("{x[a b].c}").is_ok());
        assert!(v("{x:ſ}").is_ok(), "re.I folds U+017F to s");
        assert!(v("{x:\n<5}").is_err());
        assert!(v("{x:5z}").is_err());
    }

    #[test]
    fn markup_matches_cpython() {
        let m = |s: &str| markup(&s.chars().collect::<Vec<_>>());
        assert_eq!(m("a{{b}}c").len(), 3);
        assert_eq!(m("{a!}")[0], Markup::Error("unmatched '{' in format spec"));
        assert_eq!(
            m("{a!}b}")[0],
            Markup::Error("expected ':' after conversion specifier")
        );
        assert_eq!(
            m("{a!")[0],
            Markup::Error("end of string while looking for conversion specifier")
        );
        assert_eq!(
            m("{a[}")[0],
            Markup::Error("expected '}' before end of string")
        );
        assert_eq!(
            m("x{")[0],
            Markup::Error("Single '{' encountered in format string")
        );
        assert_eq!(
            m("{a[:}]}")[0],
            Markup::Field {
                name: "a[:}]".into(),
                conversion: None,
                spec: String::new(),
                nested: false
            }
        );
    }
}

//! Python's format-spec mini-language: what `format(value, spec)` does for the
//! `str`, `int`, `bool`, `float`, `None` and tuple values a record holds.
//!
//! A spec is parsed once, when the format string is compiled ([`parse`]), into a
//! [`RawSpec`] that does not yet know the value's type; Python's defaults depend
//! on the type (strings align left and default to `s`, numbers align right, a
//! leading `0` means `=` alignment only for numbers), so they are applied per
//! value by [`format_value`], which follows `Python/formatter_unicode.c` of
//! CPython 3.11 check for check, so that errors name the same problem in the same
//! order.

use std::fmt::Write as _;

use crate::float::{format_float, FloatFlags, NumBuf};
use crate::unicode::decimal_value;
use crate::value::Val;

/// The largest width honoured; Python would build the padding and may run out of
/// memory, we refuse the field instead (a deliberate difference).
pub(crate) const MAX_WIDTH: usize = 1 << 24;

/// A parsed spec: `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct RawSpec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    no_neg_0: bool,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

/// A spec that does not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpecError {
    TooManyDigits,
    BothSeparators,
    MissingPrecision,
    /// More than one character left where the type goes.
    Invalid,
}

/// A spec parsed once, with its text for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spec {
    text: Box<str>,
    parsed: Result<RawSpec, SpecError>,
}

impl Spec {
    pub(crate) fn new(text: &str) -> Spec {
        Spec {
            text: text.into(),
            parsed: parse(text),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// For a spec that only pads a string (`<8`, `>10`, `^9`, `12`): the width and
    /// the alignment character (`<` when none is given, as for strings).
    pub(crate) fn plain_string_padding(&self) -> Option<(usize, char)> {
        let r = self.parsed.as_ref().ok()?;
        let plain = r.fill.is_none()
            && r.sign.is_none()
            && !r.no_neg_0
            && !r.alt
            && !r.zero
            && r.grouping.is_none()
            && r.precision.is_none()
            && matches!(r.ty, None | Some('s'))
            && matches!(r.align, None | Some('<' | '>' | '^'));
        match r.width {
            Some(w) if plain && w <= MAX_WIDTH => Some((w, r.align.unwrap_or('<'))),
            _ => None,
        }
    }
}

impl Spec {
    /// For a spec that writes a non-negative integer as plain decimal digits,
    /// padded at most (`d`, `5`, `<5d`, `05d`, `*^7`): the width, the alignment and
    /// the fill, as Python resolves them for an `int`. `=` comes back as `>`: with
    /// no sign, the fill goes before the digits either way.
    pub(crate) fn plain_int_padding(&self) -> Option<(Option<usize>, char, char)> {
        let r = resolve(self, "int", Some('d'), '>').ok()?;
        let plain = matches!(r.sign, None | Some('-'))
            && !r.no_neg_0
            && !r.alt
            && r.grouping.is_none()
            && r.precision.is_none()
            && r.ty == Some('d');
        let align = match r.align {
            '=' => '>',
            a @ ('<' | '>' | '^') => a,
            _ => return None,
        };
        plain.then_some((r.width, align, r.fill))
    }

    /// Whether the spec writes a float in `0.0..1000.0` with no fractional part
    /// as three digits, zero-padded on the left: `03.0f` and its spellings.
    pub(crate) fn is_zero_padded3_integral(&self) -> bool {
        let Ok(r) = resolve(self, "float", None, '>') else {
            return false;
        };
        matches!(r.sign, None | Some('-'))
            && !r.no_neg_0
            && !r.alt
            && r.grouping.is_none()
            && r.fill == '0'
            && matches!(r.align, '=' | '>')
            && r.width == Some(3)
            && r.precision == Some(0)
            && matches!(r.ty, Some('f' | 'F'))
    }
}

/// `get_integer`: decimal digits of any script; `None` on overflow.
fn get_integer(chars: &[char], pos: &mut usize) -> Result<Option<usize>, SpecError> {
    let mut acc: usize = 0;
    let mut any = false;
    while let Some(d) = chars.get(*pos).and_then(|&c| decimal_value(c)) {
        let d = d as usize;
        if acc > (isize::MAX as usize - d) / 10 {
            return Err(SpecError::TooManyDigits);
        }
        acc = acc * 10 + d;
        any = true;
        *pos += 1;
    }
    Ok(any.then_some(acc))
}

fn is_align(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '^')
}

/// `parse_internal_render_format_spec` without the type-dependent defaults.
pub(crate) fn parse(spec: &str) -> Result<RawSpec, SpecError> {
    let chars: Vec<char> = spec.chars().collect();
    let end = chars.len();
    let mut pos = 0;
    let mut r = RawSpec::default();
    if end >= 2 && is_align(chars[1]) {
        r.fill = Some(chars[0]);
        r.align = Some(chars[1]);
        pos = 2;
    } else if end >= 1 && is_align(chars[0]) {
        r.align = Some(chars[0]);
        pos = 1;
    }
    if pos < end && matches!(chars[pos], ' ' | '+' | '-') {
        r.sign = Some(chars[pos]);
        pos += 1;
    }
    if pos < end && chars[pos] == 'z' {
        r.no_neg_0 = true;
        pos += 1;
    }
    if pos < end && chars[pos] == '#' {
        r.alt = true;
        pos += 1;
    }
    if r.fill.is_none() && pos < end && chars[pos] == '0' {
        r.zero = true;
        pos += 1;
    }
    r.width = get_integer(&chars, &mut pos)?;
    if pos < end && chars[pos] == ',' {
        r.grouping = Some(',');
        pos += 1;
    }
    if pos < end && chars[pos] == '_' {
        if r.grouping.is_some() {
            return Err(SpecError::BothSeparators);
        }
        r.grouping = Some('_');
        pos += 1;
    }
    if pos < end && chars[pos] == ',' && r.grouping == Some('_') {
        return Err(SpecError::BothSeparators);
    }
    if pos < end && chars[pos] == '.' {
        pos += 1;
        match get_integer(&chars, &mut pos)? {
            Some(p) => r.precision = Some(p),
            None => return Err(SpecError::MissingPrecision),
        }
    }
    if end - pos > 1 {
        return Err(SpecError::Invalid);
    }
    if end - pos == 1 {
        r.ty = Some(chars[pos]);
    }
    Ok(r)
}

/// A spec with the value type's defaults applied.
struct Resolved {
    fill: char,
    align: char,
    sign: Option<char>,
    no_neg_0: bool,
    alt: bool,
    width: Option<usize>,
    /// Separator and group size.
    grouping: Option<(char, usize)>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn code_text(c: char) -> String {
    if (c as u32) > 32 && (c as u32) < 128 {
        c.to_string()
    } else {
        format!("\\x{:x}", c as u32)
    }
}

fn resolve(
    spec: &Spec,
    type_name: &str,
    default_type: Option<char>,
    default_align: char,
) -> Result<Resolved, String> {
    let raw = match &spec.parsed {
        Ok(r) => r,
        Err(SpecError::TooManyDigits) => {
            return Err("Too many decimal digits in format string".to_owned())
        }
        Err(SpecError::BothSeparators) => return Err("Cannot specify both ',' and '_'.".to_owned()),
        Err(SpecError::MissingPrecision) => {
            return Err("Format specifier missing precision".to_owned())
        }
        Err(SpecError::Invalid) => {
            return Err(format!(
                "Invalid format specifier '{}' for object of type '{}'",
                spec.text, type_name
            ))
        }
    };
    let mut fill = raw.fill.unwrap_or(' ');
    let mut align = raw.align.unwrap_or(default_align);
    if raw.zero {
        fill = '0';
        if raw.align.is_none() && default_align == '>' {
            align = '=';
        }
    }
    let ty = raw.ty.or(default_type);
    let grouping = match raw.grouping {
        None => None,
        Some(sep) => match ty {
            None | Some('d' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F') => Some((sep, 3)),
            Some('b' | 'o' | 'x' | 'X') if sep == '_' => Some(('_', 4)),
            Some(t) => return Err(format!("Cannot specify '{}' with '{}'.", sep, code_text(t))),
        },
    };
    if raw.width.is_some_and(|w| w > MAX_WIDTH) {
        return Err(format!(
            "field width {} exceeds logtree's limit of {MAX_WIDTH}",
            raw.width.unwrap_or(0)
        ));
    }
    Ok(Resolved {
        fill,
        align,
        sign: raw.sign,
        no_neg_0: raw.no_neg_0,
        alt: raw.alt,
        width: raw.width,
        grouping,
        precision: raw.precision,
        ty,
    })
}

fn unknown(ty: char, type_name: &str) -> String {
    format!(
        "Unknown format code '{}' for object of type '{}'",
        code_text(ty),
        type_name
    )
}

fn fill_n(out: &mut String, c: char, n: usize) {
    for _ in 0..n {
        out.push(c);
    }
}

/// Python's `format(value, spec)`, appended to `out`.
pub(crate) fn format_value(v: &Val<'_>, spec: &Spec, out: &mut String) -> Result<(), String> {
    if spec.is_empty() {
        v.write_str(out);
        return Ok(());
    }
    match v {
        Val::Str(s) => format_str(s, spec, out),
        Val::Int(i) => format_int(*i, "int", spec, out),
        Val::Bool(b) => format_int(i128::from(*b), "bool", spec, out),
        Val::Float(f) => {
            let r = resolve(spec, "float", None, '>')?;
            match r.ty {
                None | Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') => {
                    format_float_spec(*f, &r, out)
                }
                Some(t) => Err(unknown(t, "float")),
            }
        }
        Val::None => Err("unsupported format string passed to NoneType.__format__".to_owned()),
        Val::Tuple => Err("unsupported format string passed to tuple.__format__".to_owned()),
    }
}

fn format_str(s: &str, spec: &Spec, out: &mut String) -> Result<(), String> {
    let r = resolve(spec, "str", Some('s'), '<')?;
    match r.ty {
        Some('s') => {}
        Some(t) => return Err(unknown(t, "str")),
        None => {}
    }
    match r.sign {
        Some(' ') => return Err("Space not allowed in string format specifier".to_owned()),
        Some(_) => return Err("Sign not allowed in string format specifier".to_owned()),
        None => {}
    }
    if r.no_neg_0 {
        return Err("Negative zero coercion (z) not allowed in string format specifier".to_owned());
    }
    if r.alt {
        return Err("Alternate form (#) not allowed in string format specifier".to_owned());
    }
    if r.align == '=' {
        return Err("'=' alignment not allowed in string format specifier".to_owned());
    }
    pad_text(s, r.width, r.precision, r.align, r.fill, out);
    Ok(())
}

/// Writes `s` cut to `precision` characters and padded to `width`.
pub(crate) fn pad_text(
    s: &str,
    width: Option<usize>,
    precision: Option<usize>,
    align: char,
    fill: char,
    out: &mut String,
) {
    let (text, len) = match precision {
        Some(p) => match s.char_indices().nth(p) {
            Some((at, _)) => (&s[..at], p),
            None => (s, s.chars().count()),
        },
        None if width.is_some() => (s, s.chars().count()),
        None => (s, 0),
    };
    let total = width.map_or(len, |w| w.max(len));
    let left = match align {
        '>' => total - len,
        '^' => (total - len) / 2,
        _ => 0,
    };
    fill_n(out, fill, left);
    out.push_str(text);
    fill_n(out, fill, total - len - left);
}

fn format_int(i: i128, type_name: &str, spec: &Spec, out: &mut String) -> Result<(), String> {
    let r = resolve(spec, type_name, Some('d'), '>')?;
    let ty = r.ty.unwrap_or('d');
    match ty {
        'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => {}
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => return format_float_spec(i as f64, &r, out),
        t => return Err(unknown(t, type_name)),
    }
    if r.precision.is_some() {
        return Err("Precision not allowed in integer format specifier".to_owned());
    }
    if r.no_neg_0 {
        return Err(
            "Negative zero coercion (z) not allowed in integer format specifier".to_owned(),
        );
    }
    if ty == 'c' {
        if r.sign.is_some() {
            return Err("Sign not allowed with integer format specifier 'c'".to_owned());
        }
        if r.alt {
            return Err(
                "Alternate form (#) not allowed with integer format specifier 'c'".to_owned(),
            );
        }
        if i64::try_from(i).is_err() {
            return Err("Python int too large to convert to C long".to_owned());
        }
        let c = u32::try_from(i)
            .ok()
            .and_then(char::from_u32)
            .or_else(|| (0xd800..=0xdfff).contains(&i).then_some('\u{fffd}'))
            .ok_or_else(|| "%c arg not in range(0x110000)".to_owned())?;
        let mut tmp = [0u8; 4];
        let text: &str = c.encode_utf8(&mut tmp);
        layout_number(out, &r, false, "", "", false, text, None, false);
        return Ok(());
    }
    let mut buf = NumBuf::new();
    let neg = i < 0;
    let a = i.unsigned_abs();
    let prefix = match ty {
        'b' => {
            let _ = write!(buf, "{a:b}");
            "0b"
        }
        'o' => {
            let _ = write!(buf, "{a:o}");
            "0o"
        }
        'x' => {
            let _ = write!(buf, "{a:x}");
            "0x"
        }
        'X' => {
            let _ = write!(buf, "{a:X}");
            "0X"
        }
        _ => {
            let _ = write!(buf, "{a}");
            ""
        }
    };
    let prefix = if r.alt { prefix } else { "" };
    let grouping = if ty == 'n' { None } else { r.grouping };
    layout_number(
        out,
        &r,
        neg,
        prefix,
        buf.as_str(),
        false,
        "",
        grouping,
        false,
    );
    Ok(())
}

fn format_float_spec(x: f64, r: &Resolved, out: &mut String) -> Result<(), String> {
    if r.precision.is_some_and(|p| p > i32::MAX as usize) {
        return Err("precision too big".to_owned());
    }
    let mut flags = FloatFlags {
        alt: r.alt,
        no_neg_0: r.no_neg_0,
        ..FloatFlags::default()
    };
    let mut ty = r.ty.unwrap_or('r');
    let mut default_precision = 6;
    if r.ty.is_none() {
        flags.add_dot_0 = true;
        default_precision = 0;
    }
    let mut grouping = r.grouping;
    if ty == 'n' {
        ty = 'g';
        grouping = None;
    }
    let mut val = x;
    let pct = ty == '%';
    if pct {
        ty = 'f';
        val *= 100.0;
    }
    let precision = match r.precision {
        Some(p) => {
            if ty == 'r' {
                ty = 'g';
            }
            p
        }
        None => default_precision,
    };
    let mut text = String::new();
    format_float(val, ty, precision, flags, &mut text)?;
    if pct {
        text.push('%');
    }
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let ndig = body.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = body.split_at(ndig);
    let (decimal, remainder) = match rest.strip_prefix('.') {
        Some(rem) => (true, rem),
        None => (false, rest),
    };
    layout_number(out, r, neg, "", digits, decimal, remainder, grouping, false);
    Ok(())
}

/// `calc_number_widths` + `fill_number`: sign, prefix, zero-padded and grouped
/// digits, decimal point, remainder, aligned in the width.
#[allow(clippy::too_many_arguments)]
fn layout_number(
    out: &mut String,
    r: &Resolved,
    negative: bool,
    prefix: &str,
    digits: &str,
    decimal: bool,
    remainder: &str,
    grouping: Option<(char, usize)>,
    _upper: bool,
) {
    let sign = match r.sign {
        Some('+') => Some(if negative { '-' } else { '+' }),
        Some(' ') => Some(if negative { '-' } else { ' ' }),
        _ => negative.then_some('-'),
    };
    let n_remainder = remainder.chars().count();
    let n_non_digit =
        usize::from(sign.is_some()) + prefix.len() + usize::from(decimal) + n_remainder;
    let width = r.width.map_or(-1, |w| w as i64);
    let min_width = if r.fill == '0' && r.align == '=' {
        width - n_non_digit as i64
    } else {
        0
    };
    let grouped_len = if digits.is_empty() {
        0
    } else {
        grouping_len(digits.len() as i64, min_width, grouping)
    };
    let padding = width - (n_non_digit as i64 + grouped_len);
    let (mut lpad, mut spad, mut rpad) = (0, 0, 0);
    if padding > 0 {
        let p = padding as usize;
        match r.align {
            '<' => rpad = p,
            '^' => {
                lpad = p / 2;
                rpad = p - lpad;
            }
            '=' => spad = p,
            _ => lpad = p,
        }
    }
    fill_n(out, r.fill, lpad);
    if let Some(s) = sign {
        out.push(s);
    }
    out.push_str(prefix);
    fill_n(out, r.fill, spad);
    if !digits.is_empty() {
        write_grouped(out, digits, min_width, grouping);
    }
    if decimal {
        out.push('.');
    }
    out.push_str(remainder);
    fill_n(out, r.fill, rpad);
}

/// The group sizes `_PyUnicode_InsertThousandsGrouping` produces, right to left:
/// `(zeros, digits)` per group, calling `each` for every group.
fn groups(
    n_digits: i64,
    min_width: i64,
    grouping: Option<(char, usize)>,
    mut each: impl FnMut(i64, i64, bool),
) {
    let mut remaining = n_digits;
    let mut min_width = min_width.max(0);
    let mut use_sep = false;
    if let Some((_, size)) = grouping {
        let size = size as i64;
        loop {
            let l = size.min(remaining.max(min_width).max(1));
            let zeros = (l - remaining).max(0);
            let chars = remaining.min(l).max(0);
            each(zeros, chars, use_sep);
            use_sep = true;
            remaining -= chars;
            min_width -= l;
            if remaining <= 0 && min_width <= 0 {
                return;
            }
            min_width -= 1;
        }
    }
    let l = remaining.max(min_width).max(1);
    let zeros = (l - remaining).max(0);
    let chars = remaining.min(l).max(0);
    each(zeros, chars, use_sep);
}

fn grouping_len(n_digits: i64, min_width: i64, grouping: Option<(char, usize)>) -> i64 {
    let mut total = 0;
    groups(n_digits, min_width, grouping, |z, c, sep| {
        total += z + c + i64::from(sep)
    });
    total
}

fn write_grouped(out: &mut String, digits: &str, min_width: i64, grouping: Option<(char, usize)>) {
    let sep = grouping.map_or(',', |g| g.0);
    // Collect the groups right to left, then write them left to right.
    let mut parts: Vec<(i64, i64, bool)> = Vec::new();
    groups(digits.len() as i64, min_width, grouping, |z, c, s| {
        parts.push((z, c, s))
    });
    let mut end = digits.len();
    let mut spans: Vec<(i64, usize, usize, bool)> = Vec::with_capacity(parts.len());
    for (z, c, s) in parts {
        let start = end - c as usize;
        spans.push((z, start, end, s));
        end = start;
    }
    for (z, start, end, s) in spans.into_iter().rev() {
        for _ in 0..z {
            out.push('0');
        }
        out.push_str(&digits[start..end]);
        if s {
            out.push(sep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn fmt(v: Val<'_>, spec: &str) -> Result<String, String> {
        let mut out = String::new();
        format_value(&v, &Spec::new(spec), &mut out).map(|()| out)
    }

    fn s(v: &str) -> Val<'_> {
        Val::Str(Cow::Borrowed(v))
    }

    #[test]
    fn strings() {
        // Expected values printed by python3 -c 'print(repr(format(v, spec)))'.
        assert_eq!(fmt(s("ab"), "05").unwrap(), "ab000");
        assert_eq!(fmt(s("ab"), "^6").unwrap(), "  ab  ");
        assert_eq!(fmt(s("abc"), ".1s").unwrap(), "a");
        assert_eq!(fmt(s("x"), "*>3").unwrap(), "**x");
        assert_eq!(
            fmt(s("ab"), ",").unwrap_err(),
            "Cannot specify ',' with 's'."
        );
        assert_eq!(
            fmt(s("ab"), " ").unwrap_err(),
            "Space not allowed in string format specifier"
        );
        assert_eq!(
            fmt(s("a"), "=5.2").unwrap_err(),
            "'=' alignment not allowed in string format specifier"
        );
        assert_eq!(
            fmt(s("ab"), "xx").unwrap_err(),
            "Invalid format specifier 'xx' for object of type 'str'"
        );
        assert_eq!(
            fmt(s("ab"), "d").unwrap_err(),
            "Unknown format code 'd' for object of type 'str'"
        );
        assert_eq!(
            fmt(s("ab"), "é").unwrap_err(),
            "Unknown format code '\\xe9' for object of type 'str'"
        );
        assert_eq!(fmt(s("ab"), "٣").unwrap(), "ab ");
    }

    #[test]
    fn integers() {
        assert_eq!(fmt(Val::Int(1234), "010,").unwrap(), "00,001,234");
        assert_eq!(fmt(Val::Int(1), "04,").unwrap(), "0,001");
        assert_eq!(fmt(Val::Int(-1234), "010,").unwrap(), "-0,001,234");
        assert_eq!(fmt(Val::Int(1234), "#010_x").unwrap(), "0x000_04d2");
        assert_eq!(fmt(Val::Int(1234), "x=8,").unwrap(), "xxx1,234");
        assert_eq!(fmt(Val::Int(255), "#X").unwrap(), "0XFF");
        assert_eq!(fmt(Val::Int(-5), "=6").unwrap(), "-    5");
        assert_eq!(fmt(Val::Int(5), "010c").unwrap(), "000000000\x05");
        assert_eq!(fmt(Val::Int(10), ".1%").unwrap(), "1000.0%");
        assert_eq!(fmt(Val::Int(1234), "n").unwrap(), "1234");
        assert_eq!(fmt(Val::Bool(true), ">5").unwrap(), "    1");
        assert_eq!(fmt(Val::Bool(true), "").unwrap(), "True");
        assert_eq!(
            fmt(Val::Bool(true), "s").unwrap_err(),
            "Unknown format code 's' for object of type 'bool'"
        );
        assert_eq!(
            fmt(Val::Int(5), ",,").unwrap_err(),
            "Cannot specify ',' with ','."
        );
        assert_eq!(
            fmt(Val::Int(5), "_,").unwrap_err(),
            "Cannot specify both ',' and '_'."
        );
        assert_eq!(
            fmt(Val::Int(5), "z.2").unwrap_err(),
            "Precision not allowed in integer format specifier"
        );
        assert_eq!(
            fmt(Val::Int(-1), "c").unwrap_err(),
            "%c arg not in range(0x110000)"
        );
        assert_eq!(
            fmt(Val::Int(5), "\x01").unwrap_err(),
            "Unknown format code '\\x1' for object of type 'int'"
        );
    }

    #[test]
    fn floats() {
        assert_eq!(fmt(Val::Float(12345.678), ",.2f").unwrap(), "12,345.68");
        assert_eq!(fmt(Val::Float(12345.678), "_g").unwrap(), "12_345.7");
        assert_eq!(fmt(Val::Float(1234567.0), "_").unwrap(), "1_234_567.0");
        assert_eq!(fmt(Val::Float(f64::INFINITY), "010").unwrap(), "0000000inf");
        assert_eq!(fmt(Val::Float(1.5), "^10").unwrap(), "   1.5    ");
        assert_eq!(fmt(Val::Float(0.4567), ".2%").unwrap(), "45.67%");
        assert_eq!(fmt(Val::Float(-0.0), "z").unwrap(), "0.0");
        assert_eq!(fmt(Val::Float(1.5), ".0").unwrap(), "2e+00");
        assert_eq!(
            fmt(Val::Float(1.5), "d").unwrap_err(),
            "Unknown format code 'd' for object of type 'float'"
        );
        assert_eq!(
            fmt(Val::Float(1.5), ".3000000000f").unwrap_err(),
            "precision too big"
        );
        assert_eq!(
            fmt(Val::None, "5").unwrap_err(),
            "unsupported format string passed to NoneType.__format__"
        );
    }
}

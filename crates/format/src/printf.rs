//! Python's `%` operator on strings (`printf`-style formatting), as logging's `%`
//! style and `default_msec_format` use it.
//!
//! The format is parsed once into [`Item`]s that record, for every conversion, the
//! steps CPython's `PyUnicode_Format` takes in order (look the key up, consume `*`
//! arguments, complain about an incomplete or oversized spec, take the value,
//! convert it) so that a format with several problems fails with the same error
//! Python reports. [`run`] then executes the items against either a mapping (the
//! record) or a tuple of positional arguments.

use crate::float::{float_to_int_digits, format_float, FloatFlags, NumBuf};
use crate::spec::MAX_WIDTH;
use crate::value::{Field, Val};
use std::fmt::Write as _;

pub(crate) const F_LJUST: u8 = 1;
const F_SIGN: u8 = 2;
const F_BLANK: u8 = 4;
const F_ALT: u8 = 8;
pub(crate) const F_ZERO: u8 = 16;

/// Width or precision of a conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Num {
    None,
    Value(usize),
    /// `*`: taken from the next argument.
    Star,
}

/// What ends a conversion spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// A conversion character and its index in the format (in characters).
    Convert(char, usize),
    /// A parse error raised after the steps before it.
    Error(&'static str),
}

/// One `%` conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Conv {
    pub(crate) key: Option<Field>,
    pub(crate) flags: u8,
    pub(crate) width: Num,
    pub(crate) precision: Num,
    pub(crate) end: End,
}

/// A piece of a compiled `%` format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    Literal(Box<str>),
    Conv(Conv),
    /// `incomplete format key`: raised before anything else in this spec.
    KeyError,
}

/// Parses a `%` format the way `PyUnicode_Format` walks it.
pub(crate) fn parse(fmt: &str) -> Vec<Item> {
    let chars: Vec<char> = fmt.chars().collect();
    let n = chars.len();
    let mut items = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < n {
        if chars[i] != '%' {
            lit.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i < n && chars[i] == '%' {
            lit.push('%');
            i += 1;
            continue;
        }
        if !lit.is_empty() {
            items.push(Item::Literal(std::mem::take(&mut lit).into()));
        }
        // The character last read, as CPython keeps it in `arg->ch`.
        let mut ch = '\0';
        let mut key = None;
        if i < n && chars[i] == '(' {
            let start = i + 1;
            let mut depth = 1;
            let mut j = start;
            while j < n && depth > 0 {
                match chars[j] {
                    ')' => depth -= 1,
                    '(' => depth += 1,
                    _ => {}
                }
                j += 1;
            }
            if depth > 0 {
                items.push(Item::KeyError);
                return items;
            }
            let name: String = chars[start..j - 1].iter().collect();
            key = Some(Field::from_name(&name));
            ch = ')';
            i = j;
        }
        let mut conv = Conv {
            key,
            flags: 0,
            width: Num::None,
            precision: Num::None,
            end: End::Error("incomplete format"),
        };
        let mut rd = Reader {
            chars: &chars,
            i,
            ch,
            exhausted: false,
        };
        while rd.next() {
            match rd.ch {
                '-' => conv.flags |= F_LJUST,
                '+' => conv.flags |= F_SIGN,
                ' ' => conv.flags |= F_BLANK,
                '#' => conv.flags |= F_ALT,
                '0' => conv.flags |= F_ZERO,
                _ => break,
            }
        }
        let mut failed = false;
        if rd.ch == '*' {
            conv.width = Num::Star;
            rd.next();
        } else if rd.ch.is_ascii_digit() {
            match rd.number(isize::MAX as usize) {
                Some(w) => conv.width = Num::Value(w),
                None => {
                    conv.width = Num::Value(0);
                    conv.end = End::Error("width too big");
                    failed = true;
                }
            }
        }
        if !failed && rd.ch == '.' {
            conv.precision = Num::Value(0);
            rd.next();
            if rd.ch == '*' {
                conv.precision = Num::Star;
                rd.next();
            } else if rd.ch.is_ascii_digit() {
                match rd.number(i32::MAX as usize) {
                    Some(p) => conv.precision = Num::Value(p),
                    None => {
                        conv.end = End::Error("precision too big");
                        failed = true;
                    }
                }
            }
        }
        if !failed {
            if !rd.exhausted && matches!(rd.ch, 'h' | 'l' | 'L') {
                rd.next();
            }
            if !rd.exhausted {
                conv.end = End::Convert(rd.ch, rd.i - 1);
            }
        }
        let exhausted = rd.exhausted;
        i = rd.i;
        let stop = failed || exhausted;
        items.push(Item::Conv(conv));
        if stop {
            return items;
        }
    }
    if !lit.is_empty() {
        items.push(Item::Literal(lit.into()));
    }
    items
}

/// Reads a format one character at a time, keeping the last character read when
/// the format runs out (CPython's `arg->ch` when `--fmtcnt >= 0` fails).
struct Reader<'c> {
    chars: &'c [char],
    i: usize,
    ch: char,
    exhausted: bool,
}

impl Reader<'_> {
    /// Reads the decimal number starting at the current (digit) character, as
    /// CPython's `%` parser does for a width or precision; `None` when it would pass
    /// `limit` (the reader then stands on the digit that overflowed).
    fn number(&mut self, limit: usize) -> Option<usize> {
        let mut n = self.ch as usize - '0' as usize;
        while self.next() {
            if !self.ch.is_ascii_digit() {
                break;
            }
            let d = self.ch as usize - '0' as usize;
            if n > (limit - d) / 10 {
                return None;
            }
            n = n * 10 + d;
        }
        Some(n)
    }

    fn next(&mut self) -> bool {
        if self.i < self.chars.len() {
            self.ch = self.chars[self.i];
            self.i += 1;
            true
        } else {
            self.exhausted = true;
            false
        }
    }
}

/// An argument a conversion consumed: a value, or (mapping mode, a conversion with
/// no key) the whole record.
enum Arg<'v> {
    Val(Val<'v>),
    Record,
}

/// Where arguments come from.
pub(crate) enum Args<'s, 'v> {
    /// The record's attributes (`fmt % record.__dict__`).
    Mapping(&'s dyn Fn(&Field) -> Option<Val<'v>>),
    /// Positional arguments (`fmt % (a, b)`).
    Tuple(&'s [Val<'v>]),
}

/// CPython's argument cursor (`args`, `arglen`, `argidx`).
struct Cursor<'v> {
    keyed: Option<Val<'v>>,
    arglen: isize,
    argidx: isize,
}

/// Formats `items` with `args`, appending to `out`.
///
/// Errors are Python's exception messages; `missing` receives the key of a
/// mapping lookup that failed (Python's `KeyError`), so the caller can word it.
pub(crate) fn run<'v>(
    items: &[Item],
    args: &Args<'_, 'v>,
    out: &mut String,
) -> Result<(), RunError> {
    let (arglen, argidx) = match args {
        Args::Mapping(_) => (-1, -2),
        Args::Tuple(t) => (t.len() as isize, 0),
    };
    let mut cur = Cursor {
        keyed: None,
        arglen,
        argidx,
    };
    let mut using_key = false;
    // Set when a conversion without a key received the whole record; Python
    // would print `repr(record.__dict__)` there. The format still runs to the
    // end so that a later error is reported as Python reports it.
    let mut whole_record = false;
    for item in items {
        let conv = match item {
            Item::Literal(s) => {
                out.push_str(s);
                continue;
            }
            Item::KeyError => {
                return Err(RunError::Other(match args {
                    Args::Mapping(_) => "incomplete format key".to_owned(),
                    Args::Tuple(_) => "format requires a mapping".to_owned(),
                }))
            }
            Item::Conv(c) => c,
        };
        if let Some(key) = &conv.key {
            match args {
                Args::Mapping(lookup) => match lookup(key) {
                    Some(v) => {
                        cur.keyed = Some(v);
                        cur.arglen = -1;
                        cur.argidx = -2;
                        using_key = true;
                    }
                    None => return Err(RunError::Missing(key.name().to_owned())),
                },
                Args::Tuple(_) => {
                    return Err(RunError::Other("format requires a mapping".to_owned()))
                }
            }
        }
        let mut flags = conv.flags;
        let next_arg = |cur: &mut Cursor<'v>| -> Result<Arg<'v>, RunError> {
            if cur.argidx < cur.arglen {
                let idx = cur.argidx;
                cur.argidx += 1;
                if cur.arglen < 0 {
                    if using_key {
                        return Ok(Arg::Val(cur.keyed.clone().unwrap_or(Val::None)));
                    }
                    return Ok(Arg::Record);
                }
                if let Args::Tuple(t) = args {
                    return Ok(Arg::Val(t[idx as usize].clone()));
                }
            }
            Err(RunError::Other(
                "not enough arguments for format string".to_owned(),
            ))
        };
        let mut width = match conv.width {
            Num::None => None,
            Num::Value(w) => Some(w),
            Num::Star => {
                let v = star_int(next_arg(&mut cur)?)?;
                let w = isize::try_from(v).map_err(|_| {
                    RunError::Other("Python int too large to convert to C ssize_t".to_owned())
                })?;
                if w < 0 {
                    flags |= F_LJUST;
                }
                Some(w.unsigned_abs())
            }
        };
        let precision = match conv.precision {
            Num::None => None,
            Num::Value(p) => Some(p),
            Num::Star => {
                let v = star_int(next_arg(&mut cur)?)?;
                let p = i32::try_from(v).map_err(|_| {
                    RunError::Other("Python int too large to convert to C int".to_owned())
                })?;
                Some(p.max(0) as usize)
            }
        };
        let (ty, index) = match &conv.end {
            End::Error(e) => return Err(RunError::Other((*e).to_owned())),
            End::Convert(c, i) => (*c, *i),
        };
        let arg = next_arg(&mut cur)?;
        if width.is_some_and(|w| w > MAX_WIDTH)
            || precision
                .is_some_and(|p| p > MAX_WIDTH && matches!(ty, 'd' | 'i' | 'u' | 'o' | 'x' | 'X'))
        {
            return Err(RunError::Other(format!(
                "field width or precision exceeds logtree's limit of {MAX_WIDTH}"
            )));
        }
        if width == Some(0) {
            width = None;
        }
        convert(
            arg,
            ty,
            index,
            flags,
            width,
            precision,
            out,
            &mut whole_record,
        )?;
    }
    if whole_record {
        return Err(RunError::Other(
            "a %-conversion without a (key) would format the whole record; \
             logtree does not support it"
                .to_owned(),
        ));
    }
    if let Args::Tuple(_) = args {
        if cur.argidx < cur.arglen {
            return Err(RunError::Other(
                "not all arguments converted during string formatting".to_owned(),
            ));
        }
    }
    Ok(())
}

/// A formatting failure: a missing mapping key, or any other Python exception text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RunError {
    Missing(String),
    Other(String),
}

fn star_int(arg: Arg<'_>) -> Result<i128, RunError> {
    match arg {
        Arg::Val(Val::Int(i)) => Ok(i),
        Arg::Val(Val::Bool(b)) => Ok(i128::from(b)),
        _ => Err(RunError::Other("* wants int".to_owned())),
    }
}

fn type_name(arg: &Arg<'_>) -> &'static str {
    match arg {
        Arg::Val(v) => v.type_name(),
        Arg::Record => "dict",
    }
}

fn pad(out: &mut String, c: char, n: usize) {
    for _ in 0..n {
        out.push(c);
    }
}

#[allow(clippy::too_many_arguments)]
fn convert(
    arg: Arg<'_>,
    ty: char,
    index: usize,
    flags: u8,
    width: Option<usize>,
    precision: Option<usize>,
    out: &mut String,
    whole_record: &mut bool,
) -> Result<(), RunError> {
    let other = |m: String| RunError::Other(m);
    match ty {
        's' | 'r' | 'a' => {
            let v = match arg {
                Arg::Val(v) => v,
                Arg::Record => {
                    // `%.0s` of anything is empty: only then is the output known.
                    if precision != Some(0) {
                        *whole_record = true;
                    }
                    Val::Str(std::borrow::Cow::Borrowed(""))
                }
            };
            let mut text = String::new();
            match ty {
                's' => v.write_str(&mut text),
                'r' => v.write_repr(false, &mut text),
                _ => v.write_repr(true, &mut text),
            }
            write_text(&text, flags, width, precision, out);
            Ok(())
        }
        'c' => {
            let c = match &arg {
                Arg::Val(Val::Str(s)) if s.chars().count() == 1 => s.chars().next(),
                Arg::Val(Val::Int(_) | Val::Bool(_)) => {
                    let i = match arg {
                        Arg::Val(Val::Int(i)) => i,
                        Arg::Val(Val::Bool(b)) => i128::from(b),
                        _ => 0,
                    };
                    let c = u32::try_from(i)
                        .ok()
                        .filter(|v| *v < 0x110000)
                        .map(|v| char::from_u32(v).unwrap_or('\u{fffd}'));
                    match c {
                        Some(c) => Some(c),
                        None => return Err(other("%c arg not in range(0x110000)".to_owned())),
                    }
                }
                _ => None,
            };
            let c = c.ok_or_else(|| other("%c requires int or char".to_owned()))?;
            let mut tmp = [0u8; 4];
            write_text(c.encode_utf8(&mut tmp), flags, width, None, out);
            Ok(())
        }
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
            let mut buf = NumBuf::new();
            let (neg, int_text): (bool, &str) = match &arg {
                Arg::Val(Val::Int(i)) => (*i < 0, int_digits(i.unsigned_abs(), ty, &mut buf)),
                Arg::Val(Val::Bool(b)) => (false, int_digits(u128::from(*b), ty, &mut buf)),
                Arg::Val(Val::Float(f)) if matches!(ty, 'd' | 'i' | 'u') => {
                    if f.is_nan() {
                        return Err(other("cannot convert float NaN to integer".to_owned()));
                    }
                    if f.is_infinite() {
                        return Err(other("cannot convert float infinity to integer".to_owned()));
                    }
                    let neg = float_to_int_digits(*f, &mut buf);
                    (neg, buf.as_str())
                }
                a => {
                    let what = if matches!(ty, 'd' | 'i' | 'u') {
                        "a real number"
                    } else {
                        "an integer"
                    };
                    return Err(other(format!(
                        "%{} format: {} is required, not {}",
                        ty,
                        what,
                        type_name(a)
                    )));
                }
            };
            let prefix = match ty {
                'x' if flags & F_ALT != 0 => "0x",
                'X' if flags & F_ALT != 0 => "0X",
                'o' if flags & F_ALT != 0 => "0o",
                _ => "",
            };
            let zeros = precision.map_or(0, |p| p.saturating_sub(int_text.len()));
            write_number(neg, prefix, zeros, int_text, flags, width, out);
            Ok(())
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let x = match &arg {
                Arg::Val(Val::Float(f)) => *f,
                Arg::Val(Val::Int(i)) => *i as f64,
                Arg::Val(Val::Bool(b)) => f64::from(u8::from(*b)),
                a => {
                    return Err(other(format!("must be real number, not {}", type_name(a))));
                }
            };
            let mut text = String::new();
            let fl = FloatFlags {
                alt: flags & F_ALT != 0,
                ..FloatFlags::default()
            };
            format_float(x, ty, precision.unwrap_or(6), fl, &mut text).map_err(other)?;
            let (neg, body) = match text.strip_prefix('-') {
                Some(b) => (true, b),
                None => (false, text.as_str()),
            };
            write_number(neg, "", 0, body, flags, width, out);
            Ok(())
        }
        c => {
            let shown = if (31..=126).contains(&(c as u32)) {
                c
            } else {
                '?'
            };
            let _ = arg;
            Err(other(format!(
                "unsupported format character '{}' (0x{:x}) at index {}",
                shown, c as u32, index
            )))
        }
    }
}

fn int_digits(v: u128, ty: char, buf: &mut NumBuf) -> &str {
    buf.clear();
    let _ = match ty {
        'o' => write!(buf, "{v:o}"),
        'x' => write!(buf, "{v:x}"),
        'X' => write!(buf, "{v:X}"),
        _ => write!(buf, "{v}"),
    };
    buf.as_str()
}

/// `%s`-like output: cut to `precision` characters, padded to `width` with spaces.
fn write_text(
    s: &str,
    flags: u8,
    width: Option<usize>,
    precision: Option<usize>,
    out: &mut String,
) {
    let text = match precision {
        Some(p) => match s.char_indices().nth(p) {
            Some((at, _)) => &s[..at],
            None => s,
        },
        None => s,
    };
    let len = if width.is_some() {
        text.chars().count()
    } else {
        0
    };
    let w = width.unwrap_or(0);
    if w > len && flags & F_LJUST == 0 {
        pad(out, ' ', w - len);
    }
    out.push_str(text);
    if w > len && flags & F_LJUST != 0 {
        pad(out, ' ', w - len);
    }
}

/// The numeric tail of `unicode_format_arg_output`: sign, `0x` prefix, padding.
fn write_number(
    negative: bool,
    prefix: &str,
    zeros: usize,
    digits: &str,
    flags: u8,
    width: Option<usize>,
    out: &mut String,
) {
    let sign = if negative {
        Some('-')
    } else if flags & F_SIGN != 0 {
        Some('+')
    } else if flags & F_BLANK != 0 {
        Some(' ')
    } else {
        None
    };
    let fill = if flags & F_ZERO != 0 && flags & F_LJUST == 0 {
        '0'
    } else {
        ' '
    };
    let len = prefix.len() + zeros + digits.len();
    let total = len + usize::from(sign.is_some());
    let w = width.unwrap_or(0).max(total);
    let padding = w - total;
    if padding > 0 && flags & F_LJUST == 0 {
        if fill == '0' {
            if let Some(s) = sign {
                out.push(s);
            }
            out.push_str(prefix);
            pad(out, '0', padding);
        } else {
            pad(out, ' ', padding);
            if let Some(s) = sign {
                out.push(s);
            }
            out.push_str(prefix);
        }
    } else {
        if let Some(s) = sign {
            out.push(s);
        }
        out.push_str(prefix);
    }
    pad(out, '0', zeros);
    out.push_str(digits);
    if padding > 0 && flags & F_LJUST != 0 {
        pad(out, ' ', padding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn pct(fmt: &str, v: Val<'_>) -> Result<String, RunError> {
        let items = parse(fmt);
        let lookup = |f: &Field| (f.name() == "v").then(|| v.clone());
        let mut out = String::new();
        run(&items, &Args::Mapping(&lookup), &mut out).map(|()| out)
    }

    fn err(fmt: &str, v: Val<'_>) -> String {
        match pct(fmt, v) {
            Err(RunError::Other(m)) => m,
            Err(RunError::Missing(k)) => format!("missing {k}"),
            Ok(s) => panic!("no error: {s:?}"),
        }
    }

    #[test]
    fn conversions_match_python() {
        // Expected values printed by python3 -c "print(repr('FMT' % {'v': V}))".
        assert_eq!(
            pct("%(v)-8.3s|", Val::Str(Cow::Borrowed("abcdef"))).unwrap(),
            "abc     |"
        );
        assert_eq!(pct("%(v)#o", Val::Int(8)).unwrap(), "0o10");
        assert_eq!(pct("%(v)+05d", Val::Int(-5)).unwrap(), "-0005");
        assert_eq!(pct("%(v)e", Val::Int(5)).unwrap(), "5.000000e+00");
        assert_eq!(pct("%(v)c", Val::Int(65)).unwrap(), "A");
        assert_eq!(pct("%(v)#010x", Val::Int(255)).unwrap(), "0x000000ff");
        assert_eq!(pct("%(v)#10x", Val::Int(255)).unwrap(), "      0xff");
        assert_eq!(pct("%(v)#-10x|", Val::Int(255)).unwrap(), "0xff      |");
        assert_eq!(pct("%(v)#.5X", Val::Int(255)).unwrap(), "0X000FF");
        assert_eq!(pct("%(v)d", Val::Float(-3.9)).unwrap(), "-3");
        assert_eq!(
            pct("%(v)010f", Val::Float(f64::INFINITY)).unwrap(),
            "0000000inf"
        );
        assert_eq!(
            pct("%(v)05s", Val::Str(Cow::Borrowed("ab"))).unwrap(),
            "   ab"
        );
        assert_eq!(pct("%(v)ld %%", Val::Int(1)).unwrap(), "1 %");
        assert_eq!(
            pct("%(v)r", Val::Str(Cow::Borrowed("it's"))).unwrap(),
            "\"it's\""
        );
    }

    #[test]
    fn errors_come_in_python_order() {
        assert_eq!(
            err("%(v)d", Val::Str(Cow::Borrowed("s"))),
            "%d format: a real number is required, not str"
        );
        assert_eq!(
            err("%(v)x", Val::Float(1.5)),
            "%x format: an integer is required, not float"
        );
        assert_eq!(err("%(v)f", Val::None), "must be real number, not NoneType");
        assert_eq!(
            err("%(v)Q %(w)s", Val::Int(1)),
            "unsupported format character 'Q' (0x51) at index 4"
        );
        assert_eq!(err("%(w)Q", Val::Int(1)), "missing w");
        assert_eq!(
            err("%(v)s %s", Val::Int(1)),
            "not enough arguments for format string"
        );
        assert_eq!(err("%(v)*d", Val::Str(Cow::Borrowed("s"))), "* wants int");
        assert_eq!(
            err("%(v)*d", Val::Int(3)),
            "not enough arguments for format string"
        );
        assert_eq!(err("%(v)", Val::Int(1)), "incomplete format");
        assert_eq!(err("%(v)s %(v", Val::Int(1)), "incomplete format key");
        assert_eq!(err("%(v)c", Val::Int(-1)), "%c arg not in range(0x110000)");
        assert_eq!(
            err("%5%", Val::Int(1)),
            "unsupported format character '%' (0x25) at index 2"
        );
        assert_eq!(
            err("%d", Val::Int(1)),
            "%d format: a real number is required, not dict"
        );
    }

    #[test]
    fn tuple_mode() {
        let items = parse("%s,%03d");
        let args = [Val::Str(Cow::Borrowed("12:00:00")), Val::Float(5.0)];
        let mut out = String::new();
        run(&items, &Args::Tuple(&args), &mut out).unwrap();
        assert_eq!(out, "12:00:00,005");
        let mut out = String::new();
        assert_eq!(
            run(&parse("%s"), &Args::Tuple(&args), &mut out),
            Err(RunError::Other(
                "not all arguments converted during string formatting".to_owned()
            ))
        );
        assert_eq!(
            run(&parse("%(a)s"), &Args::Tuple(&args), &mut out),
            Err(RunError::Other("format requires a mapping".to_owned()))
        );
    }
}

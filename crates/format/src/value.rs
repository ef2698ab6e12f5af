//! The values a format string can reach, and how it reaches them.
//!
//! Python formats `record.__dict__`; ours is a [`LogRecord`] plus its extras and the
//! formatter's `defaults`. A format string is compiled once, so every name it uses
//! is resolved once into a [`Field`]: a standard attribute by enum (read straight
//! from the record, no lookup, no allocation) or an extra by name.
//!
//! [`Val`] is what a field yields: the Python types a record holds (`str`, `int`,
//! `bool`, `float`, `None`, and the empty tuple `args`), borrowed from the record
//! where possible. It knows Python's `str()`, `repr()`, `ascii()`, type name, and
//! the attribute and item access `str.format` field names may apply to it.

use std::borrow::Cow;
use std::fmt::Write as _;

use logtree_core::{LogRecord, Value};

use crate::unicode::write_repr;
use crate::unicode_tables::{
    ATTRS_BOOL, ATTRS_FLOAT, ATTRS_INT, ATTRS_NONE, ATTRS_STR, ATTRS_TUPLE,
};

/// A record attribute a format string names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Msg,
    Args,
    LevelName,
    LevelNo,
    PathName,
    FileName,
    Module,
    ExcInfo,
    ExcText,
    StackInfo,
    LineNo,
    FuncName,
    Created,
    Msecs,
    RelativeCreated,
    Thread,
    ThreadName,
    ProcessName,
    Process,
    Message,
    Asctime,
    TaskName,
    Extra(Box<str>),
}

impl Field {
    /// The field Python's `record.__dict__[name]` would be.
    pub(crate) fn from_name(name: &str) -> Field {
        match name {
            "name" => Field::Name,
            "msg" => Field::Msg,
            "args" => Field::Args,
            "levelname" => Field::LevelName,
            "levelno" => Field::LevelNo,
            "pathname" => Field::PathName,
            "filename" => Field::FileName,
            "module" => Field::Module,
            "exc_info" => Field::ExcInfo,
            "exc_text" => Field::ExcText,
            "stack_info" => Field::StackInfo,
            "lineno" => Field::LineNo,
            "funcName" => Field::FuncName,
            "created" => Field::Created,
            "msecs" => Field::Msecs,
            "relativeCreated" => Field::RelativeCreated,
            "thread" => Field::Thread,
            "threadName" => Field::ThreadName,
            "processName" => Field::ProcessName,
            "process" => Field::Process,
            "message" => Field::Message,
            "asctime" => Field::Asctime,
            "taskName" => Field::TaskName,
            other => Field::Extra(other.into()),
        }
    }

    /// The attribute's Python name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Field::Name => "name",
            Field::Msg => "msg",
            Field::Args => "args",
            Field::LevelName => "levelname",
            Field::LevelNo => "levelno",
            Field::PathName => "pathname",
            Field::FileName => "filename",
            Field::Module => "module",
            Field::ExcInfo => "exc_info",
            Field::ExcText => "exc_text",
            Field::StackInfo => "stack_info",
            Field::LineNo => "lineno",
            Field::FuncName => "funcName",
            Field::Created => "created",
            Field::Msecs => "msecs",
            Field::RelativeCreated => "relativeCreated",
            Field::Thread => "thread",
            Field::ThreadName => "threadName",
            Field::ProcessName => "processName",
            Field::Process => "process",
            Field::Message => "message",
            Field::Asctime => "asctime",
            Field::TaskName => "taskName",
            Field::Extra(n) => n,
        }
    }
}

/// A Python value taken from a record.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val<'a> {
    Str(Cow<'a, str>),
    Int(i128),
    Bool(bool),
    Float(f64),
    None,
    /// The empty tuple (`record.args`: messages arrive already formatted).
    Tuple,
}

impl<'a> Val<'a> {
    pub(crate) fn from_value(v: Value<'a>) -> Val<'a> {
        match v {
            Value::None => Val::None,
            Value::Bool(b) => Val::Bool(b),
            Value::Int(i) => Val::Int(i),
            Value::Float(f) => Val::Float(f),
            Value::Str(s) => Val::Str(s),
        }
    }

    /// `type(v).__name__`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Str(_) => "str",
            Val::Int(_) => "int",
            Val::Bool(_) => "bool",
            Val::Float(_) => "float",
            Val::None => "NoneType",
            Val::Tuple => "tuple",
        }
    }

    /// Python's `str(v)`.
    pub(crate) fn write_str(&self, out: &mut String) {
        match self {
            Val::Str(s) => out.push_str(s),
            Val::Int(i) => push_int(out, *i),
            Val::Bool(true) => out.push_str("True"),
            Val::Bool(false) => out.push_str("False"),
            Val::Float(f) => logtree_core::write_float_repr(*f, out),
            Val::None => out.push_str("None"),
            Val::Tuple => out.push_str("()"),
        }
    }

    /// Python's `repr(v)`, or `ascii(v)`.
    pub(crate) fn write_repr(&self, ascii: bool, out: &mut String) {
        match self {
            Val::Str(s) => write_repr(s, ascii, out),
            other => other.write_str(out),
        }
    }

    /// `getattr(v, name)` for the data attributes numbers have.
    pub(crate) fn getattr(self, name: &str) -> Result<Val<'a>, String> {
        let found = match (&self, name) {
            (Val::Int(i), "real" | "numerator") => Some(Val::Int(*i)),
            (Val::Int(_), "imag") => Some(Val::Int(0)),
            (Val::Int(_), "denominator") => Some(Val::Int(1)),
            (Val::Bool(b), "real" | "numerator") => Some(Val::Int(i128::from(*b))),
            (Val::Bool(_), "imag") => Some(Val::Int(0)),
            (Val::Bool(_), "denominator") => Some(Val::Int(1)),
            (Val::Float(f), "real") => Some(Val::Float(*f)),
            (Val::Float(_), "imag") => Some(Val::Float(0.0)),
            _ => None,
        };
        if let Some(v) = found {
            return Ok(v);
        }
        let attrs = match self {
            Val::Str(_) => ATTRS_STR,
            Val::Int(_) => ATTRS_INT,
            Val::Bool(_) => ATTRS_BOOL,
            Val::Float(_) => ATTRS_FLOAT,
            Val::None => ATTRS_NONE,
            Val::Tuple => ATTRS_TUPLE,
        };
        if attrs.binary_search(&name).is_ok() {
            // Python would format a bound method or a type object, whose text holds
            // a memory address: a deliberate difference, see the crate docs.
            return Err(format!(
                "'{}' attribute of {} objects is a method; logtree does not format it",
                name,
                self.type_name()
            ));
        }
        Err(format!(
            "'{}' object has no attribute '{}'",
            self.type_name(),
            name
        ))
    }

    /// `v[index]` with an integer index.
    pub(crate) fn getitem_index(self, index: usize) -> Result<Val<'a>, String> {
        match self {
            Val::Str(s) => {
                let found = s
                    .char_indices()
                    .nth(index)
                    .map(|(at, c)| (at, at + c.len_utf8()));
                match (found, s) {
                    (Some((a, b)), Cow::Borrowed(s)) => Ok(Val::Str(Cow::Borrowed(&s[a..b]))),
                    (Some((a, b)), Cow::Owned(s)) => Ok(Val::Str(Cow::Owned(s[a..b].to_owned()))),
                    (None, _) => Err("string index out of range".to_owned()),
                }
            }
            Val::Tuple => Err("tuple index out of range".to_owned()),
            other => Err(format!(
                "'{}' object is not subscriptable",
                other.type_name()
            )),
        }
    }

    /// `v[key]` with a string key.
    pub(crate) fn getitem_key(self, _key: &str) -> Result<Val<'a>, String> {
        match self {
            Val::Str(_) => Err("string indices must be integers, not 'str'".to_owned()),
            Val::Tuple => Err("tuple indices must be integers or slices, not str".to_owned()),
            other => Err(format!(
                "'{}' object is not subscriptable",
                other.type_name()
            )),
        }
    }
}

/// Appends an integer in decimal without going through `fmt`.
pub(crate) fn push_int(out: &mut String, v: i128) {
    if let Ok(small) = u64::try_from(v) {
        push_u64(out, small);
        return;
    }
    let _ = write!(out, "{v}");
}

/// Appends an unsigned integer in decimal.
pub(crate) fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

/// What a compiled format reads values from: the record, the formatted time when
/// the format uses it, and the formatter's defaults.
pub(crate) struct Scope<'r, 'a> {
    pub(crate) record: &'r LogRecord<'a>,
    pub(crate) asctime: Option<&'r str>,
    pub(crate) defaults: &'r [(String, Value<'static>)],
}

impl<'r, 'a: 'r> Scope<'r, 'a> {
    /// `values[name]`, where `values = defaults | record.__dict__`.
    pub(crate) fn lookup(&self, field: &Field) -> Option<Val<'r>> {
        let r = self.record;
        Some(match field {
            Field::Name => Val::Str(Cow::Borrowed(&r.name)),
            Field::Msg | Field::Message => Val::Str(Cow::Borrowed(&r.message)),
            Field::Args => Val::Tuple,
            Field::LevelName => Val::Str(r.level.name()),
            Field::LevelNo => Val::Int(r.levelno().into()),
            Field::PathName => Val::Str(Cow::Borrowed(&r.pathname)),
            Field::FileName => Val::Str(Cow::Borrowed(r.filename())),
            Field::Module => Val::Str(Cow::Borrowed(r.module())),
            Field::ExcInfo | Field::TaskName => Val::None,
            Field::ExcText => match &r.exc_text {
                Some(t) => Val::Str(Cow::Borrowed(t)),
                None => Val::None,
            },
            Field::StackInfo => match &r.stack_info {
                Some(t) => Val::Str(Cow::Borrowed(t)),
                None => Val::None,
            },
            Field::LineNo => Val::Int(r.lineno.into()),
            Field::FuncName => Val::Str(Cow::Borrowed(&r.func_name)),
            Field::Created => Val::Float(r.created),
            Field::Msecs => Val::Float(msecs(r.created)),
            Field::RelativeCreated => Val::Float(r.relative_created()),
            Field::Thread => Val::Int(r.thread.into()),
            Field::ThreadName => Val::Str(r.thread_name()),
            Field::ProcessName => Val::Str(Cow::Borrowed(&r.process_name)),
            Field::Process => Val::Int(r.process.into()),
            Field::Asctime => match self.asctime {
                Some(t) => Val::Str(Cow::Borrowed(t)),
                None => return self.default_value("asctime"),
            },
            Field::Extra(name) => match r.extra_value(name) {
                Some(v) => Val::from_value(v),
                None => return self.default_value(name),
            },
        })
    }

    fn default_value(&self, name: &str) -> Option<Val<'r>> {
        self.defaults
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Val::from_value(v.clone()))
    }
}

/// Python's `record.msecs`: `int((created - int(created)) * 1000) + 0.0`.
pub(crate) fn msecs(created: f64) -> f64 {
    ((created - trunc(created)) * 1000.0).trunc() + 0.0
}

/// `f64::trunc` without the libm call for the values records hold (a cast is
/// exact below 2**52; larger floats are integers already). The sign of a zero
/// result may differ, which `msecs` does not see.
fn trunc(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        (x as i64) as f64
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::Level;

    #[test]
    fn fields_round_trip_their_names() {
        for n in [
            "name",
            "funcName",
            "relativeCreated",
            "asctime",
            "taskName",
            "custom",
        ] {
            assert_eq!(Field::from_name(n).name(), n);
        }
        assert_eq!(Field::from_name("levelno"), Field::LevelNo);
    }

    #[test]
    fn lookup_prefers_the_record_to_defaults() {
        let mut r = LogRecord::new("app", Level::INFO, "m");
        r.extra.push(("user".into(), Value::Str("ann".into())));
        let defaults = vec![
            ("user".to_owned(), Value::Str("nobody".into())),
            ("ip".to_owned(), Value::Str("-".into())),
            ("name".to_owned(), Value::Str("shadow".into())),
        ];
        let s = Scope {
            record: &r,
            asctime: None,
            defaults: &defaults,
        };
        assert_eq!(
            s.lookup(&Field::from_name("user")),
            Some(Val::Str("ann".into()))
        );
        assert_eq!(
            s.lookup(&Field::from_name("ip")),
            Some(Val::Str("-".into()))
        );
        assert_eq!(s.lookup(&Field::Name), Some(Val::Str("app".into())));
        assert_eq!(s.lookup(&Field::from_name("nope")), None);
        assert_eq!(s.lookup(&Field::Asctime), None);
    }

    #[test]
    fn attribute_and_item_errors_read_like_python() {
        assert_eq!(Val::Int(7).getattr("denominator"), Ok(Val::Int(1)));
        assert_eq!(Val::Bool(true).getattr("real"), Ok(Val::Int(1)));
        assert_eq!(
            Val::Str("a".into()).getattr("x").unwrap_err(),
            "'str' object has no attribute 'x'"
        );
        assert!(Val::Str("a".into())
            .getattr("upper")
            .unwrap_err()
            .contains("method"));
        assert_eq!(
            Val::Str("héllo".into()).getitem_index(1),
            Ok(Val::Str("é".into()))
        );
        assert_eq!(
            Val::Float(1.0).getitem_index(0).unwrap_err(),
            "'float' object is not subscriptable"
        );
        assert_eq!(msecs(-0.0001), 0.0);
        assert!(msecs(-0.0001).is_sign_positive());
    }
}

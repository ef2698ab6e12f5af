//! Value converters: `ext://`, `cfg://` and `env://`.
//!
//! Python's `BaseConfigurator` converts a string of the form `prefix://suffix` when
//! the prefix is one it knows, and leaves any other string alone (`http://...`
//! stays a URL). logtree knows three:
//!
//! - `ext://NAME`: a registered object or value ([`crate::Registry::add_ext_value`],
//!   [`crate::Registry::add_ext_object`], callbacks, `sys.stdout`, `sys.stderr`).
//!   Python imports a module here; logtree never does, so `ext://os.environ` is
//!   refused with Python's `Cannot resolve 'os.environ': ...`.
//! - `cfg://path`: a value elsewhere in the same configuration, with Python 3.11's
//!   grammar exactly: a top-level key, then `.key` or `[index]` steps
//!   (`cfg://handlers.email[toaddrs][0]`); an all-digit index is a list position.
//! - `env://NAME` and `env://NAME:-default`: an environment variable (the default
//!   when it is unset or empty). An unset variable without a default is an error
//!   naming it. Python has no such converter; it keeps secrets out of files.
//!
//! Python converts one step at a time, lazily; a `cfg://` that leads to another
//! `cfg://` string is followed here too, at most [`MAX_HOPS`] times, so that a
//! cycle is a clear error instead of a hang. Nested tables and lists are converted
//! recursively up to [`MAX_DEPTH`] levels.

use serde_json::{Map, Value};

use crate::error::ErrorKind;
use crate::registry::{Ext, Registry};
use crate::suggest::did_you_mean;

/// How many `cfg://` / `ext://` references may lead from one to the next.
pub(crate) const MAX_HOPS: usize = 32;
/// How deeply nested a converted value may be.
pub(crate) const MAX_DEPTH: usize = 128;

/// A converted value: plain data, or an `ext://` object.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Json(Value),
    Ext(String, Ext),
}

/// Why a value could not be converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConvError {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
}

impl ConvError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> ConvError {
        ConvError {
            kind,
            message: message.into(),
        }
    }
}

/// Looks environment variables up (a closure so that tests need not touch the
/// process environment).
pub(crate) type EnvLookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// The process environment; a value that is not valid Unicode counts as unset.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Converts values of one configuration.
#[derive(Clone, Copy)]
pub(crate) struct Converter<'a> {
    pub(crate) root: &'a Map<String, Value>,
    pub(crate) registry: &'a Registry,
    pub(crate) env: EnvLookup<'a>,
}

/// Splits `prefix://suffix` as Python's `CONVERT_PATTERN` does
/// (`^(?P<prefix>[a-z]+)://(?P<suffix>.*)$`, where `.` stops at a newline and `$`
/// also matches before a final newline).
pub(crate) fn split_prefix(s: &str) -> Option<(&str, &str)> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_lowercase())
        .unwrap_or(s.len());
    if end == 0 || !s[end..].starts_with("://") {
        return None;
    }
    let suffix = &s[end + 3..];
    let suffix = suffix.strip_suffix('\n').unwrap_or(suffix);
    if suffix.contains('\n') {
        return None;
    }
    Some((&s[..end], suffix))
}

impl<'a> Converter<'a> {
    /// Converts a value read for a keyword argument: a string reference may become
    /// an `ext://` object; tables and lists are converted inside.
    pub(crate) fn convert(&self, v: &Value) -> Result<Node, ConvError> {
        self.convert_hops(v, 0, 0)
    }

    /// Converts a value that must be plain data.
    pub(crate) fn convert_json(&self, v: &Value) -> Result<Value, ConvError> {
        match self.convert(v)? {
            Node::Json(j) => Ok(j),
            Node::Ext(name, _) => Err(ConvError::new(
                ErrorKind::Invalid,
                format!("'ext://{name}' is an object, not a value"),
            )),
        }
    }

    /// Follows references at the top of `v` only (a `cfg://` to a table gives the
    /// table, unconverted inside): for sections and component tables, whose values
    /// are converted when their own keys are read.
    pub(crate) fn follow(&self, v: &Value) -> Result<Node, ConvError> {
        let mut cur = v.clone();
        for _ in 0..=MAX_HOPS {
            let Value::String(s) = &cur else {
                return Ok(Node::Json(cur));
            };
            let Some((prefix, suffix)) = split_prefix(s) else {
                return Ok(Node::Json(cur));
            };
            cur = match prefix {
                "cfg" => self.cfg(s, suffix)?,
                "env" => return self.env(suffix).map(|s| Node::Json(Value::String(s))),
                "ext" => match self.registry.ext(suffix) {
                    Some(Ext::Value(v)) => v.clone(),
                    _ => return self.ext(suffix, 0, 0),
                },
                _ => return Ok(Node::Json(cur)),
            };
        }
        Err(ConvError::new(
            ErrorKind::Limit,
            format!(
                "Unable to convert {}: more than {MAX_HOPS} references in a row (a cycle?)",
                py_repr(v.as_str().unwrap_or_default())
            ),
        ))
    }

    fn convert_hops(&self, v: &Value, hops: usize, depth: usize) -> Result<Node, ConvError> {
        if depth > MAX_DEPTH {
            return Err(ConvError::new(
                ErrorKind::Limit,
                format!("the value is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        match v {
            Value::String(s) => {
                let Some((prefix, suffix)) = split_prefix(s) else {
                    return Ok(Node::Json(v.clone()));
                };
                if hops >= MAX_HOPS {
                    return Err(ConvError::new(
                        ErrorKind::Limit,
                        format!(
                            "Unable to convert {}: more than {MAX_HOPS} references in a row (a cycle?)",
                            py_repr(s)
                        ),
                    ));
                }
                match prefix {
                    "ext" => self.ext(suffix, hops, depth),
                    "cfg" => {
                        let target = self.cfg(s, suffix)?;
                        self.convert_hops(&target, hops + 1, depth)
                    }
                    "env" => self.env(suffix).map(|s| Node::Json(Value::String(s))),
                    _ => Ok(Node::Json(v.clone())),
                }
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.nested(item, hops, depth)?);
                }
                Ok(Node::Json(Value::Array(out)))
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, item) in map {
                    out.insert(k.clone(), self.nested(item, hops, depth)?);
                }
                Ok(Node::Json(Value::Object(out)))
            }
            other => Ok(Node::Json(other.clone())),
        }
    }

    fn nested(&self, v: &Value, hops: usize, depth: usize) -> Result<Value, ConvError> {
        match self.convert_hops(v, hops, depth + 1)? {
            Node::Json(j) => Ok(j),
            Node::Ext(name, _) => Err(ConvError::new(
                ErrorKind::Invalid,
                format!("'ext://{name}' is an object; it cannot be used inside a list or table"),
            )),
        }
    }

    fn ext(&self, name: &str, hops: usize, depth: usize) -> Result<Node, ConvError> {
        match self.registry.ext(name) {
            Some(Ext::Value(v)) => self.convert_hops(v, hops + 1, depth),
            Some(other) => Ok(Node::Ext(name.to_owned(), other.clone())),
            None => {
                let hint = did_you_mean(name, self.registry.ext_names());
                Err(ConvError::new(
                    ErrorKind::Resolve,
                    format!(
                        "Cannot resolve {}: not a registered ext:// name{hint}",
                        py_repr(name)
                    ),
                ))
            }
        }
    }

    /// Python 3.11's `cfg_convert`.
    fn cfg(&self, whole: &str, rest: &str) -> Result<Value, ConvError> {
        let unable = || {
            ConvError::new(
                ErrorKind::Convert,
                format!("Unable to convert {}", py_repr(rest)),
            )
        };
        let (word, mut rest) = match_word(rest).ok_or_else(unable)?;
        let mut d: &Value = self.root.get(word).ok_or_else(|| {
            let hint = did_you_mean(word, self.root.keys().map(String::as_str));
            ConvError::new(
                ErrorKind::Convert,
                format!(
                    "Unable to convert {}: no top-level key {}{hint}",
                    py_repr(whole),
                    py_repr(word)
                ),
            )
        })?;
        let mut walked = word.to_owned();
        while !rest.is_empty() {
            let (step, after, is_index) = if let Some((w, after)) = match_dot(rest) {
                (w, after, false)
            } else if let Some((w, after)) = match_index(rest) {
                (w, after, true)
            } else {
                return Err(ConvError::new(
                    ErrorKind::Convert,
                    format!("Unable to convert {} at {}", py_repr(whole), py_repr(rest)),
                ));
            };
            let next = if is_index && step.chars().all(|c| c.is_ascii_digit()) {
                match d {
                    Value::Array(items) => step.parse::<usize>().ok().and_then(|n| items.get(n)),
                    // Python indexes a dict with the integer: never a string key.
                    _ => None,
                }
            } else {
                match d {
                    Value::Object(m) => m.get(step),
                    _ => None,
                }
            };
            d = next.ok_or_else(|| {
                let what = if is_index {
                    format!("[{step}]")
                } else {
                    format!(".{step}")
                };
                ConvError::new(
                    ErrorKind::Convert,
                    format!(
                        "Unable to convert {}: {walked} has no {what}",
                        py_repr(whole)
                    ),
                )
            })?;
            walked.push_str(&rest[..rest.len() - after.len()]);
            rest = after;
        }
        Ok(d.clone())
    }

    fn env(&self, spec: &str) -> Result<String, ConvError> {
        let (name, default) = match spec.find(":-") {
            Some(i) => (&spec[..i], Some(&spec[i + 2..])),
            None => (spec, None),
        };
        let valid = name
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
        if name.is_empty() || !valid {
            return Err(ConvError::new(
                ErrorKind::Convert,
                format!(
                    "Unable to convert {}: not an environment variable name",
                    py_repr(&format!("env://{spec}"))
                ),
            ));
        }
        match ((self.env)(name), default) {
            (Some(v), Some(d)) if v.is_empty() => Ok(d.to_owned()),
            (Some(v), _) => Ok(v),
            (None, Some(d)) => Ok(d.to_owned()),
            (None, None) => Err(ConvError::new(
                ErrorKind::Convert,
                format!("environment variable '{name}' is not set (write env://{name}:-default to give a default)"),
            )),
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn skip_ws(s: &str) -> &str {
    s.trim_start_matches(char::is_whitespace)
}

fn take_word(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !is_word(c)).unwrap_or(s.len());
    if end == 0 {
        None
    } else {
        Some((&s[..end], &s[end..]))
    }
}

/// `^\s*(\w+)\s*`
fn match_word(s: &str) -> Option<(&str, &str)> {
    let (w, rest) = take_word(skip_ws(s))?;
    Some((w, skip_ws(rest)))
}

/// `^\.\s*(\w+)\s*`
fn match_dot(s: &str) -> Option<(&str, &str)> {
    match_word(s.strip_prefix('.')?)
}

/// `^\[\s*(\w+)\s*\]\s*`
fn match_index(s: &str) -> Option<(&str, &str)> {
    let (w, rest) = match_word(s.strip_prefix('[')?)?;
    Some((w, skip_ws(rest.strip_prefix(']')?)))
}

/// Python's `repr()` of a string, for messages that quote what the user wrote.
pub(crate) fn py_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    logtree_core::Value::Str(s.into()).write_repr(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        match name {
            "LOG_DIR" => Some("/var/log/app".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn with<R>(root: Value, f: impl FnOnce(Converter<'_>) -> R) -> R {
        let mut reg = Registry::new();
        reg.add_ext_value("app.dir", json!("/srv"));
        reg.add_ext_object("sys.stdout", std::sync::Arc::new(crate::StdStream::Stdout));
        let Value::Object(root) = root else { panic!() };
        f(Converter {
            root: &root,
            registry: &reg,
            env: &env,
        })
    }

    fn conv(root: Value, v: Value) -> Result<Value, String> {
        with(root, |c| c.convert_json(&v).map_err(|e| e.message))
    }

    #[test]
    fn prefixes() {
        assert_eq!(split_prefix("cfg://a.b"), Some(("cfg", "a.b")));
        assert_eq!(split_prefix("http://x"), Some(("http", "x")));
        assert_eq!(split_prefix("Cfg://x"), None);
        assert_eq!(split_prefix("cfg:/x"), None);
        assert_eq!(split_prefix("cfg://a\nb"), None);
        assert_eq!(split_prefix("cfg://a\n"), Some(("cfg", "a")));
        // Unknown prefixes stay strings.
        assert_eq!(
            conv(json!({}), json!("http://example.com")).unwrap(),
            json!("http://example.com")
        );
    }

    #[test]
    fn cfg_paths_follow_python_311() {
        let root = json!({"formats": {"brief": "%(message)s", "list": ["x", "y"], "7": "seven"},
                          "levels": {"console": "INFO"}, "alias": "cfg://levels.console"});
        assert_eq!(
            conv(root.clone(), json!("cfg://formats.brief")).unwrap(),
            json!("%(message)s")
        );
        assert_eq!(
            conv(root.clone(), json!("cfg://formats.list[1]")).unwrap(),
            json!("y")
        );
        assert_eq!(
            conv(root.clone(), json!("cfg://formats[list][0]")).unwrap(),
            json!("x")
        );
        assert_eq!(
            conv(root.clone(), json!("cfg:// formats . brief ")).unwrap(),
            json!("%(message)s")
        );
        // References are followed.
        assert_eq!(
            conv(root.clone(), json!("cfg://alias")).unwrap(),
            json!("INFO")
        );
        // Tables are converted inside.
        assert_eq!(
            conv(root.clone(), json!({"a": ["cfg://alias"]})).unwrap(),
            json!({"a": ["INFO"]})
        );
        // An all-digit index on a table is an integer: no match, as in Python.
        assert_eq!(
            conv(root.clone(), json!("cfg://formats[7]")).unwrap_err(),
            "Unable to convert 'cfg://formats[7]': formats has no [7]"
        );
        assert_eq!(
            conv(root.clone(), json!("cfg://formats.7")).unwrap(),
            json!("seven")
        );
        assert_eq!(
            conv(root.clone(), json!("cfg://formats.nope")).unwrap_err(),
            "Unable to convert 'cfg://formats.nope': formats has no .nope"
        );
        assert_eq!(
            conv(root.clone(), json!("cfg://formts.brief")).unwrap_err(),
            "Unable to convert 'cfg://formts.brief': no top-level key 'formts'; did you mean 'formats'?"
        );
        assert_eq!(
            conv(root.clone(), json!("cfg://formats.brief!")).unwrap_err(),
            "Unable to convert 'cfg://formats.brief!' at '!'"
        );
        assert_eq!(
            conv(root, json!("cfg://")).unwrap_err(),
            "Unable to convert ''"
        );
    }

    #[test]
    fn cfg_cycles_end_with_an_error() {
        let root = json!({"a": "cfg://b", "b": "cfg://a", "self": {"x": "cfg://self"}});
        let e = with(root, |c| c.convert(&json!("cfg://a")).unwrap_err());
        assert_eq!(e.kind, ErrorKind::Limit);
        assert!(
            e.message.contains("more than 32 references in a row"),
            "{}",
            e.message
        );
        // A table that contains a reference to itself.
        let root = json!({"self": {"x": "cfg://self"}});
        let e = with(root, |c| c.convert(&json!("cfg://self")).unwrap_err());
        assert_eq!(e.kind, ErrorKind::Limit);
    }

    #[test]
    fn deep_values_are_refused_not_overflowed() {
        let mut v = json!("leaf");
        for _ in 0..1000 {
            v = json!([v]);
        }
        let e = with(json!({}), |c| c.convert(&v).unwrap_err());
        assert_eq!(e.kind, ErrorKind::Limit);
        // Dropping a deep value recurses in serde_json; keep it off this test's stack.
        std::mem::forget(v);
    }

    #[test]
    fn ext_names_only_from_the_registry() {
        assert_eq!(
            conv(json!({}), json!("ext://app.dir")).unwrap(),
            json!("/srv")
        );
        let e = with(json!({}), |c| {
            c.convert(&json!("ext://os.environ")).unwrap_err()
        });
        assert_eq!(e.kind, ErrorKind::Resolve);
        assert_eq!(
            e.message,
            "Cannot resolve 'os.environ': not a registered ext:// name"
        );
        let n = with(json!({}), |c| {
            c.convert(&json!("ext://sys.stdout")).unwrap()
        });
        assert!(matches!(n, Node::Ext(name, Ext::Object(_)) if name == "sys.stdout"));
        assert_eq!(
            conv(json!({}), json!(["ext://sys.stdout"])).unwrap_err(),
            "'ext://sys.stdout' is an object; it cannot be used inside a list or table"
        );
        assert_eq!(
            conv(json!({}), json!("ext://sys.stdot")).unwrap_err(),
            "Cannot resolve 'sys.stdot': not a registered ext:// name; did you mean 'sys.stdout'?"
        );
    }

    #[test]
    fn env_values() {
        assert_eq!(
            conv(json!({}), json!("env://LOG_DIR")).unwrap(),
            json!("/var/log/app")
        );
        assert_eq!(
            conv(json!({}), json!("env://NOPE:-/tmp")).unwrap(),
            json!("/tmp")
        );
        assert_eq!(
            conv(json!({}), json!("env://EMPTY:-dflt")).unwrap(),
            json!("dflt")
        );
        assert_eq!(conv(json!({}), json!("env://EMPTY")).unwrap(), json!(""));
        assert_eq!(conv(json!({}), json!("env://NOPE:-")).unwrap(), json!(""));
        assert_eq!(
            conv(json!({}), json!("env://NOPE")).unwrap_err(),
            "environment variable 'NOPE' is not set (write env://NOPE:-default to give a default)"
        );
        assert_eq!(
            conv(json!({}), json!("env://1BAD")).unwrap_err(),
            "Unable to convert 'env://1BAD': not an environment variable name"
        );
        // A reference through cfg:// to env:// works.
        assert_eq!(
            conv(json!({"d": "env://LOG_DIR"}), json!("cfg://d")).unwrap(),
            json!("/var/log/app")
        );
    }
}

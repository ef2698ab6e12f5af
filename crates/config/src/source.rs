//! Reading a configuration: JSON or TOML text into one value tree, and finding
//! the line of a key path for error messages.
//!
//! Both formats become a `serde_json::Value` that keeps the key order of the file
//! (`preserve_order`), because Python's `dictConfig` applies formatters, filters
//! and loggers in dict order. TOML has no `null`; TOML dates become strings.
//!
//! Syntax errors carry the parser's line. For errors found later (an unknown
//! formatter), the text is parsed once more into a tree of positions only, and the
//! key path is looked up in it: the line of the deepest key of the path that
//! exists. That second parse happens only when there is an error to report.
//!
//! Limits: [`MAX_BYTES`] of text, and the parsers' own nesting limits (128 for
//! JSON; TOML's parser has its own), so no input can exhaust the stack.

use serde_json::{Map, Value};

use crate::error::{ConfigError, ErrorKind, KeyPath};

/// The largest configuration text accepted.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The text formats a configuration can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON (a Django `LOGGING` dictionary saved with `json.dump`).
    Json,
    /// TOML.
    Toml,
}

pub(crate) fn check_size(len: usize) -> Result<(), ConfigError> {
    if len > MAX_BYTES {
        return Err(ConfigError::new(
            ErrorKind::Limit,
            &KeyPath::root(),
            format!("the configuration is {len} bytes; at most {MAX_BYTES} are accepted"),
        ));
    }
    Ok(())
}

fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let n = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// Parses JSON text.
pub(crate) fn parse_json(text: &str) -> Result<Value, ConfigError> {
    check_size(text.len())?;
    serde_json::from_str::<Value>(text).map_err(|e| {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; the line goes in the location.
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_owned(),
            None => msg,
        };
        let kind = if msg.contains("recursion limit") {
            ErrorKind::Limit
        } else {
            ErrorKind::Syntax
        };
        let mut err = ConfigError::new(
            kind,
            &KeyPath::root(),
            format!("invalid JSON: {msg} (column {})", e.column()),
        );
        if e.line() > 0 {
            err.set_line(u32::try_from(e.line()).ok());
        }
        err
    })
}

/// Parses TOML text.
pub(crate) fn parse_toml(text: &str) -> Result<Value, ConfigError> {
    check_size(text.len())?;
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim_end().to_owned();
        let kind = if msg.contains("recursion limit") {
            ErrorKind::Limit
        } else {
            ErrorKind::Syntax
        };
        let mut err = ConfigError::new(kind, &KeyPath::root(), format!("invalid TOML: {msg}"));
        if let Some(span) = e.span() {
            err.set_line(Some(line_of(text, span.start)));
        }
        err
    })?;
    Ok(Value::Object(toml_table(table)))
}

fn toml_table(t: toml::Table) -> Map<String, Value> {
    t.into_iter().map(|(k, v)| (k, toml_value(v))).collect()
}

fn toml_value(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_value).collect()),
        toml::Value::Table(t) => Value::Object(toml_table(t)),
    }
}

/// Positions of keys and values, for error lines.
#[derive(Debug)]
pub(crate) struct Spans {
    start: usize,
    kind: SpanKind,
}

#[derive(Debug)]
enum SpanKind {
    Table(Vec<(String, usize, Spans)>),
    Array(Vec<Spans>),
    Leaf,
}

/// The line of the deepest key of `path` that exists in `text`.
pub(crate) fn locate(text: &str, format: Format, path: &[String]) -> Option<u32> {
    if path.is_empty() {
        return None;
    }
    let spans = match format {
        Format::Json => JsonSpans::new(text).value(0)?,
        Format::Toml => toml_spans(text)?,
    };
    let mut cur = &spans;
    let mut best = None;
    for seg in path {
        let next = match &cur.kind {
            SpanKind::Table(entries) => entries
                .iter()
                .rev()
                .find(|(k, _, _)| k == seg)
                .map(|(_, kpos, v)| (*kpos, v)),
            SpanKind::Array(items) => seg
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|i| items.get(i))
                .map(|v| (v.start, v)),
            SpanKind::Leaf => None,
        };
        match next {
            Some((pos, v)) => {
                best = Some(pos);
                cur = v;
            }
            None => break,
        }
    }
    best.map(|p| line_of(text, p))
}

/// A minimal JSON scanner for text that `serde_json` has already accepted.
struct JsonSpans<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> JsonSpans<'a> {
    fn new(text: &'a str) -> JsonSpans<'a> {
        JsonSpans {
            b: text.as_bytes(),
            i: 0,
        }
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    let raw = std::str::from_utf8(self.b.get(start..self.i)?).ok()?;
                    return serde_json::from_str(raw).ok();
                }
                _ => self.i += 1,
            }
        }
        None
    }

    fn value(&mut self, depth: usize) -> Option<Spans> {
        if depth > 256 {
            return None;
        }
        self.ws();
        let start = self.i;
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            break;
                        }
                        b',' => self.i += 1,
                        b'"' => {
                            let kpos = self.i;
                            let key = self.string()?;
                            self.ws();
                            if self.b.get(self.i) != Some(&b':') {
                                return None;
                            }
                            self.i += 1;
                            let v = self.value(depth + 1)?;
                            entries.push((key, kpos, v));
                        }
                        _ => return None,
                    }
                }
                Some(Spans {
                    start,
                    kind: SpanKind::Table(entries),
                })
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            break;
                        }
                        b',' => self.i += 1,
                        _ => items.push(self.value(depth + 1)?),
                    }
                }
                Some(Spans {
                    start,
                    kind: SpanKind::Array(items),
                })
            }
            b'"' => {
                self.string()?;
                Some(Spans {
                    start,
                    kind: SpanKind::Leaf,
                })
            }
            _ => {
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'
                    )
                {
                    self.i += 1;
                }
                Some(Spans {
                    start,
                    kind: SpanKind::Leaf,
                })
            }
        }
    }
}

/// TOML positions, from `toml_edit` (the parser under `toml`, which keeps every
/// key's span; `toml::Spanned` cannot span implicit tables).
fn toml_spans(text: &str) -> Option<Spans> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    Some(Spans {
        start: 0,
        kind: toml_table_spans(doc.as_table()),
    })
}

fn span_start(r: Option<std::ops::Range<usize>>) -> usize {
    r.map_or(0, |r| r.start)
}

fn toml_table_spans(t: &toml_edit::Table) -> SpanKind {
    let mut entries = Vec::new();
    for (k, _) in t.iter() {
        if let Some((key, item)) = t.get_key_value(k) {
            let kpos = span_start(key.span());
            entries.push((k.to_owned(), kpos, toml_item_spans(item, kpos)));
        }
    }
    SpanKind::Table(entries)
}

fn toml_item_spans(item: &toml_edit::Item, fallback: usize) -> Spans {
    match item {
        toml_edit::Item::Table(t) => Spans {
            start: t.span().map_or(fallback, |r| r.start),
            kind: toml_table_spans(t),
        },
        toml_edit::Item::ArrayOfTables(a) => Spans {
            start: a.span().map_or(fallback, |r| r.start),
            kind: SpanKind::Array(
                a.iter()
                    .map(|t| Spans {
                        start: t.span().map_or(fallback, |r| r.start),
                        kind: toml_table_spans(t),
                    })
                    .collect(),
            ),
        },
        toml_edit::Item::Value(v) => toml_value_spans(v, fallback),
        toml_edit::Item::None => Spans {
            start: fallback,
            kind: SpanKind::Leaf,
        },
    }
}

fn toml_value_spans(v: &toml_edit::Value, fallback: usize) -> Spans {
    let start = v.span().map_or(fallback, |r| r.start);
    let kind = match v {
        toml_edit::Value::Array(a) => {
            SpanKind::Array(a.iter().map(|x| toml_value_spans(x, start)).collect())
        }
        toml_edit::Value::InlineTable(t) => {
            let mut entries = Vec::new();
            for (k, _) in t.iter() {
                if let Some((key, item)) = t.get_key_value(k) {
                    let kpos = key.span().map_or(start, |r| r.start);
                    entries.push((k.to_owned(), kpos, toml_item_spans(item, kpos)));
                }
            }
            SpanKind::Table(entries)
        }
        _ => SpanKind::Leaf,
    };
    Spans { start, kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn json_keeps_order_and_reports_syntax_lines() {
        let v = parse_json("{\"z\": 1, \"a\": 2}").unwrap();
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["z", "a"]
        );
        let e = parse_json("{\n  \"a\": 1,\n  \"b\": \n}").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert_eq!(e.line(), Some(4));
        assert_eq!(e.message(), "invalid JSON: expected value (column 1)");
    }

    #[test]
    fn toml_keeps_order_and_reports_syntax_lines() {
        let v = parse_toml("version = 1\n[loggers.z]\nlevel = \"INFO\"\n[loggers.a]\n").unwrap();
        let loggers = v["loggers"].as_object().unwrap();
        assert_eq!(loggers.keys().collect::<Vec<_>>(), ["z", "a"]);
        let e = parse_toml("version = 1\n[handlers\n").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert_eq!(e.line(), Some(2));
        assert!(e.message().starts_with("invalid TOML: "), "{}", e.message());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        let e = parse_json(&format!("{{\"a\": {deep}")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
        let deep = format!("a = {}", "[".repeat(100_000));
        assert!(parse_toml(&deep).is_err());
        let deep = format!("a = {}", "{b = ".repeat(100_000));
        assert!(parse_toml(&deep).is_err());
    }

    #[test]
    fn too_large_input() {
        let big = " ".repeat(MAX_BYTES + 1);
        assert_eq!(parse_json(&big).unwrap_err().kind(), ErrorKind::Limit);
        assert_eq!(parse_toml(&big).unwrap_err().kind(), ErrorKind::Limit);
    }

    #[test]
    fn locate_json_keys() {
        let text = "{\n \"handlers\": {\n  \"h\": {\n   \"class\": \"x\",\n   \"filters\": [\"a\",\n \"b\"]\n  }\n }\n}";
        assert_eq!(
            locate(text, Format::Json, &path(&["handlers", "h", "class"])),
            Some(4)
        );
        assert_eq!(
            locate(
                text,
                Format::Json,
                &path(&["handlers", "h", "filters", "[1]"])
            ),
            Some(6)
        );
        // The deepest key that exists.
        assert_eq!(
            locate(text, Format::Json, &path(&["handlers", "h", "nope"])),
            Some(3)
        );
        assert_eq!(locate(text, Format::Json, &path(&["nope"])), None);
    }

    #[test]
    fn locate_toml_keys() {
        let text = "version = 1\n\n[handlers.h]\nclass = \"x\"\nfilters = [\n  \"a\",\n  \"b\",\n]\n\n[loggers.\"django.request\"]\nlevel = \"ERROR\"\n";
        assert_eq!(
            locate(text, Format::Toml, &path(&["handlers", "h", "class"])),
            Some(4)
        );
        assert_eq!(
            locate(
                text,
                Format::Toml,
                &path(&["handlers", "h", "filters", "[1]"])
            ),
            Some(7)
        );
        assert_eq!(
            locate(text, Format::Toml, &path(&["handlers", "h"])),
            Some(3)
        );
        assert_eq!(
            locate(
                text,
                Format::Toml,
                &path(&["loggers", "django.request", "level"])
            ),
            Some(11)
        );
    }
}

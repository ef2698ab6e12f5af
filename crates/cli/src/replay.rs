//! `logtree replay --config FILE`: the conformance driver of
//! `shared/conformance/PROTOCOL.md`.
//!
//! Applies the configuration, then reads stdin as JSON lines: a log call becomes a
//! [`LogRecord`] with the line's overrides (time, exception and stack text, call
//! site, process and thread, typed `extra` values, the Django `request`) and goes
//! through its logger exactly as Python's `Logger.log` would send it; a control op
//! reconfigures (`configure`), calls `logging.disable` (`disable`) or creates a
//! logger (`get_logger`). At the end every handler is flushed and closed.
//!
//! The `settings` table of the initial configuration stays in force for later
//! `configure` ops, as Django's settings outlive a `dictConfig` call.
//!
//! Exit codes: 0 done; 2 a configuration was refused (one line on stderr);
//! 3 a malformed input line.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use logtree_config::Config;
use logtree_core::{Level, LogRecord, Manager, Request, Value};
use serde_json::{Map, Value as Json};

fn refused(e: &logtree_config::ConfigError) -> ExitCode {
    let mut line = format!("configuration refused: {e:#}");
    if e.count() > 1 {
        line.push_str(&format!(" (and {} more errors)", e.count() - 1));
    }
    let line = line.replace('\n', " ");
    let _ = writeln!(std::io::stderr(), "{line}");
    ExitCode::from(2)
}

fn bad_input(lineno: usize, what: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "calls line {lineno}: {what}");
    ExitCode::from(3)
}

/// A level as the protocol gives it: a standard name or a number.
fn level_of(v: &Json) -> Option<Level> {
    match v {
        Json::String(s) => match s.as_str() {
            "NOTSET" | "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL" => Level::from_name(s),
            _ => None,
        },
        Json::Number(n) => n
            .as_u64()
            .and_then(|u| u32::try_from(u).ok())
            .map(Level::new),
        _ => None,
    }
}

fn value_of(v: &Json) -> Option<Value<'static>> {
    Some(match v {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Value::Int(i128::from(u))
            } else {
                Value::Float(n.as_f64()?)
            }
        }
        Json::String(s) => Value::Str(Cow::Owned(s.clone())),
        _ => return None,
    })
}

fn request_of(spec: &Map<String, Json>) -> Option<Request> {
    let s = |k: &str, d: &str| -> Option<String> {
        match spec.get(k) {
            None => Some(d.to_owned()),
            Some(Json::String(v)) => Some(v.clone()),
            Some(_) => None,
        }
    };
    let mut r = Request::new(s("method", "GET")?, s("path", "/")?);
    r.remote_addr = s("remote_addr", "127.0.0.1")?;
    if let Some(h) = spec.get("headers") {
        match h {
            Json::Object(m) => {
                for (k, v) in m {
                    r.headers.push((k.clone(), v.as_str()?.to_owned()));
                }
            }
            Json::Null => {}
            _ => return None,
        }
    }
    Some(r)
}

fn str_field<'a>(call: &'a Map<String, Json>, key: &str) -> Result<Option<&'a str>, String> {
    match call.get(key) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{key:?} must be a string")),
    }
}

fn uint_field(call: &Map<String, Json>, key: &str) -> Result<Option<u64>, String> {
    match call.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key:?} must be a non-negative integer")),
    }
}

/// Python's `Logger.log(level, msg, extra=...)` for one call line.
fn log_call(manager: &Manager, call: &Map<String, Json>) -> Result<(), String> {
    let name = str_field(call, "logger")?.ok_or("missing \"logger\"")?;
    let level = level_of(call.get("level").ok_or("missing \"level\"")?).ok_or("bad \"level\"")?;
    let msg = str_field(call, "msg")?.ok_or("missing \"msg\"")?;
    let logger = manager.get_logger(name);
    let mut r = LogRecord::new(logger.name(), level, msg);
    if let Some(c) = call.get("created") {
        r.created = c.as_f64().ok_or("\"created\" must be a number")?;
    }
    if let Some(t) = str_field(call, "exc_text")? {
        r.exc_text = Some(t.into());
    }
    if let Some(t) = str_field(call, "stack_info")? {
        r.stack_info = Some(t.into());
    }
    if let Some(p) = str_field(call, "pathname")? {
        r.pathname = p.into();
    }
    if let Some(l) = uint_field(call, "lineno")? {
        r.lineno = u32::try_from(l).map_err(|_| "\"lineno\" is too large")?;
    }
    if let Some(f) = str_field(call, "funcName")? {
        r.func_name = f.into();
    }
    if let Some(p) = uint_field(call, "process")? {
        r.process = p;
    }
    if let Some(p) = str_field(call, "processName")? {
        r.process_name = p.into();
    }
    if let Some(t) = uint_field(call, "thread")? {
        r.thread = t;
    }
    if let Some(t) = str_field(call, "threadName")? {
        r.thread_name = Some(t.into());
    }
    match call.get("extra") {
        None | Some(Json::Null) => {}
        Some(Json::Object(m)) => {
            for (k, v) in m {
                let v = value_of(v).ok_or_else(|| format!("extra {k:?}: unsupported value"))?;
                r.extra.push((Cow::Owned(k.clone()), v));
            }
        }
        Some(_) => return Err("\"extra\" must be an object".into()),
    }
    match call.get("request") {
        None | Some(Json::Null) => {}
        Some(Json::Object(m)) => {
            r.request = Some(Arc::new(request_of(m).ok_or("bad \"request\"")?));
        }
        Some(_) => return Err("\"request\" must be an object".into()),
    }
    logger.handle(&r);
    Ok(())
}

pub(crate) fn run(path: &str) -> ExitCode {
    let registry = crate::registry();
    let config = match Config::from_path(path) {
        Ok(c) => c,
        Err(e) => return refused(&e),
    };
    let settings = config.settings().cloned();
    let manager = Manager::new();
    if let Err(e) = config.apply(&manager, &registry) {
        return refused(&e);
    }
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        return bad_input(0, &format!("cannot read stdin: {e}"));
    }
    let Ok(input) = String::from_utf8(input) else {
        return bad_input(0, "stdin is not UTF-8");
    };
    for (i, line) in input.split('\n').enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let item: Map<String, Json> = match serde_json::from_str(line) {
            Ok(Json::Object(m)) => m,
            Ok(_) => return bad_input(lineno, "not a JSON object"),
            Err(e) => return bad_input(lineno, &e.to_string()),
        };
        let Some(op) = item.get("op") else {
            if let Err(e) = log_call(&manager, &item) {
                return bad_input(lineno, &e);
            }
            continue;
        };
        match op.as_str() {
            Some("configure") => {
                let Some(value) = item.get("config").cloned() else {
                    return bad_input(lineno, "configure without \"config\"");
                };
                let mut next = match Config::from_value(value) {
                    Ok(c) => c,
                    Err(e) => return refused(&e),
                };
                if next.settings().is_none() {
                    next.set_settings(settings.clone());
                }
                if let Err(e) = next.apply(&manager, &registry) {
                    return refused(&e);
                }
            }
            Some("disable") => match item.get("level").and_then(level_of) {
                Some(l) => manager.disable(l),
                None => return bad_input(lineno, "disable needs a level"),
            },
            Some("get_logger") => match item.get("logger").and_then(Json::as_str) {
                Some(n) => {
                    manager.get_logger(n);
                }
                None => return bad_input(lineno, "get_logger needs a logger name"),
            },
            _ => return bad_input(lineno, &format!("unknown op {op}")),
        }
    }
    manager.shutdown();
    let _ = std::io::stdout().flush();
    ExitCode::SUCCESS
}

//! The formatter half of the recorded conformance cases (`tests/conformance/`):
//! every case about formats, styles, `asctime`, messages, extras and exception
//! text, run with a minimal driver that applies only what these cases use (root
//! logger level, stream and file handlers in order, one formatter each), so that
//! a formatter mismatch shows up here, next to the formatter, rather than only
//! in the full CLI run.
//!
//! Runs in a child process with `TZ=UTC`, as the cases were recorded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use logtree_core::{Formatter, Level, LogRecord, MessageFormatter, Value};
use logtree_format::TextFormatter;
use serde_json::Value as Json;

const PREFIXES: &[&str] = &[
    "percent_",
    "brace_",
    "dollar_",
    "asctime_",
    "error_brace_",
    "error_dollar_",
    "error_percent_",
    "error_unknown_style",
    "message_",
    "extra_",
    "exc_text_",
    "stack_info",
    "formatter_",
    "validate_false_",
];

/// Cases that differ for a reason outside this crate (none: level 5 is unnamed in
/// core, as in Python; only the `log` bridge names it `TRACE`).
const OUTSIDE_THIS_CRATE: &[(&str, &str)] = &[];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/cases")
}

fn in_utc(test: &str) -> bool {
    if std::env::var("TZ").as_deref() == Ok("UTC") {
        return true;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .env("TZ", "UTC")
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{test} in TZ=UTC failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "{test} did not run in the child:\n{text}"
    );
    false
}

fn level(j: &Json) -> Level {
    match j {
        Json::Number(n) => Level::new(n.as_u64().unwrap() as u32),
        Json::String(s) => Level::from_name(s).unwrap(),
        _ => panic!("bad level {j}"),
    }
}

/// A formatter from a dictConfig `formatters` entry.
fn formatter(cfg: &Json) -> Result<Box<dyn Formatter>, String> {
    let fmt = cfg
        .get("format")
        .or_else(|| cfg.get("fmt"))
        .and_then(Json::as_str);
    let mut b = TextFormatter::builder().format(fmt.unwrap_or(""));
    if let Some(d) = cfg.get("datefmt").and_then(Json::as_str) {
        b = b.datefmt(d);
    }
    if let Some(s) = cfg.get("style").and_then(Json::as_str) {
        b = b.python_style(s);
    }
    if let Some(v) = cfg.get("validate").and_then(Json::as_bool) {
        b = b.validate(v);
    }
    b.build()
        .map(|f| Box::new(f) as Box<dyn Formatter>)
        .map_err(|e| e.to_string())
}

fn record(call: &Json) -> LogRecord<'static> {
    let name = match call["logger"].as_str().unwrap() {
        "" => "root".to_owned(),
        n => n.to_owned(),
    };
    let mut r = LogRecord::new(
        name,
        level(&call["level"]),
        call["msg"].as_str().unwrap().to_owned(),
    );
    r.created = call["created"].as_f64().unwrap();
    if let Some(t) = call.get("exc_text").and_then(Json::as_str) {
        r.exc_text = Some(t.to_owned().into());
    }
    if let Some(t) = call.get("stack_info").and_then(Json::as_str) {
        r.stack_info = Some(t.to_owned().into());
    }
    if let Some(extra) = call.get("extra").and_then(Json::as_object) {
        for (k, v) in extra {
            let v = match v {
                Json::Null => Value::None,
                Json::Bool(b) => Value::Bool(*b),
                Json::Number(n) => match n.as_i64() {
                    Some(i) => Value::Int(i.into()),
                    None => Value::Float(n.as_f64().unwrap()),
                },
                Json::String(s) => Value::Str(s.clone().into()),
                other => panic!("extra {other}"),
            };
            r.extra.push((k.clone().into(), v));
        }
    }
    r
}

/// Runs one case; returns what differs.
fn run(dir: &Path) -> Option<String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let config: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    let expected: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut formatters = BTreeMap::new();
    for (id, cfg) in config["formatters"].as_object().into_iter().flatten() {
        match formatter(cfg) {
            Ok(f) => {
                formatters.insert(id.clone(), f);
            }
            Err(e) => {
                return (!expected["error"].as_bool().unwrap_or(false)).then(|| {
                    format!("{name}: formatter {id:?} refused ({e}), Python accepted it")
                });
            }
        }
    }
    if expected["error"].as_bool().unwrap_or(false) {
        return Some(format!(
            "{name}: every formatter built, Python refused the configuration"
        ));
    }
    // sink name ("stdout", "stderr" or a file name) and formatter id per handler.
    let handlers = &config["handlers"];
    let root = &config["root"];
    let threshold = level(&root["level"]);
    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    let calls = std::fs::read_to_string(dir.join("calls.jsonl")).unwrap();
    for line in calls.lines() {
        let call: Json = serde_json::from_str(line).unwrap();
        let r = record(&call);
        if r.level < threshold {
            continue;
        }
        for h in root["handlers"].as_array().unwrap() {
            let h = &handlers[h.as_str().unwrap()];
            let sink = match h.get("stream").and_then(Json::as_str) {
                Some("ext://sys.stdout") => "stdout".to_owned(),
                Some("ext://sys.stderr") | None if h.get("filename").is_none() => {
                    "stderr".to_owned()
                }
                _ => h["filename"].as_str().unwrap().to_owned(),
            };
            let mut text = String::new();
            let res = match h.get("formatter").and_then(Json::as_str) {
                Some(id) => formatters[id].format(&r, &mut text),
                None => MessageFormatter.format(&r, &mut text),
            };
            if let Err(e) = res {
                return Some(format!("{name}: formatting failed: {e}"));
            }
            let out = outputs.entry(sink).or_default();
            out.push_str(&text);
            out.push('\n');
        }
    }
    let mut diffs = Vec::new();
    for sink in ["stdout", "stderr"] {
        let want = expected[sink].as_str().unwrap_or("");
        let got = outputs.remove(sink).unwrap_or_default();
        if got != want {
            diffs.push(format!("{name} {sink}:\n  got  {got:?}\n  want {want:?}"));
        }
    }
    for (file, want) in expected["files"].as_object().into_iter().flatten() {
        let got = outputs.remove(file).unwrap_or_default();
        if Some(got.as_str()) != want.as_str() {
            diffs.push(format!(
                "{name} file {file}:\n  got  {got:?}\n  want {want}"
            ));
        }
    }
    (!diffs.is_empty()).then(|| diffs.join("\n"))
}

#[test]
fn formatter_conformance_cases() {
    if !in_utc("formatter_conformance_cases") {
        return;
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/conformance/cases")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            PREFIXES.iter().any(|pre| n.starts_with(pre))
                && !OUTSIDE_THIS_CRATE.iter().any(|(c, _)| n == *c)
        })
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 50,
        "expected the formatter cases, found {}",
        dirs.len()
    );
    let failures: Vec<String> = dirs.iter().filter_map(|d| run(d)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
    println!("{} formatter conformance cases pass", dirs.len());
}

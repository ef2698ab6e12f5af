//! Replays the differential corpus recorded from CPython 3.11 (`gen_corpus.py`):
//! thousands of generated `%`, `{` and `$` formats and `datefmt` patterns, each
//! with Python's verdict on building the formatter and its output (or error) for
//! fixed records. Zero mismatches are allowed.
//!
//! Lines tagged `deliberate` are cases where logtree knowingly differs from
//! Python (see the crate docs); for those the test checks that logtree refuses
//! to format instead of printing something else.
//!
//! The corpus was recorded with `TZ=UTC` (and one file with a POSIX zone that
//! has daylight saving); each test re-runs itself in a child process with that
//! environment, because the C library reads `TZ` once.

use std::borrow::Cow;
use std::process::Command;

use logtree_core::{Formatter, Level, LogRecord, Value};
use logtree_format::{Style, TextFormatter};
use serde_json::Value as Json;

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs `test` in a child process with `TZ=UTC` unless this process has it.
fn in_utc(test: &str) -> bool {
    in_tz(test, "UTC")
}

/// Runs `test` in a child process with this `TZ` unless this process has it.
fn in_tz(test: &str, tz: &str) -> bool {
    if std::env::var("TZ").as_deref() == Ok(tz) {
        return true;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .env("TZ", tz)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{test} in TZ={tz} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "{test} did not run in the child:\n{text}"
    );
    false
}

fn tagged(kind: &str, text: &str) -> Value<'static> {
    match kind {
        "none" => Value::None,
        "bool" => Value::Bool(text == "True"),
        "int" => Value::Int(text.parse().unwrap()),
        "float" => Value::Float(text.parse().unwrap()),
        _ => Value::Str(Cow::Owned(text.to_owned())),
    }
}

fn s(j: &Json) -> String {
    j.as_str().unwrap().to_owned()
}

fn record(spec: &Json) -> LogRecord<'static> {
    let mut r = LogRecord::new(
        s(&spec["name"]),
        Level::new(spec["levelno"].as_u64().unwrap() as u32),
        s(&spec["msg"]),
    );
    r.pathname = s(&spec["pathname"]).into();
    r.lineno = spec["lineno"].as_u64().unwrap() as u32;
    r.func_name = s(&spec["funcName"]).into();
    r.created = spec["created"].as_str().unwrap().parse().unwrap();
    r.thread = spec["thread"].as_u64().unwrap();
    r.thread_name = Some(s(&spec["threadName"]).into());
    r.process = spec["process"].as_u64().unwrap();
    r.process_name = s(&spec["processName"]).into();
    r.exc_text = spec["exc_text"].as_str().map(|t| t.to_owned().into());
    r.stack_info = spec["stack_info"].as_str().map(|t| t.to_owned().into());
    for e in spec["extra"].as_array().unwrap() {
        let key = s(&e[0]);
        r.extra.push((
            key.into(),
            tagged(e[1].as_str().unwrap(), e[2].as_str().unwrap()),
        ));
    }
    r
}

fn records(name: &str) -> Vec<LogRecord<'static>> {
    let j: Json = serde_json::from_str(&data(name)).unwrap();
    j.as_array().unwrap().iter().map(record).collect()
}

/// Replays one JSONL file; returns the mismatches.
fn replay(file: &str, records: &[LogRecord<'static>]) -> (usize, Vec<String>) {
    let mut bad = Vec::new();
    let mut n = 0;
    for (lineno, line) in data(file).lines().enumerate() {
        n += 1;
        let case: Json = serde_json::from_str(line).unwrap();
        let mut b = TextFormatter::builder()
            .format(s(&case["fmt"]))
            .style(Style::from_python(case["style"].as_str().unwrap()).unwrap())
            .validate(case["validate"].as_bool().unwrap());
        if let Some(d) = case.get("datefmt").and_then(Json::as_str) {
            b = b.datefmt(d);
        }
        if let Some(d) = case.get("defaults").and_then(Json::as_array) {
            b = b.defaults(
                d.iter()
                    .map(|e| {
                        (
                            s(&e[0]),
                            tagged(e[1].as_str().unwrap(), e[2].as_str().unwrap()),
                        )
                    })
                    .collect(),
            );
        }
        if let Some(d) = case.get("default_time_format").and_then(Json::as_str) {
            b = b.default_time_format(d);
        }
        if let Some(d) = case.get("default_msec_format").and_then(Json::as_str) {
            b = b.default_msec_format(d);
        }
        if case.get("utc").and_then(Json::as_bool) == Some(true) {
            b = b.utc(true);
        }
        let where_ = format!(
            "{file}:{} {:?} style {}",
            lineno + 1,
            s(&case["fmt"]),
            case["style"]
        );
        let built = b.build();
        if let Some(expected) = case.get("build_error").and_then(Json::as_str) {
            match built {
                Err(e) if e.to_string() == expected => {}
                Err(e) => bad.push(format!(
                    "{where_}: build error {:?}, Python {expected:?}",
                    e.to_string()
                )),
                Ok(_) => bad.push(format!("{where_}: built, Python refused: {expected:?}")),
            }
            continue;
        }
        let f = match built {
            Ok(f) => f,
            Err(e) => {
                bad.push(format!("{where_}: refused ({e}), Python built it"));
                continue;
            }
        };
        let deliberate = case.get("deliberate").is_some();
        for (i, (r, want)) in records
            .iter()
            .zip(case["results"].as_array().unwrap())
            .enumerate()
        {
            // Twice: the first call may fill the per-second `asctime` cache, the
            // second reads it.
            let format = || {
                let mut out = String::new();
                f.format(r, &mut out)
                    .map(|()| out)
                    .map_err(|e| e.to_string())
            };
            let first = format();
            let got = format();
            if first != got {
                bad.push(format!(
                    "{where_} record {i}: {first:?}, then {got:?} (the cached second)"
                ));
            }
            if deliberate {
                // Python printed an object's repr here (the record's __dict__, a
                // method); logtree refuses to format instead.
                let same = got.as_deref().ok() == want.get("ok").and_then(Json::as_str);
                if !same && got.is_ok() {
                    bad.push(format!("{where_} record {i}: deliberate difference, expected a refusal, got {got:?}"));
                }
                continue;
            }
            let ok = match (&got, want.get("ok"), want.get("err")) {
                (Ok(text), Some(o), _) => Some(text.as_str()) == o.as_str(),
                (Err(msg), _, Some(e)) => Some(msg.as_str()) == e.as_str(),
                _ => false,
            };
            if !ok {
                bad.push(format!("{where_} record {i}: got {got:?}, Python {want}"));
            }
        }
    }
    (n, bad)
}

fn check(file: &str, records_file: &str) {
    check_at_least(file, records_file, 1000);
}

fn check_at_least(file: &str, records_file: &str, min: usize) {
    let recs = records(records_file);
    let (n, bad) = replay(file, &recs);
    assert!(n >= min, "{file}: only {n} cases");
    if !bad.is_empty() {
        let shown: Vec<&String> = bad.iter().take(40).collect();
        panic!(
            "{file}: {} of {n} cases differ from CPython:\n{}",
            bad.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    println!("{file}: {n} cases, 0 mismatches");
}

#[test]
fn percent_style_matches_cpython() {
    if in_utc("percent_style_matches_cpython") {
        check("percent.jsonl", "records.json");
    }
}

#[test]
fn brace_style_matches_cpython() {
    if in_utc("brace_style_matches_cpython") {
        check("brace.jsonl", "records.json");
    }
}

#[test]
fn dollar_style_matches_cpython() {
    if in_utc("dollar_style_matches_cpython") {
        check("dollar.jsonl", "records.json");
    }
}

#[test]
fn datefmt_matches_cpython_strftime() {
    if in_utc("datefmt_matches_cpython_strftime") {
        check("datefmt.jsonl", "datefmt_records.json");
    }
}

#[cfg(unix)]
#[test]
fn datefmt_matches_cpython_in_a_zone_with_daylight_saving() {
    if in_tz(
        "datefmt_matches_cpython_in_a_zone_with_daylight_saving",
        "EST5EDT,M3.2.0,M11.1.0",
    ) {
        check_at_least("datefmt_dst.jsonl", "datefmt_dst_records.json", 250);
    }
}

/// The formats the formatter writes through fast steps (`gen_fast_steps.py`),
/// with records at the edges those steps hand over to the general path.
#[test]
fn fast_steps_match_cpython() {
    if in_utc("fast_steps_match_cpython") {
        check_at_least("fast_steps.jsonl", "fast_steps_records.json", 100);
    }
}

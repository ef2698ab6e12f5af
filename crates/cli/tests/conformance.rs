//! The conformance suite: every case of `tests/conformance/cases/` run through
//! `logtree replay`, compared with what CPython 3.11 (and Django) recorded.
//!
//! A case folder holds `config.json`, `calls.jsonl` and `expected.json` (see
//! `tests/conformance/PROTOCOL.md`). Each runs in a fresh temporary directory
//! holding only `config.json`, with `TZ=UTC`, exactly as the protocol's `run.py`
//! does; stdout, stderr, every file left (but `config.json` and the e-mail folder)
//! and the e-mails (Subject, From and To decoded and unfolded, and whether a
//! `text/html` part exists; sorted) must match. With `"error": true`, the run must
//! fail and nothing else is compared.
//!
//! Two lists name the cases allowed to fail, each with its reason:
//! [`PENDING`] (a component not built yet) and [`DIFFERS`] (a deliberate
//! difference from Python). A listed case that passes fails the suite, so the
//! lists only ever shrink.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Cases whose component is not built yet: (case, what is missing).
const PENDING: &[(&str, &str)] = &[];

/// Cases where logtree deliberately differs from Python: (case, why).
const DIFFERS: &[(&str, &str)] = &[];

/// What the one stderr line of a refused configuration must say, for the cases
/// that expect a refusal: the key path and Python's words. A refusal for another
/// reason (a component not registered) does not pass such a case.
const REFUSALS: &[(&str, &str)] = &[
    ("error_brace_format_bad_specifier", "formatters.f.format: Unable to configure formatter 'f'"),
    ("error_brace_format_invalid_conversion", "formatters.f.format: Unable to configure formatter 'f'"),
    ("error_brace_format_unbalanced", "formatters.f.format: Unable to configure formatter 'f'"),
    ("error_brace_format_without_fields", "formatters.f.format: Unable to configure formatter 'f'"),
    ("error_dollar_format_bare_dollar", "formatters.f.format: Unable to configure formatter 'f'"),
    ("error_handler_unknown_filter", "handlers.h.filters[0]: Unable to configure handler 'h': Unable to add filter 'nope'"),
    ("error_handler_unknown_formatter", "handlers.h.formatter: Unable to configure handler 'h': Unable to set formatter 'nope'"),
    ("error_in_second_configure", "handlers.h.formatter: Unable to configure handler 'h': Unable to set formatter 'missing'"),
    ("error_incremental_unknown_handler", "handlers.nope: No handler found with name 'nope'"),
    ("error_invalid_level_name", "loggers.app.level: Unable to configure logger 'app': Unknown level: 'VERBOSE'"),
    ("error_logger_unknown_handler", "loggers.app.handlers[1]: Unable to configure logger 'app': Unable to add handler 'missing'"),
    ("error_lowercase_level_name", "handlers.h.level: Unable to configure handler 'h': Unknown level: 'info'"),
    ("error_memory_handler_unknown_target", "handlers.buf.target: Unable to configure handler 'buf': Unable to set target handler 'ghost'"),
    ("error_missing_version", "dictionary doesn't specify a version"),
    ("error_percent_format_without_fields", "formatters.f.format: Unable to configure formatter 'f'"),
    ("error_root_unknown_handler", "root.handlers[0]: Unable to configure root logger: Unable to add handler 'missing'"),
    ("error_unknown_filter_on_logger", "loggers.app.filters[0]: Unable to configure logger 'app': Unable to add filter 'missing'"),
    ("error_unknown_handler_class", "handlers.h.class: Unable to configure handler 'h': Cannot resolve 'logging.handlers.NoSuchHandler'"),
    ("error_unknown_style", "formatters.f.style: Unable to configure formatter 'f'"),
    ("error_unsupported_version", "version: Unsupported version: 2"),
];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/cases")
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Email {
    subject: Option<String>,
    from: Option<String>,
    to: Option<String>,
    html: bool,
}

struct Outcome {
    ok: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    files: BTreeMap<String, Vec<u8>>,
    emails: Vec<Email>,
}

fn run_case(dir: &Path) -> Outcome {
    let work = tempfile::tempdir().expect("temp dir");
    let config = fs::read(dir.join("config.json")).expect("config.json");
    fs::write(work.path().join("config.json"), &config).expect("write config");
    let calls = fs::read(dir.join("calls.jsonl")).expect("calls.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_logtree"))
        .args(["replay", "--config", "config.json"])
        .current_dir(work.path())
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn logtree");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&calls);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    let email_dir = email_dir_of(&config);
    let (files, emails) = collect(work.path(), email_dir.as_deref());
    Outcome {
        ok: out.status.success(),
        stdout: out.stdout,
        stderr: out.stderr,
        files,
        emails,
    }
}

/// `settings.email_file_path`, normalised as Python's `os.path.normpath`.
fn email_dir_of(config: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(config).ok()?;
    let p = v.get("settings")?.get("email_file_path")?.as_str()?;
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    Some(parts.join("/"))
}

fn collect(root: &Path, email_dir: Option<&str>) -> (BTreeMap<String, Vec<u8>>, Vec<Email>) {
    let mut files = BTreeMap::new();
    let mut emails = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read dir") {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .expect("relative")
                .to_string_lossy()
                .replace('\\', "/");
            let data = fs::read(&path).expect("read file");
            if let Some(d) = email_dir {
                if rel == d || rel.starts_with(&format!("{d}/")) {
                    emails.extend(parse_email_file(&data));
                    continue;
                }
            }
            if rel != "config.json" {
                files.insert(rel, data);
            }
        }
    }
    emails.sort();
    (files, emails)
}

// --- e-mail parsing: just what Python's email package does for these headers ---

fn parse_email_file(data: &[u8]) -> Vec<Email> {
    let text = String::from_utf8_lossy(data);
    let sep = format!("\n{}\n", "-".repeat(79));
    text.split(sep.as_str())
        .filter(|chunk| !chunk.trim().is_empty())
        .map(parse_email)
        .collect()
}

fn parse_email(msg: &str) -> Email {
    let msg = msg.replace("\r\n", "\n");
    let head = msg.split("\n\n").next().unwrap_or("");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim_start().to_owned()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| decode_words(v).trim().to_owned())
    };
    let html = msg.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("content-type:")
            && l["content-type:".len()..]
                .trim_start()
                .starts_with("text/html")
    });
    Email {
        subject: get("subject"),
        from: get("from"),
        to: get("to"),
        html,
    }
}

/// RFC 2047 encoded words decoded; whitespace between two encoded words dropped.
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    let mut pending_ws = String::new();
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some(start) = rest.find("=?") {
            let (before, after) = rest.split_at(start);
            if let Some((decoded, len)) = decode_one(after) {
                let gap_is_ws = before.chars().all(char::is_whitespace);
                if !(last_was_word && gap_is_ws) {
                    out.push_str(&pending_ws);
                    out.push_str(before);
                }
                pending_ws.clear();
                out.push_str(&decoded);
                rest = &after[len..];
                last_was_word = true;
                continue;
            }
            out.push_str(before);
            out.push_str("=?");
            rest = &after[2..];
            last_was_word = false;
        } else {
            out.push_str(rest);
            break;
        }
    }
    out
}

/// One `=?charset?B|Q?text?=` at the start of `s`: (decoded, length).
fn decode_one(s: &str) -> Option<(String, usize)> {
    let body = s.strip_prefix("=?")?;
    let (charset, body) = body.split_once('?')?;
    let (enc, body) = body.split_once('?')?;
    let end = body.find("?=")?;
    let text = &body[..end];
    let len = 2 + charset.len() + 1 + enc.len() + 1 + end + 2;
    let bytes = match enc {
        "B" | "b" => base64(text)?,
        "Q" | "q" => {
            let mut out = Vec::new();
            let b = text.as_bytes();
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'_' => out.push(b' '),
                    b'=' if i + 2 < b.len() => {
                        out.push(
                            u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).ok()?, 16)
                                .ok()?,
                        );
                        i += 2;
                    }
                    c => out.push(c),
                }
                i += 1;
            }
            out
        }
        _ => return None,
    };
    Some((String::from_utf8_lossy(&bytes).into_owned(), len))
}

fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// --- comparing ---

fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let e = String::from_utf8_lossy(expected);
    let a = String::from_utf8_lossy(actual);
    let el: Vec<&str> = e.split('\n').collect();
    let al: Vec<&str> = a.split('\n').collect();
    for (i, (x, y)) in el.iter().zip(al.iter()).enumerate() {
        if x != y {
            return format!("line {}: expected {x:?}\n      got {y:?}", i + 1);
        }
    }
    if el.len() > al.len() {
        format!("missing from line {}: {:?}", al.len() + 1, el[al.len()])
    } else {
        format!("extra from line {}: {:?}", el.len() + 1, al[el.len()])
    }
}

fn compare(name: &str, expected: &Value, got: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if expected["error"].as_bool() == Some(true) {
        if got.ok {
            problems
                .push("expected the configuration to be refused, but the run succeeded".to_owned());
            return problems;
        }
        let err = String::from_utf8_lossy(&got.stderr);
        let lines: Vec<&str> = err.lines().collect();
        if lines.len() != 1 {
            problems.push(format!(
                "expected one line on stderr, got {}: {err:?}",
                lines.len()
            ));
        }
        match REFUSALS.iter().find(|(c, _)| *c == name) {
            Some((_, want)) if !err.contains(want) => problems.push(format!(
                "refused for another reason:\n  expected {want:?}\n  got      {:?}",
                err.trim()
            )),
            Some(_) => {}
            None => problems.push("a refusal case missing from REFUSALS".to_owned()),
        }
        return problems;
    }
    if !got.ok {
        let err = String::from_utf8_lossy(&got.stderr);
        problems.push(format!("the run failed: {}", err.trim()));
        return problems;
    }
    for (name, actual) in [("stdout", &got.stdout), ("stderr", &got.stderr)] {
        let exp = expected[name].as_str().unwrap_or("").as_bytes();
        if exp != actual.as_slice() {
            problems.push(format!("{name} differs: {}", first_difference(exp, actual)));
        }
    }
    let mut exp_files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    if let Some(m) = expected["files"].as_object() {
        for (k, v) in m {
            exp_files.insert(k.clone(), v.as_str().unwrap_or("").as_bytes().to_vec());
        }
    }
    for k in exp_files.keys().filter(|k| !got.files.contains_key(*k)) {
        problems.push(format!("file missing: {k}"));
    }
    for k in got.files.keys().filter(|k| !exp_files.contains_key(*k)) {
        problems.push(format!("unexpected file: {k}"));
    }
    for (k, exp) in &exp_files {
        if let Some(act) = got.files.get(k) {
            if exp != act {
                problems.push(format!("file {k} differs: {}", first_difference(exp, act)));
            }
        }
    }
    let mut exp_emails: Vec<Email> = expected["emails"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| Email {
                    subject: e["subject"].as_str().map(str::to_owned),
                    from: e["from"].as_str().map(str::to_owned),
                    to: e["to"].as_str().map(str::to_owned),
                    html: e["html"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    exp_emails.sort();
    if exp_emails != got.emails {
        problems.push(format!(
            "emails differ:\n  expected {exp_emails:?}\n  got      {:?}",
            got.emails
        ));
    }
    problems
}

#[test]
fn conformance_cases() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("tests/conformance/cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("config.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 100, "only {} cases found", dirs.len());
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for (case, _) in PENDING.iter().chain(DIFFERS).chain(REFUSALS) {
        assert!(
            names.iter().any(|n| n == case),
            "listed case {case} does not exist"
        );
    }
    let (mut passed, mut failed, mut allowed) = (0, 0, 0);
    let mut report = String::new();
    for (dir, name) in dirs.iter().zip(&names) {
        let expected: Value =
            serde_json::from_slice(&fs::read(dir.join("expected.json")).expect("expected.json"))
                .expect("json");
        let got = run_case(dir);
        let problems = compare(name, &expected, &got);
        let listed = PENDING
            .iter()
            .map(|(c, why)| (c, format!("pending: {why}")))
            .chain(
                DIFFERS
                    .iter()
                    .map(|(c, why)| (c, format!("differs on purpose: {why}"))),
            )
            .find(|(c, _)| **c == name.as_str())
            .map(|(_, why)| why);
        match (problems.is_empty(), listed) {
            (true, None) => passed += 1,
            (true, Some(why)) => {
                failed += 1;
                report.push_str(&format!(
                    "FAIL {name}: passes now; remove it from the list ({why})\n"
                ));
            }
            (false, Some(why)) => {
                allowed += 1;
                report.push_str(&format!("skip {name}: {why}\n"));
            }
            (false, None) => {
                failed += 1;
                report.push_str(&format!("FAIL {name}\n"));
                for p in problems {
                    report.push_str(&format!("    {p}\n"));
                }
            }
        }
    }
    eprint!("{report}");
    eprintln!("{passed} passed, {failed} failed ({allowed} pending or differing on purpose)");
    assert_eq!(failed, 0, "{failed} conformance cases failed:\n{report}");
}

#[test]
fn email_headers_decode_like_python() {
    let msg = "Subject: =?utf-8?b?W0RqYW5nb10gRVJST1I6IGNhZsOp?=\n =?utf-8?q?_ok?=\nFrom: root@localhost\nTo: a@x.com,\n b@y.com\nContent-Type: multipart/alternative; boundary=\"b\"\n\n--b\nContent-Type: text/html; charset=\"utf-8\"\n\n<p>x</p>\n";
    let e = parse_email(msg);
    assert_eq!(e.subject.as_deref(), Some("[Django] ERROR: café ok"));
    assert_eq!(e.to.as_deref(), Some("a@x.com, b@y.com"));
    assert!(e.html);
    let plain = parse_email("Subject: plain =?utf-8?q?caf=C3=A9?= end\n\nbody");
    assert_eq!(plain.subject.as_deref(), Some("plain café end"));
    assert!(!plain.html);
}

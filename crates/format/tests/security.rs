//! Message text is never interpreted (reliability-tests S1, the Log4Shell class):
//! lookup-like and format-like text in a message, an extra value or exception
//! text comes out byte for byte, through every style.

use std::borrow::Cow;

use logtree_core::{Formatter, Level, LogRecord, Value};
use logtree_format::{Style, TextFormatter};

fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "${jndi:ldap://127.0.0.1:1389/a}",
        "${${::-j}ndi:ldap://x/a}",
        "${env:HOME}",
        "${ctx:user}",
        "${sys:user.name}",
        "%(asctime)s",
        "%(message)s",
        "%s%n%x%d%p",
        "%",
        "%%",
        "%(",
        "{0}",
        "{}",
        "{name!r:>{width}}",
        "{message}",
        "{{",
        "}}",
        "{",
        "}",
        "$name",
        "${name}",
        "$message",
        "$",
        "$$",
        "${",
        "\\x00\\n",
        "\u{2028}\u{2029}\u{feff}",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Every C0 and C1 control character, and DEL.
    for c in (0u32..0x20).chain(0x7f..0xa0) {
        v.push(format!("a{}b", char::from_u32(c).unwrap()));
    }
    // Nested lookups to depth 1,000.
    v.push(format!("{}x{}", "${".repeat(1000), "}".repeat(1000)));
    v.push(format!("{}x{}", "{".repeat(1000), "}".repeat(1000)));
    v.push("%(".repeat(1000));
    v
}

fn formatter(fmt: &str, style: Style) -> TextFormatter {
    TextFormatter::builder()
        .format(fmt)
        .style(style)
        .build()
        .unwrap()
}

fn render(f: &TextFormatter, r: &LogRecord<'_>) -> String {
    let mut out = String::new();
    f.format(r, &mut out).unwrap();
    out
}

#[test]
fn messages_come_out_byte_identical_in_every_style() {
    let plain = [
        formatter("", Style::Percent),
        formatter("", Style::Brace),
        formatter("", Style::Dollar),
    ];
    let prefixed = [
        formatter("%(levelname)s %(message)s", Style::Percent),
        formatter("{levelname} {message}", Style::Brace),
        formatter("$levelname ${message}", Style::Dollar),
    ];
    for s in hostile() {
        let r = LogRecord::new("app", Level::INFO, s.as_str());
        for f in &plain {
            assert_eq!(render(f, &r), s, "{f}");
        }
        for f in &prefixed {
            assert_eq!(render(f, &r), format!("INFO {s}"), "{f}");
        }
    }
}

#[test]
fn extra_values_and_exception_text_are_not_interpreted_either() {
    let fs = [
        formatter("[%(user)s]", Style::Percent),
        formatter("[{user}]", Style::Brace),
        formatter("[$user]", Style::Dollar),
    ];
    for s in hostile() {
        let mut r = LogRecord::new("app", Level::ERROR, "m");
        r.extra
            .push(("user".into(), Value::Str(Cow::Owned(s.clone()))));
        r.exc_text = Some(Cow::Owned(format!("Traceback {s}")));
        for f in &fs {
            assert_eq!(render(f, &r), format!("[{s}]\nTraceback {s}"), "{f}");
        }
    }
}

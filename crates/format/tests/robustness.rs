//! Hostile and random input never panics (reliability-tests S7, S8): random
//! format strings in every style, with and without validation, random `datefmt`
//! and `default_msec_format` strings, and records holding extreme values, are
//! built and formatted; every outcome is a value or an error. Deterministic
//! (a fixed-seed generator), so a failure reproduces.

use std::borrow::Cow;

use logtree_core::{Formatter, Level, LogRecord, Value};
use logtree_format::{format_time, Style, TextFormatter};

/// xorshift64*: small, fixed-seed, good enough to spread inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A string built from pieces that mean something to some parser.
    fn text(&mut self, pieces: &[&str], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| *self.pick(pieces)).collect()
    }
}

const PIECES: &[&str] = &[
    "%",
    "(",
    ")",
    "{",
    "}",
    "$",
    "!",
    ":",
    ".",
    "[",
    "]",
    "*",
    "#",
    "0",
    "1",
    "9",
    "-",
    "+",
    " ",
    "<",
    ">",
    "=",
    "^",
    ",",
    "_",
    "s",
    "r",
    "a",
    "d",
    "x",
    "X",
    "e",
    "f",
    "g",
    "G",
    "c",
    "n",
    "%",
    "z",
    "name",
    "message",
    "levelno",
    "created",
    "msecs",
    "asctime",
    "v",
    "w",
    "99999999999999999999",
    "\n",
    "é",
    "٣",
    "\u{17f}",
    "\0",
    "l",
    "h",
    "E",
    "O",
    "Y",
    "S",
    "Q",
    "2147483647",
    "1000000",
];

fn records() -> Vec<LogRecord<'static>> {
    let values = [
        Value::None,
        Value::Bool(true),
        Value::Int(i128::MIN),
        Value::Int(i128::MAX),
        Value::Int(0x10ffff),
        Value::Float(f64::NAN),
        Value::Float(f64::NEG_INFINITY),
        Value::Float(-0.0),
        Value::Float(f64::MAX),
        Value::Float(5e-324),
        Value::Str(Cow::Borrowed("")),
        Value::Str(Cow::Borrowed("é\u{0}\u{10ffff}")),
    ];
    let createds = [
        f64::NAN,
        f64::INFINITY,
        -1e300,
        9.3e18,
        -9.3e18,
        -62_135_596_800.5,
        1e11,
        0.0,
        1_700_000_000.999_999_9,
    ];
    let mut out = Vec::new();
    for (i, created) in createds.iter().enumerate() {
        let mut r = LogRecord::new(
            "a.b",
            Level::new([0, 5, 20, u32::MAX][i % 4]),
            "m {x} %s $y",
        );
        r.created = *created;
        r.extra.push(("v".into(), values[i % values.len()].clone()));
        r.extra
            .push(("w".into(), values[(i * 7 + 3) % values.len()].clone()));
        out.push(r);
    }
    out
}

#[test]
fn random_formats_never_panic() {
    let recs = records();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut built = 0;
    let mut formatted = 0;
    for i in 0..30_000 {
        let style = *rng.pick(&[Style::Percent, Style::Brace, Style::Dollar]);
        let fmt = rng.text(PIECES, 12);
        let mut b = TextFormatter::builder()
            .format(fmt)
            .style(style)
            .validate(i % 3 != 0)
            .utc(i % 2 == 0);
        if rng.below(4) == 0 {
            b = b.datefmt(rng.text(PIECES, 6));
        }
        if rng.below(8) == 0 {
            b = b.default_msec_format(rng.text(PIECES, 5));
        }
        let Ok(f) = b.build() else { continue };
        built += 1;
        for r in &recs {
            let mut out = String::new();
            if f.format(r, &mut out).is_ok() {
                formatted += 1;
            }
        }
    }
    // The generator must reach formatting, not only refusals.
    assert!(built > 5_000, "only {built} formatters built");
    assert!(formatted > 5_000, "only {formatted} records formatted");
}

#[test]
fn random_datefmts_never_panic() {
    let recs = records();
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let letters: Vec<String> = (b'!'..=b'~').map(|c| format!("%{}", c as char)).collect();
    let mut pieces: Vec<&str> = letters.iter().map(String::as_str).collect();
    pieces.extend([
        "%_",
        "%-",
        "%0",
        "%^",
        "%#",
        "%E",
        "%O",
        "%1",
        "%99",
        "%2147483648",
        "é",
        "%",
        " ",
    ]);
    for _ in 0..20_000 {
        let datefmt = rng.text(&pieces, 8);
        let msec = rng.text(PIECES, 3);
        let r = &recs[rng.below(recs.len())];
        let mut out = String::new();
        format_time(
            r.created,
            Some(&datefmt),
            rng.below(2) == 0,
            &datefmt,
            &msec,
            &mut out,
        );
        format_time(r.created, None, false, &datefmt, &msec, &mut out);
        assert!(out.len() < 1 << 24);
    }
}

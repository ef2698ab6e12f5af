//! The shared half of every comparison binary: the workload, the scenarios, the
//! timing and the verification.
//!
//! Each peer binary (one per logging crate, `peers/*`) only says how to set its crate
//! up for a scenario and how to make the workload call; everything else happens here,
//! identically for all of them, so that the numbers differ only by the crate:
//!
//! - **Workload**: `info!(target: "app.db.pool", "user {} did {} in {} ms", 42,
//!   "login", 3.5)`, formatted as `{local time to ms} {LEVEL} {target} {message}\n`,
//!   e.g. `2025-01-31 12:00:00.123 INFO app.db.pool user 42 did login in 3.5 ms`.
//!   The arguments go through [`std::hint::black_box`] once per batch, so that no
//!   crate's formatting is constant-folded.
//! - **One process, one scenario.** `log::set_logger` works once per process, and a
//!   fresh process keeps one crate's caches and threads out of another's numbers. The
//!   runner (`compare`) starts the processes, interleaving the crates, and takes the
//!   median over rounds; within a process a scenario runs `--reps` timed batches
//!   after a warm-up, and the process reports their median.
//! - **Verified, every run.** A file is read back line by line after the run: the
//!   exact number of lines, each line of the exact shape, every timestamp a real
//!   local time inside the run's time window (and, for one writer thread, never going
//!   backwards). The discarding writer counts bytes and keeps the first 4 KiB, so a
//!   crate that skipped or shortened the formatting fails. A run that does not verify
//!   reports `"verified": false` and the runner shows it as failed.
//!
//! The process prints one JSON object on stdout (no serde: the object is flat).
#![deny(missing_docs)]

use std::fmt::Write as _;
use std::fs;
use std::hint::black_box;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The workload's logger name / target.
pub const TARGET: &str = "app.db.pool";
/// The target of the one DEBUG call that proves another logger runs at DEBUG.
pub const OTHER_TARGET: &str = "app.other";
/// The rendered message.
pub const MESSAGE: &str = "user 42 did login in 3.5 ms";
/// `strftime` pattern of the timestamp (local time, milliseconds).
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// The workload's arguments, opaque to the optimiser: call once per batch.
#[inline(always)]
pub fn args() -> (i32, &'static str, f64) {
    black_box((42, "login", 3.5))
}

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// `debug!` while the crate is configured at INFO everywhere.
    Disabled,
    /// `debug!` to `app.db.pool` (INFO) while `app.other` runs at DEBUG, so a global
    /// maximum level cannot answer: the per-target decision is the crate's.
    DisabledOtherDebug,
    /// `info!` formatted fully into a writer that discards (and counts) the bytes.
    Format,
    /// `info!` to a file, one thread, including the final flush.
    File1,
    /// The same with two threads logging at once.
    File2,
    /// `info!` through the crate's non-blocking writer to a file: the call site,
    /// and until every record is written and flushed to the OS.
    Async,
}

impl Scenario {
    /// Every scenario, in table order.
    pub const ALL: [Scenario; 6] = [
        Scenario::Disabled,
        Scenario::DisabledOtherDebug,
        Scenario::Format,
        Scenario::File1,
        Scenario::File2,
        Scenario::Async,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Disabled => "disabled",
            Scenario::DisabledOtherDebug => "disabled-other-debug",
            Scenario::Format => "format",
            Scenario::File1 => "file",
            Scenario::File2 => "file-2threads",
            Scenario::Async => "async",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Whether the records go to a file (else to the counting sink).
    pub fn uses_file(self) -> bool {
        matches!(self, Scenario::File1 | Scenario::File2 | Scenario::Async)
    }
}

/// Where a scenario's records go.
#[derive(Clone, Debug)]
pub enum Output {
    /// The counting, discarding writer: [`sink`].
    Sink,
    /// A file to create (truncating).
    File(PathBuf),
}

/// A logging crate set up for one scenario.
///
/// # For implementors
/// Make the workload call `n` times in a plain loop, taking the arguments from
/// [`args`] once before it, so that the crate's macro is inlined at the call site
/// exactly as in an application.
pub trait Bench: Send + Sync {
    /// `n` workload calls at INFO to [`TARGET`].
    fn info_calls(&self, n: u64);
    /// `n` workload calls at DEBUG to [`TARGET`] (filtered out in every scenario).
    fn debug_calls(&self, n: u64);
    /// One workload call at DEBUG to [`OTHER_TARGET`] (only for
    /// [`Scenario::DisabledOtherDebug`], where it must come out).
    fn other_debug(&self) {}
    /// Writes everything buffered to the OS (the file scenarios' final flush).
    fn flush(&self);
    /// Waits until every record is written and flushed, and shuts the crate down
    /// as far as it allows (async writers: drain and join the worker).
    fn finish(self: Box<Self>);
}

/// The three workload methods of [`Bench`] for a crate behind the `log` facade:
/// `impl Bench for X { harness::log_facade_calls!(); fn flush... fn finish... }`.
/// The calling crate must depend on `log`.
#[macro_export]
macro_rules! log_facade_calls {
    () => {
        fn info_calls(&self, n: u64) {
            let (a, b, c) = $crate::args();
            for _ in 0..n {
                ::log::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, c);
            }
        }
        fn debug_calls(&self, n: u64) {
            let (a, b, c) = $crate::args();
            for _ in 0..n {
                ::log::debug!(target: "app.db.pool", "user {} did {} in {} ms", a, b, c);
            }
        }
        fn other_debug(&self) {
            let (a, b, c) = $crate::args();
            ::log::debug!(target: "app.other", "user {} did {} in {} ms", a, b, c);
        }
    };
}

/// The counting sink behind [`SinkWriter`].
struct Sink {
    bytes: AtomicU64,
    head: Mutex<Vec<u8>>,
    head_full: AtomicBool,
}

static SINK: Sink = Sink {
    bytes: AtomicU64::new(0),
    head: Mutex::new(Vec::new()),
    head_full: AtomicBool::new(false),
};

const HEAD_BYTES: usize = 4096;

/// A writer that discards what it gets, counting the bytes and keeping the first
/// 4 KiB for verification.
///
/// Counting is a relaxed load and store, not a read-modify-write: a `lock xadd` per
/// `write` would charge crates that write a line in many pieces more than crates
/// that write it in one. The count is exact with one writing thread, which is how
/// the sink scenarios run.
#[derive(Clone, Copy, Debug, Default)]
pub struct SinkWriter;

/// The discarding writer for [`Output::Sink`].
pub fn sink() -> SinkWriter {
    SinkWriter
}

impl Write for SinkWriter {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        SINK.bytes.store(
            SINK.bytes.load(Ordering::Relaxed) + buf.len() as u64,
            Ordering::Relaxed,
        );
        if !SINK.head_full.load(Ordering::Relaxed) {
            keep_head(buf);
        }
        Ok(buf.len())
    }
    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for &SinkWriter {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        SinkWriter.write(buf)
    }
    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cold]
fn keep_head(buf: &[u8]) {
    let mut head = SINK.head.lock().unwrap_or_else(|e| e.into_inner());
    let room = HEAD_BYTES.saturating_sub(head.len());
    head.extend_from_slice(&buf[..room.min(buf.len())]);
    if head.len() >= HEAD_BYTES {
        SINK.head_full.store(true, Ordering::Relaxed);
    }
}

fn sink_bytes() -> u64 {
    SINK.bytes.load(Ordering::Relaxed)
}

/// The command line of a peer binary.
#[derive(Clone, Debug)]
struct Args {
    scenario: Option<Scenario>,
    calls: u64,
    reps: u32,
    warmup: u64,
    dir: PathBuf,
    verify: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        scenario: None,
        calls: 0,
        reps: 5,
        warmup: 1000,
        dir: std::env::temp_dir(),
        verify: true,
    };
    let mut it = std::env::args().skip(1);
    let mut calls = None;
    while let Some(k) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--scenario" => {
                let v = val()?;
                a.scenario =
                    Some(Scenario::parse(&v).ok_or_else(|| format!("unknown scenario {v:?}"))?);
            }
            "--calls" => calls = Some(val()?.parse().map_err(|e| format!("--calls: {e}"))?),
            "--reps" => a.reps = val()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--warmup" => a.warmup = val()?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--dir" => a.dir = PathBuf::from(val()?),
            "--no-verify" => a.verify = false,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if let Some(s) = a.scenario {
        a.calls = calls.unwrap_or(match s {
            Scenario::Disabled | Scenario::DisabledOtherDebug => 20_000_000,
            Scenario::Format => 200_000,
            Scenario::File1 | Scenario::File2 => 100_000,
            Scenario::Async => 100_000,
        });
        if s == Scenario::Async {
            // The call site and "until on disk" need the writer drained and joined,
            // which most crates only do once: one batch per process.
            a.reps = 1;
        }
    }
    a.reps = a.reps.max(1);
    Ok(a)
}

/// What a peer binary runs: parses the command line, sets the crate up with
/// `setup` (which returns `None` for a scenario the crate cannot do), measures,
/// verifies and prints the JSON result.
pub fn main(peer: &str, setup: impl FnOnce(Scenario, Output) -> Option<Box<dyn Bench>>) {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{peer}: {e}");
            eprintln!(
                "usage: {peer} --scenario <{}> [--calls N] [--reps R] [--warmup W] [--dir D] [--no-verify]",
                Scenario::ALL.map(Scenario::name).join("|")
            );
            std::process::exit(2);
        }
    };
    let Some(scenario) = args.scenario else {
        eprintln!("{peer}: --scenario is required");
        std::process::exit(2);
    };
    let path = args.dir.join(format!(
        "{peer}-{}-{}.log",
        scenario.name(),
        std::process::id()
    ));
    let output = if scenario.uses_file() {
        let _ = fs::remove_file(&path);
        Output::File(path.clone())
    } else {
        Output::Sink
    };
    let started = now_secs();
    let Some(bench) = setup(scenario, output) else {
        println!(
            "{{\"peer\":{},\"scenario\":{},\"supported\":false}}",
            json_str(peer),
            json_str(scenario.name())
        );
        return;
    };
    let m = measure(bench, scenario, &args);
    let threads = if scenario == Scenario::File2 { 2 } else { 1 };
    let ended = now_secs();
    let hwm_kb = peak_rss_kb();

    let verdict = if !args.verify {
        Ok("not verified".to_owned())
    } else {
        let expected = args.warmup * threads + m.batches * args.calls * threads;
        let window = (started - 1.0, ended + 1.0);
        match scenario {
            Scenario::Disabled | Scenario::DisabledOtherDebug => verify_disabled(scenario, window),
            Scenario::Format => verify_sink(expected, window),
            _ => verify_file(&path, expected, threads == 1, window),
        }
    };
    let _ = fs::remove_file(&path);

    let mut o = String::new();
    let _ = write!(
        o,
        "{{\"peer\":{},\"scenario\":{},\"supported\":true,\"calls\":{},\"reps\":{},\"threads\":{}",
        json_str(peer),
        json_str(scenario.name()),
        args.calls,
        m.batches,
        threads
    );
    let _ = write!(o, ",\"ns\":{}", json_f64s(&m.ns));
    let _ = write!(o, ",\"median_ns\":{:.3}", median(&m.ns));
    if !m.ns_done.is_empty() {
        let _ = write!(o, ",\"done_ns\":{}", json_f64s(&m.ns_done));
        let _ = write!(o, ",\"median_done_ns\":{:.3}", median(&m.ns_done));
    }
    if let Some(kb) = hwm_kb {
        let _ = write!(o, ",\"peak_rss_kb\":{kb}");
    }
    match &verdict {
        Ok(msg) => {
            let _ = write!(
                o,
                ",\"verified\":{},\"check\":{}",
                args.verify,
                json_str(msg)
            );
        }
        Err(msg) => {
            let _ = write!(o, ",\"verified\":false,\"check\":{}", json_str(msg));
        }
    }
    o.push('}');
    println!("{o}");
    if verdict.is_err() {
        std::process::exit(1);
    }
}

struct Measured {
    batches: u64,
    /// ns per call of each batch (call site, for async).
    ns: Vec<f64>,
    /// Async only: ns per call until everything is on disk.
    ns_done: Vec<f64>,
}

fn per_call(d: Duration, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        d.as_nanos() as f64 / n as f64
    }
}

/// Runs the scenario's batches, then [`Bench::finish`].
fn measure(owned: Box<dyn Bench>, scenario: Scenario, args: &Args) -> Measured {
    let bench = &*owned;
    let n = args.calls;
    let mut m = Measured {
        batches: u64::from(args.reps),
        ns: Vec::new(),
        ns_done: Vec::new(),
    };
    match scenario {
        Scenario::Disabled | Scenario::DisabledOtherDebug => {
            bench.debug_calls(args.warmup);
            for _ in 0..args.reps {
                let t = Instant::now();
                bench.debug_calls(n);
                m.ns.push(per_call(t.elapsed(), n));
            }
            if scenario == Scenario::DisabledOtherDebug {
                bench.other_debug();
                bench.flush();
            }
        }
        Scenario::Format => {
            bench.info_calls(args.warmup);
            for _ in 0..args.reps {
                let t = Instant::now();
                bench.info_calls(n);
                m.ns.push(per_call(t.elapsed(), n));
            }
        }
        Scenario::File1 => {
            bench.info_calls(args.warmup);
            bench.flush();
            for _ in 0..args.reps {
                let t = Instant::now();
                bench.info_calls(n);
                bench.flush();
                m.ns.push(per_call(t.elapsed(), n));
            }
        }
        Scenario::File2 => {
            let start = Barrier::new(3);
            let done = Barrier::new(3);
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        bench.info_calls(args.warmup);
                        for _ in 0..args.reps {
                            start.wait();
                            bench.info_calls(n);
                            done.wait();
                        }
                    });
                }
                for _ in 0..args.reps {
                    start.wait();
                    let t = Instant::now();
                    done.wait();
                    bench.flush();
                    // Wall time over calls per thread: what one call costs the
                    // thread making it while another thread logs too.
                    m.ns.push(per_call(t.elapsed(), n));
                }
            });
        }
        Scenario::Async => {
            bench.info_calls(args.warmup);
            bench.flush();
            // Let the worker write the warm-up out before the timed batch.
            std::thread::sleep(Duration::from_millis(100));
            let t = Instant::now();
            bench.info_calls(n);
            m.ns.push(per_call(t.elapsed(), n));
            owned.finish();
            m.ns_done.push(per_call(t.elapsed(), n));
            return m;
        }
    }
    owned.finish();
    m
}

/// The current time in seconds since the epoch.
fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn peak_rss_kb() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The median (mean of the middle two for an even count).
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let mid = s.len() / 2;
    if s.len() % 2 == 1 {
        s[mid]
    } else {
        (s[mid - 1] + s[mid]) / 2.0
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_f64s(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:.3}")).collect();
    format!("[{}]", parts.join(","))
}

/// Checks one output line (without its `\n`): `<local time to ms> <LEVEL> <target>
/// <message>`. Returns the timestamp in milliseconds since the epoch.
pub fn check_line(
    line: &str,
    level: &str,
    target: &str,
    cache: &mut TimeCache,
) -> Result<i64, String> {
    let b = line.as_bytes();
    if b.len() < 24 {
        return Err(format!("line too short: {line:?}"));
    }
    let shape = b"dddd-dd-dd dd:dd:dd.ddd ";
    for (i, &want) in shape.iter().enumerate() {
        let ok = if want == b'd' {
            b[i].is_ascii_digit()
        } else {
            b[i] == want
        };
        if !ok {
            return Err(format!("bad timestamp: {line:?}"));
        }
    }
    let rest = &line[24..];
    let expected_len = level.len() + 1 + target.len() + 1 + MESSAGE.len();
    let mut parts = rest.splitn(3, ' ');
    let (l, t, m) = (parts.next(), parts.next(), parts.next());
    if rest.len() != expected_len || l != Some(level) || t != Some(target) || m != Some(MESSAGE) {
        return Err(format!(
            "expected \"<time> {level} {target} {MESSAGE}\", got {line:?}"
        ));
    }
    let secs = cache.local_to_epoch(&line[..19])?;
    let ms: i64 = line[20..23]
        .parse()
        .map_err(|_| format!("bad milliseconds: {line:?}"))?;
    Ok(secs * 1000 + ms)
}

/// Converts `YYYY-MM-DD HH:MM:SS` local times to epoch seconds, remembering the
/// last one (a file holds a few distinct seconds and millions of lines).
#[derive(Debug, Default)]
pub struct TimeCache {
    last: Option<(String, i64)>,
}

impl TimeCache {
    fn local_to_epoch(&mut self, text: &str) -> Result<i64, String> {
        if let Some((t, s)) = &self.last {
            if t == text {
                return Ok(*s);
            }
        }
        use chrono::TimeZone;
        let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .map_err(|e| format!("bad timestamp {text:?}: {e}"))?;
        let local = chrono::Local
            .from_local_datetime(&naive)
            .earliest()
            .ok_or_else(|| format!("no such local time {text:?}"))?;
        let s = local.timestamp();
        self.last = Some((text.to_owned(), s));
        Ok(s)
    }
}

fn in_window(ms: i64, window: (f64, f64), line: &str) -> Result<(), String> {
    let t = ms as f64 / 1000.0;
    if t < window.0 || t > window.1 {
        return Err(format!(
            "timestamp outside the run ({:.3}..{:.3}, local time zone): {line:?}",
            window.0, window.1
        ));
    }
    Ok(())
}

fn verify_file(
    path: &Path,
    expected: u64,
    monotonic: bool,
    window: (f64, f64),
) -> Result<String, String> {
    let data = fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let text = std::str::from_utf8(&data).map_err(|e| format!("not UTF-8: {e}"))?;
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the file does not end with a newline".to_owned());
    }
    let mut cache = TimeCache::default();
    let mut count = 0u64;
    let mut last = i64::MIN;
    for line in text.lines() {
        let ms = check_line(line, "INFO", TARGET, &mut cache)
            .map_err(|e| format!("line {}: {e}", count + 1))?;
        in_window(ms, window, line)?;
        if monotonic && ms < last {
            return Err(format!("line {}: time goes backwards: {line:?}", count + 1));
        }
        last = last.max(ms);
        count += 1;
    }
    if count != expected {
        return Err(format!("expected {expected} lines, found {count}"));
    }
    Ok(format!("{count} lines checked"))
}

fn head_lines() -> Vec<String> {
    let head = SINK.head.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let text = String::from_utf8_lossy(&head).into_owned();
    // Only complete lines: the last one may be cut at 4 KiB.
    let complete = match text.rfind('\n') {
        Some(i) => &text[..i],
        None => "",
    };
    complete.lines().map(str::to_owned).collect()
}

fn verify_sink(expected: u64, window: (f64, f64)) -> Result<String, String> {
    let line_len = (24 + "INFO".len() + 1 + TARGET.len() + 1 + MESSAGE.len() + 1) as u64;
    let bytes = sink_bytes();
    if bytes != expected * line_len {
        return Err(format!(
            "expected {expected} lines of {line_len} bytes ({} bytes), the writer got {bytes}",
            expected * line_len
        ));
    }
    let lines = head_lines();
    if lines.is_empty() {
        return Err("nothing written".to_owned());
    }
    let mut cache = TimeCache::default();
    for (i, l) in lines.iter().enumerate() {
        let ms = check_line(l, "INFO", TARGET, &mut cache)
            .map_err(|e| format!("line {}: {e}", i + 1))?;
        in_window(ms, window, l)?;
    }
    Ok(format!(
        "{bytes} bytes = {expected} lines; first {} checked",
        lines.len()
    ))
}

fn verify_disabled(scenario: Scenario, window: (f64, f64)) -> Result<String, String> {
    let bytes = sink_bytes();
    if scenario == Scenario::Disabled {
        return if bytes == 0 {
            Ok("nothing written".to_owned())
        } else {
            Err(format!("DEBUG records were written ({bytes} bytes)"))
        };
    }
    let lines = head_lines();
    if lines.len() != 1 {
        return Err(format!(
            "expected exactly the one DEBUG line of {OTHER_TARGET}, got {bytes} bytes: {lines:?}"
        ));
    }
    let ms = check_line(&lines[0], "DEBUG", OTHER_TARGET, &mut TimeCache::default())?;
    in_window(ms, window, &lines[0])?;
    Ok(format!(
        "no {TARGET} DEBUG line; the {OTHER_TARGET} DEBUG line came out"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shape() {
        let mut c = TimeCache::default();
        let ok = "2025-01-31 12:00:00.123 INFO app.db.pool user 42 did login in 3.5 ms";
        assert!(check_line(ok, "INFO", TARGET, &mut c).is_ok());
        for bad in [
            "2025-01-31 12:00:00,123 INFO app.db.pool user 42 did login in 3.5 ms",
            "2025-01-31 12:00:00.123  INFO app.db.pool user 42 did login in 3.5 ms",
            "2025-01-31 12:00:00.123 info app.db.pool user 42 did login in 3.5 ms",
            "2025-01-31 12:00:00.123 INFO app.db.pool: user 42 did login in 3.5 ms",
            "2025-01-31 12:00:00.123 INFO app.db.pool user 42 did login in 3.5 ms x",
            "2025-13-31 12:00:00.123 INFO app.db.pool user 42 did login in 3.5 ms",
        ] {
            assert!(check_line(bad, "INFO", TARGET, &mut c).is_err(), "{bad}");
        }
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}

//! `compare`: runs logtree and the peer crates side by side and prints the table.
//!
//! The machine this runs on is noisy (2 cores shared with other work), so numbers are
//! only compared within one run, and a run interleaves: every round runs every
//! scenario of every crate once, in a rotated order, each in a fresh process; a
//! crate's figure is the median over rounds of its processes' medians. A process
//! whose output does not verify (wrong line count or shape) counts as failed and is
//! shown as such, never as a number.
//!
//! With `--callgrind`, each crate runs under `valgrind --tool=callgrind` twice per
//! scenario, once with the warm-up only and once with the warm-up plus `M` calls;
//! instructions per call = (Ir of the second − Ir of the first) / M. Everything the
//! process does apart from the calls (start-up, set-up, the final flush of a small
//! buffer, shutdown) is the same in both runs and cancels out; all threads count
//! (an async writer's worker too); the kernel's work in system calls does not
//! (valgrind counts user-space instructions). Verification is off in this mode
//! (reading the file back would cost instructions per line). The profiles are kept
//! in `<json dir>/callgrind/` for `callgrind_annotate`.
//!
//! With `--memory`, each crate runs the file and async scenarios once with 100,000
//! and once with 1,000,000 records and the peak resident memory of each process is
//! shown: a crate that keeps memory per record grows with N.
//!
//! Usage: `compare [--rounds N] [--quick] [--scenarios a,b] [--peers a,b]
//! [--python PATH | --no-python] [--callgrind | --memory] [--json PATH] [--dir DIR]`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

/// A crate in the comparison: its name in the table and its binary.
const PEERS: [(&str, &str); 8] = [
    ("logtree", "peer-logtree"),
    ("spdlog-rs", "peer-spdlog"),
    ("slog", "peer-slog"),
    ("fern", "peer-fern"),
    ("flexi_logger", "peer-flexi_logger"),
    ("log4rs", "peer-log4rs"),
    ("env_logger", "peer-env_logger"),
    ("tracing", "peer-tracing"),
];

const CPYTHON: &str = "CPython 3.11";

const SCENARIOS: [(&str, &str); 6] = [
    ("disabled", "filtered-out `debug!` (level INFO)"),
    (
        "disabled-other-debug",
        "filtered-out `debug!`, another logger at DEBUG",
    ),
    ("format", "format fully into a discarding writer"),
    ("file", "`info!` to a file, 1 thread, incl. final flush"),
    (
        "file-2threads",
        "same, 2 threads (wall time / calls per thread)",
    ),
    ("async", "non-blocking writer: call site / until on disk"),
];

#[derive(Clone, Debug)]
struct Opts {
    rounds: u32,
    scale: f64,
    scenarios: Vec<String>,
    peers: Vec<String>,
    python: Option<String>,
    callgrind: bool,
    memory: bool,
    json: PathBuf,
    dir: Option<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "usage: compare [--rounds N] [--quick] [--scenarios a,b] [--peers a,b] \
         [--python PATH | --no-python] [--callgrind | --memory] [--json PATH] [--dir DIR]"
    );
    std::process::exit(2)
}

fn parse_opts(bin_dir: &Path) -> Opts {
    let mut o = Opts {
        rounds: 5,
        scale: 1.0,
        scenarios: SCENARIOS.iter().map(|s| s.0.to_owned()).collect(),
        peers: PEERS.iter().map(|p| p.0.to_owned()).collect(),
        python: Some("python3".to_owned()),
        callgrind: false,
        memory: false,
        json: bin_dir
            .parent()
            .unwrap_or(bin_dir)
            .join("results")
            .join("results.json"),
        dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        let list = |v: String| v.split(',').map(str::to_owned).collect::<Vec<_>>();
        match k.as_str() {
            "--rounds" => o.rounds = val().parse().unwrap_or_else(|_| usage()),
            "--quick" => {
                o.rounds = 3;
                o.scale = 0.1;
            }
            "--scale" => o.scale = val().parse().unwrap_or_else(|_| usage()),
            "--scenarios" => o.scenarios = list(val()),
            "--peers" => o.peers = list(val()),
            "--python" => o.python = Some(val()),
            "--no-python" => o.python = None,
            "--callgrind" => o.callgrind = true,
            "--memory" => o.memory = true,
            "--json" => o.json = PathBuf::from(val()),
            "--dir" => o.dir = Some(PathBuf::from(val())),
            _ => usage(),
        }
    }
    for s in &o.scenarios {
        if !SCENARIOS.iter().any(|(n, _)| n == s) {
            eprintln!("unknown scenario {s:?}");
            usage();
        }
    }
    o
}

/// Default calls per batch for the Rust crates (the harness's defaults).
fn rust_calls(scenario: &str) -> u64 {
    match scenario {
        "disabled" | "disabled-other-debug" => 20_000_000,
        "format" => 200_000,
        _ => 100_000,
    }
}

/// CPython is ~30–100× slower: fewer calls keep a round short.
fn python_calls(scenario: &str) -> u64 {
    match scenario {
        "disabled" | "disabled-other-debug" => 1_000_000,
        _ => 20_000,
    }
}

/// Calls measured under callgrind (≈ 50× slower than native).
fn callgrind_calls(scenario: &str) -> u64 {
    match scenario {
        "disabled" | "disabled-other-debug" => 1_000_000,
        _ => 20_000,
    }
}

struct Runner {
    bin_dir: PathBuf,
    script: PathBuf,
    opts: Opts,
}

impl Runner {
    fn command(&self, peer: &str, scenario: &str) -> Option<Command> {
        self.command_with(peer, scenario, None)
    }

    fn command_with(&self, peer: &str, scenario: &str, calls: Option<u64>) -> Option<Command> {
        if peer == CPYTHON {
            let py = self.opts.python.as_ref()?;
            let mut c = Command::new(py);
            c.arg(&self.script);
            c.args(["--scenario", scenario]);
            let n = calls.unwrap_or_else(|| scaled(python_calls(scenario), self.opts.scale));
            c.args(["--calls", &n.to_string()]);
            return Some(c);
        }
        let bin = PEERS.iter().find(|p| p.0 == peer)?.1;
        let path = self.bin_dir.join(bin);
        if !path.exists() {
            return None;
        }
        let mut c = Command::new(path);
        c.args(["--scenario", scenario]);
        let n = calls.unwrap_or_else(|| scaled(rust_calls(scenario), self.opts.scale));
        c.args(["--calls", &n.to_string()]);
        Some(c)
    }

    fn run_once(&self, peer: &str, scenario: &str) -> Result<Value, String> {
        self.run_calls(peer, scenario, None)
    }

    fn run_calls(&self, peer: &str, scenario: &str, calls: Option<u64>) -> Result<Value, String> {
        let Some(mut cmd) = self.command_with(peer, scenario, calls) else {
            return Err("not built".to_owned());
        };
        if calls.is_some() {
            cmd.args(["--reps", "1"]); // exactly `calls` records after the warm-up
        }
        if let Some(d) = &self.opts.dir {
            cmd.args(["--dir", &d.to_string_lossy()]);
        }
        let out = cmd.output().map_err(|e| format!("cannot run: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().rev().find(|l| l.starts_with('{'));
        let parsed: Option<Value> = line.and_then(|l| serde_json::from_str(l).ok());
        match parsed {
            Some(v) if v["supported"] == json!(false) => Ok(v),
            Some(v) if v["verified"] == json!(true) && out.status.success() => Ok(v),
            Some(v) => Err(format!(
                "failed verification: {}",
                v["check"].as_str().unwrap_or("?")
            )),
            None => Err(format!(
                "exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )),
        }
    }

    /// Instructions per call under callgrind, or why not.
    fn instructions(&self, peer: &str, scenario: &str, out_dir: &Path) -> Result<f64, String> {
        let m = callgrind_calls(scenario);
        let mut totals = [0u64; 2];
        for (i, calls) in [0, m].into_iter().enumerate() {
            let Some(inner) = self.command(peer, scenario) else {
                return Err("not built".to_owned());
            };
            let file = out_dir.join(format!("{peer}.{scenario}.{calls}.out"));
            let mut c = Command::new("valgrind");
            c.args([
                "--tool=callgrind",
                "--dump-instr=no",
                "--log-file=/dev/null",
            ]);
            c.arg(format!("--callgrind-out-file={}", file.display()));
            c.arg(inner.get_program());
            let mut args: Vec<String> = inner
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            // Replace the calls, one batch, no verification.
            if let Some(i) = args.iter().position(|a| a == "--calls") {
                args[i + 1] = calls.to_string();
            }
            c.args(&args);
            c.args(["--reps", "1", "--no-verify"]);
            if let Some(d) = &self.opts.dir {
                c.args(["--dir", &d.to_string_lossy()]);
            }
            let out = c
                .output()
                .map_err(|e| format!("cannot run valgrind: {e}"))?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            if stdout.contains("\"supported\":false") {
                return Err("n/a".to_owned());
            }
            if !out.status.success() {
                return Err(format!("exit {:?}", out.status.code()));
            }
            totals[i] = callgrind_total(&file)?;
        }
        Ok(totals[1].saturating_sub(totals[0]) as f64 / m as f64)
    }
}

fn scaled(n: u64, scale: f64) -> u64 {
    ((n as f64 * scale) as u64).max(1000)
}

/// The `summary:` (or `totals:`) line of a callgrind profile: Ir of all threads.
fn callgrind_total(file: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    for key in ["summary:", "totals:"] {
        if let Some(l) = text.lines().find(|l| l.starts_with(key)) {
            if let Some(n) = l[key.len()..]
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
            {
                return Ok(n);
            }
        }
    }
    Err(format!("{}: no totals", file.display()))
}

fn median(v: &[f64]) -> f64 {
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

/// One crate in one scenario, over all rounds.
#[derive(Default, Debug, Clone)]
struct Cell {
    ns: Vec<f64>,
    done_ns: Vec<f64>,
    rss_kb: Vec<f64>,
    errors: Vec<String>,
    unsupported: bool,
    instr: Option<Result<f64, String>>,
}

impl Cell {
    fn ns(&self) -> Option<f64> {
        (!self.ns.is_empty() && self.errors.is_empty()).then(|| median(&self.ns))
    }
    fn done(&self) -> Option<f64> {
        (!self.done_ns.is_empty() && self.errors.is_empty()).then(|| median(&self.done_ns))
    }
    /// The figure a scenario is ranked by: until on disk for async.
    fn key(&self) -> Option<f64> {
        self.done().or_else(|| self.ns())
    }
}

fn fmt_ns(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2} ns")
    } else if x < 100.0 {
        format!("{x:.1} ns")
    } else {
        format!("{} ns", thousands(x.round() as u64))
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    o
}

fn cell_text(c: &Cell) -> String {
    if c.unsupported {
        return "—".to_owned();
    }
    if !c.errors.is_empty() {
        return format!("FAILED ({})", c.errors[0]);
    }
    match (c.ns(), c.done()) {
        (Some(a), Some(d)) => format!("{} / {}", fmt_ns(a), fmt_ns(d)),
        (Some(a), None) => fmt_ns(a),
        _ => "—".to_owned(),
    }
}

fn main() {
    let exe = std::env::current_exe().expect("current exe");
    let bin_dir = exe.parent().expect("bin dir").to_path_buf();
    let opts = parse_opts(&bin_dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cpython_bench.py");
    let runner = Runner {
        bin_dir,
        script,
        opts: opts.clone(),
    };

    let mut impls: Vec<String> = Vec::new();
    for (name, bin) in PEERS {
        if !opts.peers.iter().any(|p| p == name) {
            continue;
        }
        if runner.bin_dir.join(bin).exists() {
            impls.push(name.to_owned());
        } else {
            eprintln!("{name}: {bin} is not built; left out");
        }
    }
    if opts.python.is_some() && !opts.callgrind {
        impls.push(CPYTHON.to_owned());
    }
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();

    if opts.memory {
        println!("{}", memory_report(&runner, &impls));
        return;
    }
    if opts.callgrind {
        let out_dir = opts
            .json
            .parent()
            .unwrap_or(Path::new("."))
            .join("callgrind");
        std::fs::create_dir_all(&out_dir).expect("callgrind dir");
        for scenario in &opts.scenarios {
            if scenario == "file-2threads" {
                continue; // valgrind runs one thread at a time: nothing to learn
            }
            for peer in &impls {
                eprint!("callgrind {peer} {scenario} ... ");
                let r = runner.instructions(peer, scenario, &out_dir);
                eprintln!("{r:?}");
                let cell = cells.entry((scenario.clone(), peer.clone())).or_default();
                if matches!(&r, Err(e) if e == "n/a") {
                    cell.unsupported = true;
                }
                cell.instr = Some(r);
            }
        }
    } else {
        for round in 0..opts.rounds {
            for scenario in &opts.scenarios {
                let n = impls.len();
                for k in 0..n {
                    let peer = &impls[(k + round as usize) % n];
                    let r = runner.run_once(peer, scenario);
                    let cell = cells.entry((scenario.clone(), peer.clone())).or_default();
                    match r {
                        Ok(v) if v["supported"] == json!(false) => cell.unsupported = true,
                        Ok(v) => {
                            cell.ns.push(v["median_ns"].as_f64().unwrap_or(f64::NAN));
                            if let Some(d) = v["median_done_ns"].as_f64() {
                                cell.done_ns.push(d);
                            }
                            if let Some(kb) = v["peak_rss_kb"].as_f64() {
                                cell.rss_kb.push(kb);
                            }
                        }
                        Err(e) => cell.errors.push(e),
                    }
                }
            }
            eprintln!("round {} of {} done", round + 1, opts.rounds);
        }
    }

    let report = if opts.callgrind {
        instr_report(&opts, &impls, &cells)
    } else {
        time_report(&opts, &impls, &cells)
    };
    println!("{report}");
    write_json(&opts, &impls, &cells);
}

/// Peak resident memory after 100,000 and after 1,000,000 records (one batch, same
/// process set-up): flat means the crate keeps nothing per record.
fn memory_report(runner: &Runner, impls: &[String]) -> String {
    let sizes = [100_000u64, 1_000_000];
    let scenarios = ["file", "async"];
    let mut o = String::new();
    let _ = writeln!(o, "Peak RSS (VmHWM) after N records in one batch\n");
    let _ = writeln!(
        o,
        "| crate | file, 100k | file, 1M | async, 100k | async, 1M |\n|---|---|---|---|---|"
    );
    for peer in impls {
        let mut row = Vec::new();
        for s in scenarios {
            for n in sizes {
                let text = match runner.run_calls(peer, s, Some(n)) {
                    Ok(v) if v["supported"] == json!(false) => "—".to_owned(),
                    Ok(v) => match v["peak_rss_kb"].as_f64() {
                        Some(kb) => format!("{:.1} MB", kb / 1024.0),
                        None => "?".to_owned(),
                    },
                    Err(e) => format!("FAILED ({e})"),
                };
                row.push(text);
            }
        }
        let _ = writeln!(o, "| {peer} | {} |", row.join(" | "));
        eprintln!("memory: {peer} done");
    }
    o
}

fn time_report(opts: &Opts, impls: &[String], cells: &BTreeMap<(String, String), Cell>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Median ns per call ({} interleaved rounds; each cell the median of its rounds' medians)\n",
        opts.rounds
    );
    let _ = writeln!(o, "| scenario | {} |", impls.join(" | "));
    let _ = writeln!(o, "|---|{}", "---|".repeat(impls.len()));
    for (s, _) in SCENARIOS
        .iter()
        .filter(|s| opts.scenarios.iter().any(|x| x == s.0))
    {
        let row: Vec<String> = impls
            .iter()
            .map(|p| {
                cells
                    .get(&(s.to_string(), p.clone()))
                    .map(cell_text)
                    .unwrap_or_default()
            })
            .collect();
        let _ = writeln!(o, "| {s} | {} |", row.join(" | "));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", summary(opts, impls, cells, false));
    o
}

fn instr_report(opts: &Opts, impls: &[String], cells: &BTreeMap<(String, String), Cell>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "User-space instructions per call (callgrind; (Ir(warm-up + M calls) − Ir(warm-up)) / M; all threads)\n"
    );
    let _ = writeln!(o, "| scenario | {} |", impls.join(" | "));
    let _ = writeln!(o, "|---|{}", "---|".repeat(impls.len()));
    for (s, _) in SCENARIOS
        .iter()
        .filter(|s| opts.scenarios.iter().any(|x| x == s.0))
    {
        if *s == "file-2threads" {
            continue;
        }
        let row: Vec<String> = impls
            .iter()
            .map(|p| {
                match cells
                    .get(&(s.to_string(), p.clone()))
                    .and_then(|c| c.instr.clone())
                {
                    Some(Ok(x)) => thousands(x.round() as u64),
                    Some(Err(e)) if e == "n/a" => "—".to_owned(),
                    Some(Err(e)) => format!("FAILED ({e})"),
                    None => String::new(),
                }
            })
            .collect();
        let _ = writeln!(o, "| {s} | {} |", row.join(" | "));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", summary(opts, impls, cells, true));
    o
}

/// The table: logtree against the fastest and next-best peer, and CPython,
/// with the ratios and the goal of each row.
fn summary(
    opts: &Opts,
    impls: &[String],
    cells: &BTreeMap<(String, String), Cell>,
    instr: bool,
) -> String {
    let mut o = String::new();
    let unit = if instr { "instructions" } else { "ns" };
    let _ = writeln!(
        o,
        "| scenario | logtree | fastest peer | next best | logtree ÷ fastest | CPython 3.11 | CPython ÷ logtree | goal |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
    for (s, title) in SCENARIOS
        .iter()
        .filter(|s| opts.scenarios.iter().any(|x| x == s.0))
    {
        if instr && *s == "file-2threads" {
            continue;
        }
        let value = |p: &str| -> Option<f64> {
            let c = cells.get(&(s.to_string(), p.to_owned()))?;
            if instr {
                c.instr.as_ref()?.as_ref().ok().copied()
            } else {
                c.key()
            }
        };
        let text = |p: &str| -> String {
            let Some(c) = cells.get(&(s.to_string(), p.to_owned())) else {
                return "—".to_owned();
            };
            if instr {
                match &c.instr {
                    Some(Ok(x)) => thousands(x.round() as u64),
                    _ => "—".to_owned(),
                }
            } else {
                cell_text(c)
            }
        };
        let mut peers: Vec<(f64, &str)> = impls
            .iter()
            .filter(|p| *p != "logtree" && *p != CPYTHON)
            .filter_map(|p| value(p).map(|v| (v, p.as_str())))
            .collect();
        peers.sort_by(|a, b| a.0.total_cmp(&b.0));
        let lt = value("logtree");
        let py = value(CPYTHON);
        let fastest = peers
            .first()
            .map(|(_, p)| format!("{p} {}", text(p)))
            .unwrap_or("—".into());
        let next = peers
            .get(1)
            .map(|(_, p)| format!("{p} {}", text(p)))
            .unwrap_or("—".into());
        let ratio = match (lt, peers.first()) {
            (Some(l), Some((f, _))) if *f > 0.0 => format!("{:.2}×", l / f),
            _ => "—".to_owned(),
        };
        let py_ratio = match (lt, py) {
            (Some(l), Some(p)) if l > 0.0 => format!("{:.0}×", p / l),
            _ => "—".to_owned(),
        };
        let goal = goal_text(
            s,
            instr,
            lt,
            peers.first().map(|x| x.0),
            py,
            cells.get(&(s.to_string(), "logtree".into())),
        );
        let _ = writeln!(
            o,
            "| {title} | {} | {fastest} | {next} | {ratio} | {} | {py_ratio} | {goal} |",
            text("logtree"),
            text(CPYTHON)
        );
    }
    let _ = writeln!(
        o,
        "\n({unit} per call; for async, rows are ranked by the time until on disk)"
    );
    o
}

fn goal_text(
    s: &str,
    instr: bool,
    lt: Option<f64>,
    fastest: Option<f64>,
    py: Option<f64>,
    cell: Option<&Cell>,
) -> String {
    let Some(l) = lt else { return "—".to_owned() };
    let mut goals = Vec::new();
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    if instr {
        if s == "disabled" {
            if let Some(f) = fastest {
                goals.push(format!("≤ fastest {}", mark(l.round() <= f.round())));
            }
        }
        if matches!(s, "format" | "file") {
            goals.push(format!("≤ 1,600 {}", mark(l <= 1600.0)));
            if let Some(f) = fastest {
                goals.push(format!("≤ ½ fastest {}", mark(l <= f / 2.0)));
            }
        }
    } else {
        // The rows: at least as fast as the fastest peer. (The row with
        // another logger at DEBUG has its own bound instead.)
        if let Some(f) = fastest.filter(|_| s != "disabled-other-debug") {
            // Sub-nanosecond ties are noise: within 5% counts as a tie, shown as such.
            let verdict = if l <= f {
                "✓".to_owned()
            } else if l <= f * 1.05 {
                "≈ (within 5%)".to_owned()
            } else {
                "✗".to_owned()
            };
            goals.push(format!("≤ fastest {verdict}"));
        }
        if s == "disabled-other-debug" {
            goals.push(format!("< 10 ns {}", mark(l < 10.0)));
        }
        if s == "async" {
            if let Some(c) = cell.and_then(Cell::ns) {
                goals.push(format!("call site < 300 ns {}", mark(c < 300.0)));
            }
        }
        // The rows (not the extra one with another logger at DEBUG, whose
        // bound is the 10 ns above).
        if let Some(p) = py.filter(|_| s != "disabled-other-debug") {
            goals.push(format!("≥ 30× CPython {}", mark(p / l >= 30.0)));
        }
    }
    goals.join(", ")
}

fn write_json(opts: &Opts, impls: &[String], cells: &BTreeMap<(String, String), Cell>) {
    let mut rows = Vec::new();
    for ((s, p), c) in cells {
        rows.push(json!({
            "scenario": s,
            "impl": p,
            "ns": c.ns(),
            "done_ns": c.done(),
            "rounds_ns": c.ns,
            "rounds_done_ns": c.done_ns,
            "peak_rss_kb": (!c.rss_kb.is_empty()).then(|| median(&c.rss_kb)),
            "instructions": c.instr.as_ref().and_then(|r| r.as_ref().ok().copied()),
            "unsupported": c.unsupported,
            "errors": c.errors,
        }));
    }
    let doc = json!({
        "mode": if opts.callgrind { "callgrind" } else { "time" },
        "rounds": opts.rounds,
        "scale": opts.scale,
        "impls": impls,
        "scenarios": SCENARIOS.iter().map(|s| json!({"name": s.0, "title": s.1})).collect::<Vec<_>>(),
        "cells": rows,
    });
    let path = if opts.callgrind {
        opts.json.with_file_name("instructions.json")
    } else {
        opts.json.clone()
    };
    if let Some(d) = path.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    match std::fs::write(
        &path,
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    ) {
        Ok(()) => eprintln!("results written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}

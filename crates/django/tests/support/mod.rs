//! A real SMTP server for the integration tests: Debian's `python3-aiosmtpd` run
//! under `/usr/bin/python3` (`smtp_server.py`), and a checker that parses what it
//! received with Python's `email` package (`check_mail.py`).
//!
//! When aiosmtpd is missing the tests skip with a loud message, unless `CI` is
//! set: in CI a missing server is a failure (`.ci/run` installs it).
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PYTHON: &str = "/usr/bin/python3";

fn script(name: &str) -> String {
    format!("{}/tests/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Whether the SMTP test server can run; panics in CI when it cannot.
pub fn aiosmtpd_available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but {PYTHON} cannot import aiosmtpd: install python3-aiosmtpd");
        }
        eprintln!(
            "\n*** SKIPPED: {PYTHON} cannot import aiosmtpd; install python3-aiosmtpd to run the SMTP tests ***\n"
        );
    }
    ok
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A running aiosmtpd saving every message into a temporary folder.
pub struct SmtpServer {
    child: Child,
    stdin: Option<ChildStdin>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// A server on a free port; `None` (skip) when aiosmtpd is missing outside CI.
    pub fn start() -> Option<SmtpServer> {
        SmtpServer::start_with(0, 0.0)
    }

    /// A server that answers no DATA until the file `release` exists.
    pub fn start_holding(release: &Path) -> Option<SmtpServer> {
        SmtpServer::spawn(0, 0.0, &["--hold".into(), release.display().to_string()])
    }

    /// A server on `port` (0: any free one), answering each DATA after `delay` s.
    pub fn start_with(port: u16, delay: f64) -> Option<SmtpServer> {
        SmtpServer::spawn(port, delay, &[])
    }

    /// A server requiring STARTTLS with the test certificate `cert` (`localhost` or
    /// `wrong.example`, see tests/tls) and offering AUTH for `user:password`.
    pub fn start_tls(cert: &str, auth: &str) -> Option<SmtpServer> {
        let tls = format!("{}/tests/tls", env!("CARGO_MANIFEST_DIR"));
        SmtpServer::spawn(
            0,
            0.0,
            &[
                "--tls-cert".into(),
                format!("{tls}/{cert}.pem"),
                "--tls-key".into(),
                format!("{tls}/{cert}.key"),
                "--auth".into(),
                auth.into(),
            ],
        )
    }

    /// The AUTH attempts the server saw, as "USER ok" / "USER refused".
    pub fn auth_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("auth.log"))
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn spawn(port: u16, delay: f64, extra: &[String]) -> Option<SmtpServer> {
        if !aiosmtpd_available() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(PYTHON)
            .arg(script("smtp_server.py"))
            .arg("--dir")
            .arg(dir.path())
            .args(["--port", &port.to_string(), "--delay", &delay.to_string()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP test server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SMTP test server did not start: {line:?}"));
        let stdin = child.stdin.take();
        Some(SmtpServer {
            child,
            stdin,
            port,
            dir,
        })
    }

    /// How many messages were received so far.
    pub fn count(&self) -> usize {
        count_in(self.dir.path())
    }

    /// Waits until `n` messages were received; `false` if that takes longer than
    /// `limit` (a guard against hanging, not a speed requirement).
    pub fn wait_for(&self, n: usize, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        while self.count() < n {
            if Instant::now() > end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// Every message received, parsed by `check_mail.py`.
    pub fn received(&self) -> Vec<Received> {
        let out = Command::new(PYTHON)
            .arg(script("check_mail.py"))
            .arg(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "check_mail.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .cloned()
            .map(Received)
            .collect()
    }
}

fn count_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, as `check_mail.py` describes it.
#[derive(Clone, Debug)]
pub struct Received(pub Value);

impl Received {
    /// A parse error of the strict parser, if any.
    pub fn error(&self) -> Option<&str> {
        self.0["error"].as_str()
    }

    /// The envelope sender.
    pub fn mail_from(&self) -> &str {
        self.0["mail_from"].as_str().unwrap()
    }

    /// The envelope recipients.
    pub fn rcpt_tos(&self) -> Vec<String> {
        strings(&self.0["rcpt_tos"])
    }

    /// The values of every header named `name` (case-insensitive), decoded.
    pub fn header(&self, name: &str) -> Vec<String> {
        self.0["headers"]
            .as_array()
            .map(|hs| {
                hs.iter()
                    .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
                    .map(|h| h[1].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every header name, in order.
    pub fn header_names(&self) -> Vec<String> {
        self.0["headers"]
            .as_array()
            .map(|hs| {
                hs.iter()
                    .map(|h| h[0].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The decoded contents of the parts of type `ty`, with line ends as `\n`
    /// (a text part's canonical form, which base64 keeps, ends lines with CRLF).
    pub fn parts(&self, ty: &str) -> Vec<String> {
        self.part_entries(ty)
            .iter()
            .map(|p| p["content"].as_str().unwrap().replace("\r\n", "\n"))
            .collect()
    }

    /// The part descriptions of type `ty`.
    pub fn part_entries(&self, ty: &str) -> Vec<Value> {
        self.0["parts"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["type"] == ty).cloned().collect())
            .unwrap_or_default()
    }

    /// Every header and every decoded part, and the raw bytes: where a secret must
    /// not be.
    pub fn everything(&self) -> String {
        let mut s = self.0["raw"].as_str().unwrap_or_default().to_owned();
        for h in self.header_names() {
            for v in self.header(&h) {
                s.push_str(&v);
                s.push('\n');
            }
        }
        for p in self.0["parts"].as_array().into_iter().flatten() {
            s.push_str(p["content"].as_str().unwrap_or_default());
            s.push('\n');
        }
        s
    }

    /// The longest raw line, in octets.
    pub fn max_line_octets(&self) -> u64 {
        self.0["max_line_octets"].as_u64().unwrap()
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

//! The panic hook, in child processes (a panic on the real main thread is the case
//! that matters: the process is about to end). No test harness: `main` is the
//! parent, and runs itself again as each child.
//!
//! 1. A panic on the main thread reaches the admins before the process dies.
//! 2. A panic inside a handler, while it holds its own lock, is not logged again
//!    (that would deadlock); the program goes on.

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use logtree_core::{Handler, HandlerCell, Level, LogRecord, Manager, Request, RequestScope};
use logtree_django::{install_panic_hook_for, AdminEmailHandler, Settings};
use parking_lot::Mutex;
use support::SmtpServer;

const CHILD: &str = "LOGTREE_PANIC_HOOK_CHILD";
const PORT: &str = "LOGTREE_PANIC_HOOK_PORT";

fn mailer(port: u16) -> Arc<Manager> {
    let settings = Settings::builder()
        .admin("Ops", "ops@example.com")
        .email_host("127.0.0.1")
        .email_port(port)
        .build()
        .unwrap();
    let h = AdminEmailHandler::builder(Arc::new(settings))
        .build()
        .unwrap();
    let m = Manager::new();
    m.root()
        .add_handler(HandlerCell::builder(h).level(Level::ERROR).build());
    m
}

#[inline(never)]
fn checkout_total(items: &[u32]) -> u32 {
    items[3]
}

struct Locky(Mutex<u32>);

impl Handler for Locky {
    fn emit(&self, _: &LogRecord<'_>, _: &str) -> std::io::Result<()> {
        let mut n = self.0.lock();
        *n += 1;
        panic!("handler bug number {n}");
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn child(kind: &str, port: u16) {
    let m = mailer(port);
    assert!(install_panic_hook_for(m.clone(), "panic"));
    match kind {
        "main" => {
            let _scope = RequestScope::enter(Arc::new(Request::new("GET", "/checkout")));
            let items: Vec<u32> = Vec::new();
            println!("{}", checkout_total(std::hint::black_box(&items)));
        }
        "in_handler" => {
            m.root()
                .add_handler(HandlerCell::builder(Locky(Mutex::new(0))).build());
            for _ in 0..3 {
                m.get_logger("app").handle(&LogRecord::new(
                    "app",
                    Level::WARNING,
                    "goes to the buggy handler",
                ));
            }
            println!("survived");
            m.shutdown();
        }
        _ => unreachable!(),
    }
}

fn run_child(kind: &str, port: u16) -> std::process::Output {
    let mut c = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, kind)
        .env(PORT, port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    while c.try_wait().unwrap().is_none() {
        if Instant::now() > end {
            let _ = c.kill();
            panic!("child {kind:?} did not end (a deadlock?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    c.wait_with_output().unwrap()
}

fn main() {
    if let Ok(kind) = std::env::var(CHILD) {
        let port = std::env::var(PORT).unwrap().parse().unwrap();
        child(&kind, port);
        return;
    }
    let Some(server) = SmtpServer::start() else {
        return;
    };

    // 1. A panic on the main thread.
    let out = run_child("main", server.port);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "{stderr}");
    // The previous hook still ran.
    assert!(
        stderr.contains("panicked at crates/django/tests/panic_hook.rs:"),
        "{stderr}"
    );
    // The e-mail was out before the process ended: nothing to wait for.
    assert_eq!(server.count(), 1, "{stderr}");
    let mail = &server.received()[0];
    let subject = &mail.header("Subject")[0];
    assert!(
        subject.starts_with("[Django] CRITICAL (EXTERNAL IP): thread 'main' panicked at crates/django/tests/panic_hook.rs:"),
        "{subject}"
    );
    assert!(
        subject.ends_with(": index out of bounds: the len is 0 but the index is 3"),
        "{subject}"
    );
    let text = &mail.parts("text/plain")[0];
    assert!(
        text.contains("\npanic at /checkout\nindex out of bounds"),
        "{text}"
    );
    assert!(text.contains("Request Method: GET\n"), "{text}");
    assert!(text.contains("\n* panic_hook::checkout_total\n"), "{text}");
    assert!(text.contains("\n* panic_hook::main\n"), "{text}");
    // The panic machinery above the failing function is not shown.
    assert!(!text.contains("rust_begin_unwind"), "{text}");

    // 2. A panic inside a handler that holds its lock.
    let out = run_child("in_handler", server.port);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("survived"), "{stdout}");
    // Not logged again (no e-mail), but reported by the handler cell.
    assert_eq!(server.count(), 1);
    assert!(
        stderr.contains("panicked: handler bug number 1"),
        "{stderr}"
    );
    println!("panic_hook: 2 scenarios passed");
}

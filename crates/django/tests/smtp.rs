//! AdminEmailHandler against a real SMTP server on loopback (aiosmtpd), the
//! received messages parsed by Python's `email` package: headers, recipients, the
//! text and HTML parts, escaping, masking, header injection, a server that is
//! down, slow or back, and a flood.

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use logtree_core::{ErrorInfo, HandlerCell, Level, LogRecord, Manager, Request, Value};
use logtree_django::{format_subject, AdminEmailHandler, AdminEmailHandlerBuilder, Settings};
use serde_json::json;
use support::{free_port, SmtpServer};

const LIVENESS: Duration = Duration::from_secs(60);
const STARS: &str = "********************";

fn shop_settings(port: u16) -> Settings {
    Settings::builder()
        .admin("Ann", "ann@example.com")
        .admin("Bo", "bo@example.org")
        .server_email("errors@shop.example")
        .email_subject_prefix("[shop] ")
        .internal_ips(vec!["10.0.0.5".into()])
        .email_host("127.0.0.1")
        .email_port(port)
        .email_timeout(Duration::from_secs(5))
        .email_host_password("SENTINEL-smtp-password")
        .other("secret_key", json!("SENTINEL-secret-key"))
        .other(
            "databases",
            json!({"default": {"NAME": "shop", "PASSWORD": "SENTINEL-db-password"}}),
        )
        .other("Stripe_Api_Key", json!("SENTINEL-stripe"))
        .other(
            "feature_flags",
            json!(["new-cart", {"auth_token": "SENTINEL-nested"}]),
        )
        .other("normal_setting", json!("plainly visible"))
        .build()
        .unwrap()
}

fn mailer(
    settings: Settings,
    f: impl FnOnce(AdminEmailHandlerBuilder) -> AdminEmailHandlerBuilder,
) -> (Arc<Manager>, Arc<HandlerCell>) {
    let h = f(AdminEmailHandler::builder(Arc::new(settings)))
        .build()
        .unwrap();
    let cell = HandlerCell::builder(h)
        .name("mail_admins")
        .level(Level::ERROR)
        .build();
    let m = Manager::new();
    m.root().add_handler(cell.clone());
    (m, cell)
}

fn stats(cell: &HandlerCell) -> logtree_django::Stats {
    cell.downcast::<AdminEmailHandler>().unwrap().stats()
}

#[derive(Debug)]
struct PaymentError {
    source: std::io::Error,
}
impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("charge failed for <script>alert('card')</script>")
    }
}
impl std::error::Error for PaymentError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[test]
fn a_failing_request_is_reported_like_django_with_nothing_secret_and_nothing_unescaped() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let (m, cell) = mailer(shop_settings(server.port), |b| {
        b.include_html(true).app_crates(["smtp"])
    });

    let path = "/cart/<script>alert(1)</script>";
    let mut req = Request::new("POST", path);
    req.host = "shop.example".into();
    req.remote_addr = "203.0.113.9".into();
    req.query = "page=2&access_token=SENTINEL-query-token&q=%3Cb%3E".into();
    req.headers = vec![
        (
            "Cookie".into(),
            "sessionid=SENTINEL-session; csrftoken=SENTINEL-csrf; theme=dark".into(),
        ),
        ("Authorization".into(), "Bearer SENTINEL-bearer".into()),
        ("X-Api-Key".into(), "SENTINEL-header-key".into()),
        ("User-Agent".into(), "curl/8.4.0".into()),
    ];
    req.form = vec![
        ("password".into(), "SENTINEL-form-password".into()),
        ("quantity".into(), "3".into()),
    ];
    req.user = Some("ann".into());
    let err = PaymentError {
        source: std::io::Error::other("gateway timed out"),
    };
    let mut info = ErrorInfo::from_error(&err);
    info.type_name = Some("PaymentError".into());
    let mut r = LogRecord::new(
        "django.request",
        Level::ERROR,
        format!("Internal Server Error: {path}"),
    );
    r.pathname = "src/views/cart.rs".into();
    r.lineno = 42;
    r.request = Some(Arc::new(req));
    r.error = Some(Arc::new(info));
    r.extra.push(("status_code".into(), Value::Int(500)));
    r.extra.push((
        "webhook_signature".into(),
        Value::Str("SENTINEL-extra".into()),
    ));
    m.get_logger("django.request").handle(&r);
    m.shutdown();

    assert!(server.wait_for(1, LIVENESS));
    let got = server.received();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail.error(), None, "{:?}", mail.0);
    assert_eq!(mail.mail_from(), "errors@shop.example");
    assert_eq!(mail.rcpt_tos(), ["ann@example.com", "bo@example.org"]);
    assert_eq!(mail.header("From"), ["errors@shop.example"]);
    assert_eq!(mail.header("To"), ["ann@example.com, bo@example.org"]);
    assert_eq!(
        mail.header("Subject"),
        [format!(
            "[shop] ERROR (EXTERNAL IP): Internal Server Error: {path}"
        )]
    );
    assert!(mail.header("Bcc").is_empty());
    assert!(mail.max_line_octets() <= 998);

    let text = &mail.parts("text/plain")[0];
    let want_start = format!(
        "Internal Server Error: {path}\n\nPaymentError at {path}\ncharge failed for <script>"
    );
    assert!(text.starts_with(&want_start), "{:?}", &text[..300]);
    for line in [
        "Request Method: POST\n",
        "Request URL: http://shop.example/cart/<script>alert(1)</script>?page=2&access_token=********************&q=%3Cb%3E\n",
        "Location: src/views/cart.rs:42\n",
        "Error: charge failed for <script>alert('card')</script>\nCaused by (1): gateway timed out\n",
        "Backtrace (most recent call first; * marks the application's frames):\n",
        "USER: ann\n",
        "GET:\npage = '2'\naccess_token = '********************'\nq = '<b>'\n",
        "POST:\npassword = '********************'\nquantity = '3'\n",
        "COOKIES:\nsessionid = '********************'\ncsrftoken = '********************'\ntheme = 'dark'\n",
        "HTTP_AUTHORIZATION = '********************'\n",
        "HTTP_COOKIE = '********************'\n",
        "HTTP_USER_AGENT = 'curl/8.4.0'\n",
        "HTTP_X_API_KEY = '********************'\n",
        "REMOTE_ADDR = '203.0.113.9'\n",
        "status_code = 500\n",
        "webhook_signature = '********************'\n",
        "normal_setting = 'plainly visible'\n",
        "secret_key = '********************'\n",
        "Stripe_Api_Key = '********************'\n",
        "email_host_password = '********************'\n",
        "databases = {'default': {'NAME': 'shop', 'PASSWORD': '********************'}}\n",
        "feature_flags = ['new-cart', {'auth_token': '********************'}]\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    // This test's own frames are the application's: highlighted.
    assert!(
        text.contains("* smtp::a_failing_request_is_reported"),
        "{text}"
    );

    let html = &mail.part_entries("text/html")[0];
    assert_eq!(html["scripts"], 0, "{html}");
    assert_eq!(html["on_attrs"], 0, "{html}");
    let html_text = html["text"].as_str().unwrap();
    // What came from outside reads back exactly, as text.
    assert!(
        html_text.contains(&format!("PaymentError at {path}")),
        "{html_text}"
    );
    assert!(
        html_text.contains("charge failed for <script>alert('card')</script>"),
        "{html_text}"
    );
    assert!(html_text.contains(STARS));
    for tag in html["tags"].as_array().unwrap() {
        assert!(
            [
                "body", "br", "code", "div", "h1", "h2", "h3", "head", "header", "html", "li",
                "main", "meta", "ol", "p", "pre", "span", "style", "table", "tbody", "td", "th",
                "thead", "title", "tr", "ul"
            ]
            .contains(&tag.as_str().unwrap()),
            "unexpected tag {tag}"
        );
    }

    let everything = mail.everything();
    assert!(
        !everything.contains("SENTINEL"),
        "a secret leaked:\n{everything}"
    );
    assert_eq!(stats(&cell).sent, 1);
}

#[test]
fn subjects_cannot_inject_headers() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let (m, _cell) = mailer(shop_settings(server.port), |b| {
        b.flood_interval(Duration::ZERO)
    });
    let long_ascii = "x".repeat(5000);
    let long_words = "word ".repeat(1000);
    let long_utf8 = "支付失败 é ".repeat(700);
    let vectors: Vec<String> = [
        "a\r\nb",
        "lone\rcr",
        "lone\nlf",
        "nul\0byte",
        "\x0b\x0c\x1c\x1d\x1e",
        "\u{85}\u{2028}\u{2029}",
        "x\r\nBcc: evil@example.com",
        "=?UTF-8?Q?=0A?=Bcc: evil@example.com",
        "Message \r\n with newlines",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([long_ascii, long_words, long_utf8])
    .collect();
    let log = m.get_logger("app");
    for (i, v) in vectors.iter().enumerate() {
        let mut r = LogRecord::new("app", Level::ERROR, v.as_str());
        r.lineno = i as u32;
        log.handle(&r);
    }
    m.shutdown();
    assert!(server.wait_for(vectors.len(), LIVENESS));
    let got = server.received();
    let mut subjects: Vec<String> = Vec::new();
    for mail in &got {
        assert_eq!(mail.error(), None, "{:?}", mail.0);
        assert_eq!(mail.header("Subject").len(), 1, "{:?}", mail.header_names());
        assert!(mail.header("Bcc").is_empty(), "{:?}", mail.header_names());
        let mut names = mail.header_names();
        names.sort();
        assert_eq!(
            names,
            [
                "Content-Transfer-Encoding",
                "Content-Type",
                "Date",
                "From",
                "MIME-Version",
                "Message-ID",
                "Subject",
                "To"
            ]
        );
        assert_eq!(mail.rcpt_tos(), ["ann@example.com", "bo@example.org"]);
        assert!(mail.max_line_octets() <= 998, "{}", mail.max_line_octets());
        subjects.push(mail.header("Subject").remove(0));
    }
    let mut want: Vec<String> = vectors
        .iter()
        .map(|v| format_subject(&format!("[shop] ERROR: {v}")))
        .collect();
    want.sort();
    subjects.sort();
    assert_eq!(subjects, want);
    // Django's own words for CR and LF.
    assert!(subjects.contains(&"[shop] ERROR: Message \\r\\n with newlines".to_owned()));
    // Long subjects arrive whole.
    assert!(subjects.iter().any(|s| s.len() > 5000));
}

#[test]
fn ten_thousand_identical_errors_make_one_email_and_one_summary() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let (m, cell) = mailer(shop_settings(server.port), |b| b);
    let log = m.get_logger("jobs");
    for _ in 0..10_000 {
        let mut r = LogRecord::new("jobs", Level::ERROR, "disk full");
        r.pathname = "src/jobs.rs".into();
        r.lineno = 7;
        log.handle(&r);
    }
    // A different error is not held back by the flood.
    log.handle(&LogRecord::new("jobs", Level::ERROR, "other failure"));
    let s = stats(&cell);
    assert_eq!(s.suppressed, 9_999);
    assert_eq!(s.dropped, 0);
    m.shutdown();
    assert!(server.wait_for(3, LIVENESS));
    let mut subjects: Vec<String> = server
        .received()
        .iter()
        .map(|r| r.header("Subject").remove(0))
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "[shop] ERROR: disk full",
            "[shop] ERROR: other failure",
            "[shop] [9999 similar suppressed] ERROR: disk full"
        ]
    );
    let summary = server
        .received()
        .into_iter()
        .find(|r| r.header("Subject")[0].contains("suppressed"))
        .unwrap();
    let text = &summary.parts("text/plain")[0];
    assert!(
        text.starts_with("9999 more records like the one below"),
        "{text}"
    );
    assert_eq!(stats(&cell).sent, 3);
    // No more than that reaches the server.
    assert_eq!(server.count(), 3);
}

#[test]
fn logging_returns_while_the_server_holds_the_message() {
    let hold = tempfile::tempdir().unwrap();
    let release = hold.path().join("release");
    let Some(server) = SmtpServer::start_holding(&release) else {
        return;
    };
    let (m, cell) = mailer(shop_settings(server.port), |b| b.queue_capacity(100));
    // The logging calls run on a thread of their own; if they waited for the server
    // they would not come back until it is released.
    let (tx, rx) = std::sync::mpsc::channel();
    let m2 = m.clone();
    std::thread::spawn(move || {
        let log = m2.get_logger("web");
        for i in 0..20 {
            log.handle(&LogRecord::new(
                "web",
                Level::ERROR,
                format!("request {i} failed"),
            ));
        }
        tx.send(()).unwrap();
    });
    rx.recv_timeout(LIVENESS)
        .expect("the logging calls waited for the mail server");
    assert_eq!(
        server.count(),
        0,
        "the server held every message, yet logging returned"
    );
    assert!(stats(&cell).pending > 0);
    std::fs::write(&release, b"").unwrap();
    m.shutdown();
    assert!(server.wait_for(20, LIVENESS));
    assert_eq!(stats(&cell).sent, 20);
}

#[test]
fn starttls_required_but_not_offered_sends_nothing() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let settings = Settings::builder()
        .admin("Ops", "ops@example.com")
        .email_host("127.0.0.1")
        .email_port(server.port)
        .email_use_tls(true)
        .email_host_user("app")
        .email_host_password("SENTINEL-never-sent")
        .build()
        .unwrap();
    let (m, cell) = mailer(settings, |b| b.shutdown_timeout(Duration::from_secs(5)));
    m.get_logger("x")
        .handle(&LogRecord::new("x", Level::ERROR, "over plain text?"));
    m.shutdown();
    let s = stats(&cell);
    assert_eq!(s.sent, 0);
    assert_eq!(s.failed + s.abandoned, 1, "{s:?}");
    assert_eq!(server.count(), 0);
}

#[test]
fn mail_goes_out_once_the_server_is_back() {
    let port = free_port();
    let settings = shop_settings(port);
    let (m, cell) = mailer(settings, |b| {
        b.retry_backoff(Duration::from_millis(100))
            .max_attempts(1000)
    });
    let (_guard, lines) = logtree_core::report::capture_for_tests();
    m.get_logger("x")
        .handle(&LogRecord::new("x", Level::ERROR, "while down"));
    let h = cell.downcast::<AdminEmailHandler>().unwrap();
    // The first attempt fails: the outage begins.
    let end = Instant::now() + LIVENESS;
    while !lines
        .lock()
        .iter()
        .any(|l| l.contains(&format!("127.0.0.1:{port}")))
    {
        assert!(Instant::now() < end, "no failure reported");
        std::thread::sleep(Duration::from_millis(10));
    }
    let Some(server) = SmtpServer::start_with(port, 0.0) else {
        return;
    };
    assert!(server.wait_for(1, LIVENESS));
    // The server has the message before the worker has seen its SMTP transaction
    // end; until then the outage stands and `wait_idle` returns at once (by design),
    // so poll until the worker has caught up.
    let end = Instant::now() + LIVENESS;
    while !h.wait_idle(Duration::from_millis(100)) {
        assert!(
            Instant::now() < end,
            "the worker never noticed the recovery"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    m.get_logger("x")
        .handle(&LogRecord::new("x", Level::ERROR, "after recovery"));
    m.shutdown();
    assert_eq!(server.count(), 2);
    let mine: Vec<String> = lines
        .lock()
        .iter()
        .filter(|l| l.contains(&format!("127.0.0.1:{port}")))
        .cloned()
        .collect();
    assert_eq!(mine.len(), 2, "{mine:#?}");
    assert!(
        mine[0].contains(": sending failed: smtp 127.0.0.1:"),
        "{mine:#?}"
    );
    assert!(
        mine[1].contains(": sending works again; 0 e-mails were given up"),
        "{mine:#?}"
    );
    assert_eq!(h.stats().sent, 2);
}

/// The child side of `a_program_whose_mail_server_is_down_ends_and_says_so_once`.
#[test]
fn child_server_down() {
    let Ok(port) = std::env::var("LOGTREE_DJANGO_CHILD_DOWN_PORT") else {
        return;
    };
    let (m, cell) = mailer(shop_settings(port.parse().unwrap()), |b| b);
    let log = m.get_logger("app");
    for i in 0..5 {
        log.handle(&LogRecord::new("app", Level::ERROR, format!("failure {i}")));
    }
    m.shutdown();
    let s = stats(&cell);
    println!(
        "STATS sent={} abandoned={} failed={}",
        s.sent, s.abandoned, s.failed
    );
}

#[test]
fn a_program_whose_mail_server_is_down_ends_and_says_so_once() {
    let port = free_port();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_server_down",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LOGTREE_DJANGO_CHILD_DOWN_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + LIVENESS;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            panic!("the program did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("STATS sent=0 abandoned=5 failed=0"),
        "{stdout}"
    );
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("logtree: "))
        .collect();
    assert!(!ours.is_empty() && ours.len() <= 2, "{ours:#?}");
    assert_eq!(
        ours.iter()
            .filter(|l| l.contains("Connection refused"))
            .count(),
        1,
        "{ours:#?}"
    );
    assert_eq!(
        ours.iter()
            .filter(|l| l.contains("5 e-mails were not sent at shutdown"))
            .count(),
        1,
        "{ours:#?}"
    );
}

fn tls_settings(port: u16) -> Settings {
    Settings::builder()
        .admin("Ops", "ops@example.com")
        .email_host("localhost")
        .email_port(port)
        .email_use_tls(true)
        .email_host_user("shop")
        .email_host_password("SENTINEL-smtp-secret")
        .email_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn tls_mailer(port: u16, trust_test_ca: bool) -> (Arc<Manager>, Arc<HandlerCell>) {
    let settings = tls_settings(port);
    let mut smtp = logtree_django::SmtpBackend::builder("localhost")
        .port(port)
        .security(logtree_django::Security::StartTls)
        .credentials("shop", "SENTINEL-smtp-secret")
        .timeout(Duration::from_secs(5));
    if trust_test_ca {
        let ca = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls/ca.pem")).unwrap();
        smtp = smtp.root_certificate_pem(ca);
    }
    let backend = Arc::new(smtp.build().unwrap());
    mailer(settings, |b| b.backend(backend).max_attempts(1))
}

#[test]
fn starttls_with_a_trusted_certificate_delivers_and_logs_in() {
    let Some(server) = SmtpServer::start_tls("localhost", "shop:SENTINEL-smtp-secret") else {
        return;
    };
    let (m, cell) = tls_mailer(server.port, true);
    m.get_logger("x")
        .handle(&LogRecord::new("x", Level::ERROR, "over TLS"));
    m.shutdown();
    assert_eq!(stats(&cell).sent, 1, "{:?}", stats(&cell));
    assert_eq!(server.count(), 1);
    assert_eq!(server.auth_log(), ["shop ok"]);
}

#[test]
fn an_untrusted_or_misnamed_certificate_gets_neither_mail_nor_password() {
    for (cert, trust) in [("localhost", false), ("wrong.example", true)] {
        let Some(server) = SmtpServer::start_tls(cert, "shop:SENTINEL-smtp-secret") else {
            return;
        };
        let (m, cell) = tls_mailer(server.port, trust);
        m.get_logger("x")
            .handle(&LogRecord::new("x", Level::ERROR, "must not leave"));
        m.shutdown();
        let s = stats(&cell);
        assert_eq!(s.sent, 0, "{cert}: {s:?}");
        assert_eq!(s.failed + s.abandoned, 1, "{cert}: {s:?}");
        assert_eq!(server.count(), 0, "{cert}");
        assert!(
            server.auth_log().is_empty(),
            "{cert}: {:?}",
            server.auth_log()
        );
    }
}

#[test]
fn a_server_that_never_answers_costs_a_timeout_not_a_hang() {
    // Accepts connections (the kernel does, into the backlog) and never greets.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    let settings = Settings::builder()
        .admin("Ops", "ops@example.com")
        .email_host("127.0.0.1")
        .email_port(port)
        .email_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let (m, cell) = mailer(settings, |b| b.shutdown_timeout(Duration::from_secs(30)));
    let (_guard, lines) = logtree_core::report::capture_for_tests();
    for i in 0..3 {
        m.get_logger("x")
            .handle(&LogRecord::new("x", Level::ERROR, format!("lost {i}")));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        m.shutdown();
        tx.send(()).unwrap();
    });
    rx.recv_timeout(LIVENESS)
        .expect("shutdown hung on a silent server");
    let s = stats(&cell);
    assert_eq!((s.sent, s.abandoned + s.failed), (0, 3), "{s:?}");
    let mine: Vec<String> = lines
        .lock()
        .iter()
        .filter(|l| l.contains(&format!(":{port}")))
        .cloned()
        .collect();
    assert!(mine[0].contains("no answer within 0.5 s"), "{mine:#?}");
    drop(hole);
}

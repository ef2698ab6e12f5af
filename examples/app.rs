//! The main example: one configuration file, `log` macros from several modules, and
//! three destinations — the console, a rotating file, and an e-mail to the admins
//! when an error happens.
//!
//! ```text
//! cargo run --example app
//! ```
//!
//! It loads `examples/app.toml`, logs a few requests, fails one of them with an
//! error that has a cause, and at the end shows what each destination received.
//! The e-mail goes through Django's file-based mail backend (no server needed).

use std::error::Error;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use logtree::{Request, RequestScope};

mod db {
    /// A query error with a cause, as a database client returns.
    #[derive(Debug)]
    pub(crate) struct QueryError {
        pub(crate) source: std::io::Error,
    }

    impl std::fmt::Display for QueryError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("INSERT INTO orders failed")
        }
    }

    impl std::error::Error for QueryError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    pub(crate) fn connect() {
        log::debug!("connecting to {} with a pool of {}", "db.internal:5432", 8);
        log::info!(pool = 8; "database pool ready");
    }

    pub(crate) fn insert_order(id: u32) -> Result<(), QueryError> {
        log::debug!("inserting order {id}");
        Err(QueryError {
            source: std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset by peer",
            ),
        })
    }
}

mod web {
    use super::*;

    pub(crate) fn handle(method: &str, path: &str, order: u32) {
        let mut request = Request::new(method, path);
        request.remote_addr = "203.0.113.9".into();
        request
            .headers
            .push(("User-Agent".into(), "curl/8.5".into()));
        request
            .headers
            .push(("Authorization".into(), "Bearer secret-token".into()));
        let _scope = RequestScope::enter(Arc::new(request));

        log::info!("{method} {path}");
        if let Err(e) = crate::db::insert_order(order) {
            log::error!(error:err = e; "Internal Server Error: {path}");
        }
    }
}

struct Shown<'a>(&'a Path);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.display())
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/app.toml");
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"))?;
    let _ = std::fs::remove_dir_all("target/example-logs/mail");
    std::fs::create_dir_all("target/example-logs")?;
    {
        // Loads the file, installs logtree as the `log` logger; the guard flushes the
        // file and sends the pending e-mail when it drops.
        let _logging = match logtree::init_from_file(config) {
            Ok(guard) => guard,
            Err(e) => {
                eprintln!("{e:#}");
                std::process::exit(2);
            }
        };
        log::info!(target: "app", "starting");
        db::connect();
        web::handle("GET", "/cart/", 41);
        web::handle("POST", "/cart/checkout/", 42);
        log::warn!(target: "app", "shutting down");
    }

    println!("\n--- what each destination received ---");
    println!("console: the lines above (INFO and up, every logger)");
    let log_file = Path::new("target/example-logs/app.log");
    let text = std::fs::read_to_string(log_file)?;
    println!("{} (app.* at DEBUG and up), last lines:", Shown(log_file));
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines[lines.len().saturating_sub(6)..] {
        println!("  {line}");
    }
    for entry in std::fs::read_dir("target/example-logs/mail")? {
        let path = entry?.path();
        let mail = std::fs::read_to_string(&path)?;
        println!("e-mail to the admins, {}:", Shown(&path));
        for line in mail
            .lines()
            .filter(|l| l.starts_with("Subject:") || l.starts_with("To:") || l.starts_with("From:"))
        {
            println!("  {line}");
        }
        let masked = !mail.contains("secret-token") && !mail.contains("not-a-real-token");
        println!("  (secrets in the request and settings masked: {masked})");
    }
    Ok(())
}

//! An online shop that e-mails its admins when something breaks, configured from
//! `examples/email_admins.toml` (Django's `mail_admins` setup).
//!
//! ```text
//! cargo run --example email_admins
//! ```
//!
//! What it shows:
//! - a request that fails: the e-mail says which request (method, URL, headers,
//!   cookies, user, client address), carries the error with its `source()` chain
//!   (logged with `error:err = e`) and a backtrace, with the session cookie, the
//!   `Authorization` header, the `token` parameter and `secret_key` masked;
//! - a flood: the same error 1000 times gives one e-mail now and one summary
//!   ("999 more records like the one below") at exit;
//! - a panic in a worker thread, logged as CRITICAL by the panic hook;
//! - the logging calls never wait for the mail: a worker thread sends it, and the
//!   guard returned by `init_from_file` sends what is pending when `main` ends.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use logtree::{Request, RequestScope};

mod orders {
    //! The shop's order code: an error with a cause.
    use super::*;

    #[derive(Debug)]
    pub(crate) struct OrderError {
        id: u32,
        source: std::io::Error,
    }

    impl fmt::Display for OrderError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "could not save order {}", self.id)
        }
    }

    impl Error for OrderError {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.source)
        }
    }

    pub(crate) fn save(id: u32) -> Result<(), OrderError> {
        Err(OrderError {
            id,
            source: std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "database timed out after 5 s",
            ),
        })
    }
}

mod views {
    //! A request handler: what Django logs for an uncaught exception.
    use super::*;

    pub(crate) fn checkout() {
        let mut request = Request::new("POST", "/checkout/");
        request.host = "shop.example.com".into();
        request.query = "coupon=SPRING24&token=abc123".into();
        request.remote_addr = "203.0.113.9".into();
        request.user = Some("ann".into());
        request.headers = vec![
            ("User-Agent".into(), "Mozilla/5.0".into()),
            ("Cookie".into(), "sessionid=s3cr3t; theme=dark".into()),
            ("Authorization".into(), "Bearer eyJhbGciOi".into()),
        ];
        // Every record logged while the scope lives carries the request.
        let _scope = RequestScope::enter(Arc::new(request));
        if let Err(e) = orders::save(42) {
            log::error!(target: "django.request", error:err = e; "Internal Server Error: /checkout/");
        }
    }
}

mod jobs {
    //! A background job failing in a loop: flood control keeps it to one e-mail.
    pub(crate) fn charge_all() {
        for _ in 0..1000 {
            log::error!(target: "shop.jobs", "payment provider unreachable");
        }
    }
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/email_admins.toml");
    let _logging = match logtree::init_from_file(path) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e:#}");
            std::process::exit(2);
        }
    };
    logtree::install_panic_hook();

    log::info!(target: "shop", "shop started");
    views::checkout();
    jobs::charge_all();
    let worker = std::thread::Builder::new()
        .name("invoice-worker".into())
        .spawn(|| {
            let invoices: Vec<u32> = Vec::new();
            invoices[0]
        })
        .unwrap();
    let _ = worker.join();
    log::info!(target: "shop", "shop stopping: pending e-mails go out now");
}

//! The logging configuration of Django's documentation, loaded from
//! `examples/logging.toml` and used through the `log` macros from several modules.
//!
//! ```text
//! cargo run --example django_logging
//! ```
//!
//! What happens, as in a Django project with that `LOGGING`:
//! - `django.*` records at INFO and above reach the console (only while
//!   `settings.debug` is true: the `require_debug_true` filter);
//! - errors of `django.request` (a request that failed) e-mail the admins and do not
//!   propagate to the console; the e-mail goes to the console backend here;
//! - `myproject.custom` goes to both, through the project's own `SpecialFilter`,
//!   which the application registers by its Python name before loading.

use std::error::Error;
use std::sync::Arc;

use logtree::config::{Args, Config};
use logtree::core::{Filter, LogRecord, Value};

/// The documentation's `project.logging.SpecialFilter(foo="bar")`: here it drops
/// records marked as noise and tags the others with the value of `foo`.
struct SpecialFilter {
    tag: String,
}

impl Filter for SpecialFilter {
    fn filter(&self, record: &LogRecord<'_>) -> bool {
        if record.message.starts_with("[noise]") {
            return false;
        }
        record.set_attr("special", Value::from(self.tag.clone()));
        true
    }

    fn describe(&self) -> String {
        format!("SpecialFilter(foo={:?})", self.tag)
    }
}

mod views {
    //! What Django's request handling logs.
    use std::sync::Arc;

    use logtree::core::{Request, RequestScope};

    pub(crate) fn checkout(path: &str) {
        let request = Arc::new(Request::new("POST", path));
        let _scope = RequestScope::enter(request);
        log::info!(target: "django.request", "not an error: dropped by the ERROR level");
        log::error!(target: "django.request", "Internal Server Error: {path}");
    }
}

mod db {
    //! A library module logging under `django.db.backends`.
    pub(crate) fn query(sql: &str) {
        log::debug!(target: "django.db.backends", "below INFO, dropped: {sql}");
        log::info!(target: "django.db.backends", "slow query (1.2 s): {sql}");
    }
}

mod custom {
    //! The project's own logger, `myproject.custom`.
    pub(crate) fn report() {
        log::info!(target: "myproject.custom", "nightly report ready");
        log::info!(target: "myproject.custom", "[noise] filtered by SpecialFilter");
        log::error!(target: "myproject.custom", "report upload failed");
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    // Every stock and Django component, plus the project's own filter, by the name
    // the configuration uses for it.
    let mut registry = logtree::registry();
    registry.add_filter(&["project.logging.SpecialFilter"], |args: &mut Args<'_>| {
        let tag = args.require_str("foo")?;
        Ok(Arc::new(SpecialFilter { tag }))
    });

    // Django's `django.setup()` applies its DEFAULT_LOGGING before the project's
    // LOGGING; of it, what this example relies on: the `django` logger at INFO
    // (the documentation's LOGGING leaves its level alone, and
    // `disable_existing_loggers = false` keeps it).
    Config::from_json_str(
        r#"{"version": 1, "disable_existing_loggers": false,
                              "loggers": {"django": {"level": "INFO"}}}"#,
    )?
    .apply(logtree::manager(), &registry)?;

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/logging.toml");
    // Applies the file, installs the `log` bridge; the guard flushes and closes
    // every handler at the end of `main` (the e-mail is sent by then).
    let _logging = match logtree::init_from_file_with(path, &registry) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e:#}");
            std::process::exit(2);
        }
    };

    db::query("SELECT * FROM orders");
    views::checkout("/cart/checkout/");
    custom::report();
    Ok(())
}

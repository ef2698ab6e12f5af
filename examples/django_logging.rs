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

use logtree::config::{Args, Config, Registry};
use logtree::core::{Filter, LogRecord, Value};

/// The documentation's `project.logging.SpecialFilter(foo="bar")`: here it drops
/// records marked as noise and tags the others with `foo`.
struct SpecialFilter {
    foo: String,
}

impl Filter for SpecialFilter {
    fn filter(&self, record: &LogRecord<'_>) -> bool {
        if record.message.starts_with("[noise]") {
            return false;
        }
        record.set_attr("special", Value::from(self.foo.clone()));
        true
    }

    fn describe(&self) -> String {
        format!("SpecialFilter(foo={:?})", self.foo)
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
    let mut registry = Registry::stock();
    logtree::django::register(&mut registry);
    registry.add_filter(&["project.logging.SpecialFilter"], |args: &mut Args<'_>| {
        let foo = args.require_str("foo")?;
        Ok(Arc::new(SpecialFilter { foo }))
    });

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/logging.toml");
    let config = Config::from_path(path)?;
    config.apply(logtree::core::global(), &registry)?;
    logtree::bridge::install()?;

    db::query("SELECT * FROM orders");
    views::checkout("/cart/checkout/");
    custom::report();

    // Python's logging.shutdown(): flush and close every handler (the e-mails are
    // sent before the program ends).
    logtree::core::global().shutdown();
    Ok(())
}

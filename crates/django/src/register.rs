//! Django's components in a configuration: [`register`] adds them to a
//! `logtree_config::Registry` under Django's class names and short names, so a
//! Django project's `LOGGING` dictionary loads unchanged.
//!
//! | Django name | short name | built from |
//! | --- | --- | --- |
//! | `django.utils.log.AdminEmailHandler` | `admin_email` | `include_html`, `email_backend`, `reporter_class`, and logtree's `flood_interval`, `queue_capacity`, `shutdown_timeout`, `max_attempts`, `retry_backoff` (seconds), `secret_names`, `app_crates`, `capture_backtrace` |
//! | `django.utils.log.CallbackFilter` | `callback` | `callback`: a registered callback's name |
//! | `django.utils.log.RequireDebugFalse` | `require_debug_false` | |
//! | `django.utils.log.RequireDebugTrue` | `require_debug_true` | |
//! | `django.utils.log.ServerFormatter` | `server` | `fmt` (or `format`), `datefmt`, `style`, `validate`, `defaults` |
//!
//! Mail backends are named by Django's dotted names in `email_backend` (see
//! [`crate::BACKEND_NAMES`]) and reporters by `reporter_class` (see
//! [`crate::register_reporter`]); those names are resolved by this crate, not by
//! the registry.
//!
//! Every component of one configuration shares one [`Settings`] made from the
//! configuration's `settings` table (`Args::shared`), so flipping `debug` at
//! runtime reaches the filters and the handler alike. Building has no side
//! effect: the file backend creates its folder and the handler starts its worker
//! only when the first e-mail goes out, so `logtree check` stays a dry run.

use std::sync::Arc;
use std::time::Duration;

use logtree_config::{ArgError, Args, Registry};
use logtree_core::{CallbackFilter, LogRecord};

use crate::error::{Error, ErrorKind};
use crate::filters::{RequireDebugFalse, RequireDebugTrue};
use crate::handler::AdminEmailHandler;
use crate::server_formatter::{ServerFormatter, ServerFormatterBuilder};
use crate::settings::Settings;

/// The handler's names.
pub const ADMIN_EMAIL_HANDLER_NAMES: &[&str] =
    &["django.utils.log.AdminEmailHandler", "admin_email"];
/// `CallbackFilter`'s names.
pub const CALLBACK_FILTER_NAMES: &[&str] = &["django.utils.log.CallbackFilter", "callback"];
/// `RequireDebugFalse`'s names.
pub const REQUIRE_DEBUG_FALSE_NAMES: &[&str] =
    &["django.utils.log.RequireDebugFalse", "require_debug_false"];
/// `RequireDebugTrue`'s names.
pub const REQUIRE_DEBUG_TRUE_NAMES: &[&str] =
    &["django.utils.log.RequireDebugTrue", "require_debug_true"];
/// `ServerFormatter`'s names.
pub const SERVER_FORMATTER_NAMES: &[&str] = &["django.utils.log.ServerFormatter", "server"];

/// Registers Django's handler, filters and formatter in `registry`.
///
/// ```
/// use logtree_config::{Config, Registry};
/// use logtree_core::Manager;
/// let mut registry = Registry::stock();
/// logtree_django::register(&mut registry);
/// let config = Config::from_json_str(r#"{
///     "version": 1,
///     "settings": {"debug": false, "admins": [["Ops", "ops@example.com"]],
///                  "email_backend": "django.core.mail.backends.locmem.EmailBackend"},
///     "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
///     "handlers": {"mail_admins": {"class": "django.utils.log.AdminEmailHandler",
///                                  "level": "ERROR", "filters": ["require_debug_false"],
///                                  "include_html": true}},
///     "loggers": {"django": {"handlers": ["mail_admins"]}}
/// }"#).unwrap();
/// let manager = Manager::new();
/// config.apply(&manager, &registry).unwrap();
/// manager.shutdown();
/// ```
pub fn register(registry: &mut Registry) {
    registry.add_handler(ADMIN_EMAIL_HANDLER_NAMES, |args: &mut Args<'_>| {
        Ok(Box::new(admin_email_handler(args)?))
    });
    registry.add_filter(REQUIRE_DEBUG_FALSE_NAMES, |args: &mut Args<'_>| {
        Ok(Arc::new(RequireDebugFalse::new(shared_settings(args)?)))
    });
    registry.add_filter(REQUIRE_DEBUG_TRUE_NAMES, |args: &mut Args<'_>| {
        Ok(Arc::new(RequireDebugTrue::new(shared_settings(args)?)))
    });
    registry.add_filter(CALLBACK_FILTER_NAMES, |args: &mut Args<'_>| {
        let cb = args
            .callback("callback")?
            .ok_or_else(|| args.missing("callback"))?;
        let name = args.id().to_owned();
        Ok(Arc::new(CallbackFilter::new(
            name,
            move |r: &LogRecord<'_>| cb(r),
        )))
    });
    registry.add_formatter(SERVER_FORMATTER_NAMES, |args: &mut Args<'_>| {
        Ok(Arc::new(server_formatter(args)?))
    });
}

fn server_formatter(args: &mut Args<'_>) -> Result<ServerFormatter, ArgError> {
    logtree_config::build_text_formatter(args, ServerFormatter::text_builder(), |t| {
        ServerFormatterBuilder::from_text(t).build()
    })
}

/// The configuration's settings, one object per configuration.
fn shared_settings(args: &mut Args<'_>) -> Result<Arc<Settings>, ArgError> {
    args.shared(|s: &logtree_config::Settings| {
        Settings::from_map(s.as_map()).map_err(|e| to_arg_error(e, None))
    })
}

fn to_arg_error(e: Error, option: Option<&str>) -> ArgError {
    if let Some(key) = e.setting_key() {
        return ArgError::setting(key, e.detail());
    }
    match (e.kind(), option) {
        (ErrorKind::Config, _) => ArgError::invalid(Some("reporter_class"), e.to_string()),
        (ErrorKind::Backend, Some(key)) => ArgError::invalid(Some(key), e.to_string()),
        (ErrorKind::Backend, None) => ArgError::setting("email_backend", e.to_string()),
        _ => ArgError::build(e.to_string(), Some(Box::new(e))),
    }
}

fn seconds(args: &mut Args<'_>, key: &str) -> Result<Option<Duration>, ArgError> {
    match args.float(key)? {
        None => Ok(None),
        Some(s) if s.is_finite() && (0.0..1e9).contains(&s) => Ok(Some(Duration::from_secs_f64(s))),
        Some(_) => Err(args.error(
            key,
            format!("'{key}' must be a number of seconds, at least 0"),
        )),
    }
}

fn admin_email_handler(args: &mut Args<'_>) -> Result<AdminEmailHandler, ArgError> {
    let settings = shared_settings(args)?;
    let mut b = AdminEmailHandler::builder(settings);
    if let Some(v) = args.bool("include_html")? {
        b = b.include_html(v);
    }
    let backend_option = args.str("email_backend")?;
    if let Some(v) = &backend_option {
        b = b.email_backend(v.clone());
    }
    if let Some(v) = args.str("reporter_class")? {
        b = b.reporter_class(v);
    }
    if let Some(v) = seconds(args, "flood_interval")? {
        b = b.flood_interval(v);
    }
    if let Some(v) = seconds(args, "shutdown_timeout")? {
        b = b.shutdown_timeout(v);
    }
    if let Some(v) = seconds(args, "retry_backoff")? {
        b = b.retry_backoff(v);
    }
    if let Some(v) = args.uint("queue_capacity")? {
        if v == 0 {
            return Err(args.error("queue_capacity", "'queue_capacity' must be at least 1"));
        }
        b = b.queue_capacity(usize::try_from(v).unwrap_or(usize::MAX));
    }
    if let Some(v) = args.uint("max_attempts")? {
        if v == 0 {
            return Err(args.error("max_attempts", "'max_attempts' must be at least 1"));
        }
        b = b.max_attempts(u32::try_from(v).unwrap_or(u32::MAX));
    }
    if let Some(v) = args.str_list("secret_names")? {
        b = b.secret_names(v);
    }
    if let Some(v) = args.str_list("app_crates")? {
        b = b.app_crates(v);
    }
    if let Some(v) = args.bool("capture_backtrace")? {
        b = b.capture_backtrace(v);
    }
    b.build()
        .map_err(|e| to_arg_error(e, backend_option.is_some().then_some("email_backend")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_config::Config;
    use logtree_core::{Level, Manager};

    use crate::locmem::outbox;

    fn registry() -> Registry {
        let mut r = Registry::stock();
        register(&mut r);
        r.add_callback("app.no_health", |r: &LogRecord<'_>| {
            !r.message.contains("/healthz")
        });
        r
    }

    fn apply(json: &str) -> Result<Arc<Manager>, String> {
        let m = Manager::new();
        Config::from_json_str(json)
            .map_err(|e| format!("{e:#}"))?
            .apply(&m, &registry())
            .map_err(|e| format!("{e:#}"))?;
        Ok(m)
    }

    #[test]
    fn components_share_settings_and_read_debug_live() {
        let m = apply(
            r#"{"version": 1,
            "settings": {"debug": false, "admins": [["Ops", "ops@example.com"]],
                         "email_backend": "django.core.mail.backends.locmem.EmailBackend"},
            "filters": {"prod": {"()": "require_debug_false"},
                        "health": {"()": "django.utils.log.CallbackFilter", "callback": "app.no_health"}},
            "handlers": {"mail": {"class": "admin_email", "level": "ERROR", "filters": ["prod", "health"],
                                  "flood_interval": 0}},
            "loggers": {"regtest.shared": {"handlers": ["mail"], "propagate": false}}}"#,
        )
        .unwrap();
        let cell = m.handler_by_name("mail").unwrap();
        let h = cell.downcast::<AdminEmailHandler>().unwrap();
        let settings = h.settings().clone();
        let log = m.get_logger("regtest.shared");
        log.handle(&LogRecord::new(
            "regtest.shared",
            Level::ERROR,
            "regtest-shared one",
        ));
        log.handle(&LogRecord::new(
            "regtest.shared",
            Level::ERROR,
            "GET /healthz failed",
        ));
        settings.set_debug(true);
        log.handle(&LogRecord::new(
            "regtest.shared",
            Level::ERROR,
            "regtest-shared two",
        ));
        settings.set_debug(false);
        log.handle(&LogRecord::new(
            "regtest.shared",
            Level::ERROR,
            "regtest-shared three",
        ));
        assert!(h.wait_idle(Duration::from_secs(10)));
        let mine: Vec<String> = outbox()
            .messages()
            .into_iter()
            .map(|m| m.subject)
            .filter(|s| s.contains("regtest-shared"))
            .collect();
        assert_eq!(
            mine,
            [
                "[Django] ERROR: regtest-shared one",
                "[Django] ERROR: regtest-shared three"
            ]
        );
        m.shutdown();
    }

    #[test]
    fn bad_options_and_settings_name_their_key() {
        let base = |handler: &str, settings: &str| {
            format!(
                r#"{{"version": 1, "settings": {{"admins": [["Ops", "ops@example.com"]]{settings}}},
                "handlers": {{"mail": {{"class": "django.utils.log.AdminEmailHandler"{handler}}}}}}}"#
            )
        };
        let e = apply(&base(r#", "email_backend": "nope.Backend""#, "")).unwrap_err();
        assert!(e.contains("handlers.mail.email_backend"), "{e}");
        assert!(e.contains("unknown email backend \"nope.Backend\""), "{e}");
        let e = apply(&base(r#", "reporter_class": "nope.Reporter""#, "")).unwrap_err();
        assert!(
            e.contains("unknown reporter class \"nope.Reporter\""),
            "{e}"
        );
        let e = apply(&base("", r#", "debug": "yes""#)).unwrap_err();
        assert!(e.contains("settings.debug"), "{e}");
        assert!(e.contains("expected a boolean, found \"yes\""), "{e}");
        let e = apply(&base("", r#", "email_backend": "file""#)).unwrap_err();
        assert!(e.contains("settings.email_file_path"), "{e}");
        let e = apply(&base(r#", "flood_interval": -1"#, "")).unwrap_err();
        assert!(
            e.contains("'flood_interval' must be a number of seconds, at least 0"),
            "{e}"
        );
        let e = apply(&base(r#", "include_htm": true"#, "")).unwrap_err();
        assert!(
            e.contains("unexpected keyword argument 'include_htm'"),
            "{e}"
        );
        let e = apply(r#"{"version": 1, "filters": {"c": {"()": "callback"}}}"#).unwrap_err();
        assert!(e.contains("callback"), "{e}");
    }

    #[test]
    fn server_formatter_from_a_configuration() {
        let m = apply(
            r#"{"version": 1,
            "formatters": {"srv": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                                   "style": "{", "datefmt": "%Y"},
                           "cls": {"class": "server", "format": "{message}", "style": "{"}},
            "handlers": {"n": {"class": "logging.NullHandler", "formatter": "srv"},
                         "c": {"class": "logging.NullHandler", "formatter": "cls"}}}"#,
        )
        .unwrap();
        let f = m.handler_by_name("n").unwrap().formatter().unwrap().clone();
        let mut r = LogRecord::new("django.server", Level::INFO, "hi");
        r.created = 1_700_000_000.0;
        let mut out = String::new();
        f.format(&r, &mut out).unwrap();
        assert!(out.ends_with("] hi") && out.starts_with("[20"), "{out}");
        let e = apply(
            r#"{"version": 1, "formatters": {"srv": {"()": "server", "format": "{nope", "style": "{"}}}"#,
        )
        .unwrap_err();
        assert!(e.contains("formatters.srv.format"), "{e}");
        let e = apply(r#"{"version": 1, "formatters": {"srv": {"()": "server", "style": "?"}}}"#)
            .unwrap_err();
        assert!(e.contains("Style must be one of: %,{,$"), "{e}");
    }

    #[test]
    fn dry_run_touches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("mail");
        let json = format!(
            r#"{{"version": 1, "settings": {{"admins": [["Ops", "ops@example.com"]],
                "email_backend": "django.core.mail.backends.filebased.EmailBackend",
                "email_file_path": {:?}}},
                "handlers": {{"mail": {{"class": "django.utils.log.AdminEmailHandler"}}}}}}"#,
            mail.display().to_string()
        );
        Config::from_json_str(&json)
            .unwrap()
            .check(&registry())
            .unwrap();
        assert!(!mail.exists());
    }
}

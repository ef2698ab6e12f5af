//! The error report: what an admin e-mail says, as text and as HTML.
//!
//! Django's `ExceptionReporter` renders `technical_500.txt` and
//! `technical_500.html`. A [`Reporter`] does the same from a [`Report`], which is the
//! record seen through the secret filter: every accessor that returns request data,
//! record attributes or settings returns them already masked, so a custom reporter
//! cannot leak what the default one hides unless it digs into the raw record on
//! purpose. [`TechnicalReporter`] is the default, laid out as Django's (title, value,
//! request summary, error chain, backtrace, request information, settings), with
//! Rust's facts in place of Python's: the error's `source()` chain instead of chained
//! exceptions, the backtrace instead of the traceback, process and thread.
//!
//! Values are shown as Python's `repr` shows them (Django's `stringformat:"r"`) and,
//! as Django does for frame locals, cut after 4096 characters.

use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use logtree_core::{LogRecord, Request, Value};
use parking_lot::RwLock;
use serde_json::Value as Json;

use crate::backtrace::Frames;
use crate::cleanse::{mask_query, meta_name, parse_cookie_header, parse_query, SecretFilter};
use crate::html::escaped;
use crate::settings::Settings;

/// Values longer than this are cut in reports (Django's 4096).
pub const MAX_VALUE_CHARS: usize = 4096;

/// Renders reports. Register one by name for configurations with
/// [`crate::register_reporter`].
///
/// # For implementors
/// Runs on the e-mail worker thread. Take request data, attributes and settings
/// from the [`Report`]'s accessors: they are masked.
pub trait Reporter: Send + Sync + 'static {
    /// The text body (after the handler's formatted message and a blank line).
    fn text(&self, report: &Report<'_>) -> String;
    /// The HTML alternative (sent when the handler has `include_html`).
    fn html(&self, report: &Report<'_>) -> String;
}

/// One record, as a report sees it.
#[derive(Debug)]
pub struct Report<'a> {
    pub(crate) record: &'a LogRecord<'static>,
    pub(crate) settings: &'a Settings,
    pub(crate) secrets: &'a SecretFilter,
    pub(crate) frames: &'a Frames,
}

impl<'a> Report<'a> {
    /// The record, unmasked. Prefer the other accessors.
    pub fn record(&self) -> &'a LogRecord<'static> {
        self.record
    }

    /// The settings, unmasked. Prefer [`Report::settings_items`].
    pub fn settings(&self) -> &'a Settings {
        self.settings
    }

    /// The error's type name, `Error` for an error of unknown type, `Report` when
    /// the record carries no error (Django's `exception_type` or `Report`).
    pub fn title(&self) -> &str {
        match &self.record.error {
            Some(e) => e.type_name.as_deref().unwrap_or("Error"),
            None => "Report",
        }
    }

    /// The error's message, or the record's message when there is no error, or
    /// `No exception message supplied`.
    pub fn value(&self) -> &str {
        let v = match &self.record.error {
            Some(e) => e.chain.first().map(String::as_str).unwrap_or(""),
            None => &self.record.message,
        };
        if v.is_empty() {
            "No exception message supplied"
        } else {
            v
        }
    }

    /// The error's `source()` chain, the error itself first (empty without error).
    pub fn error_chain(&self) -> &'a [String] {
        self.record.error.as_ref().map_or(&[], |e| &e.chain)
    }

    /// The backtrace's frames, trimmed.
    pub fn frames(&self) -> &'a Frames {
        self.frames
    }

    /// The request, unmasked. Prefer the request accessors below.
    pub fn request(&self) -> Option<&'a Request> {
        self.record.request.as_deref()
    }

    /// `scheme://host/path?query`, with secret query values masked.
    pub fn request_url(&self) -> Option<String> {
        let r = self.request()?;
        let mut url = format!("{}://{}{}", r.scheme, r.host, r.path);
        if !r.query.is_empty() {
            url.push('?');
            url.push_str(&mask_query(&r.query, self.secrets));
        }
        Some(url)
    }

    /// Query parameters, decoded, secrets masked.
    pub fn query_items(&self) -> Vec<(String, String)> {
        self.request()
            .map_or_else(Vec::new, |r| self.masked(parse_query(&r.query)))
    }

    /// Form parameters, secrets masked.
    pub fn form_items(&self) -> Vec<(String, String)> {
        self.request()
            .map_or_else(Vec::new, |r| self.masked(r.form.clone()))
    }

    /// Cookies (from the request, or parsed from its `Cookie` header), the session
    /// cookie and secret names masked.
    pub fn cookie_items(&self) -> Vec<(String, String)> {
        let Some(r) = self.request() else {
            return Vec::new();
        };
        let cookies = if r.cookies.is_empty() {
            r.header("cookie")
                .map(parse_cookie_header)
                .unwrap_or_default()
        } else {
            r.cookies.clone()
        };
        self.masked(cookies)
    }

    /// Django's `META`, sorted: every header as `HTTP_*`, and the request line's
    /// parts; `HTTP_COOKIE`, `HTTP_AUTHORIZATION` and other secret names masked.
    pub fn meta_items(&self) -> Vec<(String, String)> {
        let Some(r) = self.request() else {
            return Vec::new();
        };
        let mut v: Vec<(String, String)> = r
            .headers
            .iter()
            .map(|(k, val)| {
                let m = meta_name(k);
                let shown = self.secrets.mask(&m, val).to_owned();
                (m, shown)
            })
            .collect();
        v.push(("PATH_INFO".into(), r.path.clone()));
        v.push(("QUERY_STRING".into(), mask_query(&r.query, self.secrets)));
        v.push(("REMOTE_ADDR".into(), r.remote_addr.clone()));
        v.push(("REQUEST_METHOD".into(), r.method.clone()));
        v.push(("SERVER_NAME".into(), r.host.clone()));
        v.push(("wsgi.url_scheme".into(), r.scheme.clone()));
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// The user, when the request names one.
    pub fn user(&self) -> Option<&'a str> {
        self.request().and_then(|r| r.user.as_deref())
    }

    /// The record's extra attributes as `(name, repr)`, secrets masked.
    pub fn attribute_items(&self) -> Vec<(String, String)> {
        self.record
            .extra
            .iter()
            .map(|(k, v)| {
                let shown = if self.secrets.is_sensitive(k) {
                    py_str_repr(SecretFilter::SUBSTITUTE)
                } else {
                    let mut s = String::new();
                    v.write_repr(&mut s);
                    s
                };
                (k.to_string(), trim_value(shown))
            })
            .collect()
    }

    /// Every setting as `(name, repr)`, sorted, cleansed as Django's
    /// `get_safe_settings`.
    pub fn settings_items(&self) -> Vec<(String, String)> {
        self.settings
            .items()
            .into_iter()
            .map(|(k, v)| {
                let mut s = String::new();
                py_repr(&self.secrets.cleanse_json(&k, &v), &mut s);
                (k, trim_value(s))
            })
            .collect()
    }

    /// When the record was made, as RFC 2822 in local time (Django's `Server time`).
    pub fn server_time(&self) -> String {
        use chrono::TimeZone as _;
        let secs = self.record.created.floor();
        let nanos = ((self.record.created - secs) * 1e9) as u32;
        match chrono::Local.timestamp_opt(secs as i64, nanos.min(999_999_999)) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.to_rfc2822(),
            chrono::LocalResult::None => format!("{}", self.record.created),
        }
    }

    /// `file:line`, and the module when known.
    pub fn location(&self) -> String {
        let r = self.record;
        let mut s = format!("{}:{}", r.pathname, r.lineno);
        if let Some(m) = &r.module_path {
            let _ = write!(s, " ({m})");
        }
        s
    }

    fn masked(&self, items: Vec<(String, String)>) -> Vec<(String, String)> {
        items
            .into_iter()
            .map(|(k, v)| {
                let shown = self.secrets.mask(&k, &v).to_owned();
                (k, shown)
            })
            .collect()
    }

    /// The request's path, for titles.
    fn path(&self) -> Option<&'a str> {
        self.request().map(|r| r.path.as_str())
    }
}

/// Django's default reporter (`django.views.debug.ExceptionReporter`), for Rust.
#[derive(Clone, Copy, Debug, Default)]
pub struct TechnicalReporter;

fn kv_section(out: &mut String, title: &str, items: &[(String, String)], empty: &str, repr: bool) {
    out.push_str(title);
    out.push(':');
    if items.is_empty() {
        out.push(' ');
        out.push_str(empty);
    }
    for (k, v) in items {
        let _ = write!(out, "\n{k} = ");
        if repr {
            out.push_str(&trim_value(py_str_repr(v)));
        } else {
            out.push_str(v);
        }
    }
    out.push_str("\n\n");
}

impl Reporter for TechnicalReporter {
    fn text(&self, rep: &Report<'_>) -> String {
        let r = rep.record;
        let mut out = String::with_capacity(4096);
        out.push_str(rep.title());
        if let Some(p) = rep.path() {
            let _ = write!(out, " at {p}");
        }
        out.push('\n');
        out.push_str(rep.value());
        out.push_str("\n\n");
        if let Some(req) = rep.request() {
            let _ = writeln!(out, "Request Method: {}", req.method);
            let _ = writeln!(
                out,
                "Request URL: {}",
                rep.request_url().unwrap_or_default()
            );
        }
        let _ = writeln!(out, "Server time: {}", rep.server_time());
        let _ = writeln!(out, "Logger: {}", r.name);
        let _ = writeln!(out, "Level: {}", r.level.name());
        let _ = writeln!(out, "Location: {}", rep.location());
        let _ = writeln!(out, "Process: {} ({})", r.process, r.process_name);
        let _ = writeln!(out, "Thread: {} ({})", r.thread, r.thread_name());
        if let Ok(exe) = std::env::current_exe() {
            let _ = writeln!(out, "Program: {}", exe.display());
        }
        let _ = writeln!(out, "logtree Version: {}", env!("CARGO_PKG_VERSION"));
        out.push('\n');

        let chain = rep.error_chain();
        if !chain.is_empty() {
            let _ = writeln!(out, "Error: {}", chain[0]);
            for (i, cause) in chain.iter().enumerate().skip(1) {
                let _ = writeln!(out, "Caused by ({i}): {cause}");
            }
            out.push('\n');
        }
        if let Some(exc) = &r.exc_text {
            let _ = writeln!(out, "Exception text:\n{exc}\n");
        }
        if let Some(stack) = &r.stack_info {
            let _ = writeln!(out, "Stack:\n{stack}\n");
        }
        let frames = rep.frames();
        if frames.captured {
            out.push_str("Backtrace (most recent call first; * marks the application's frames):\n");
            for f in &frames.frames {
                let _ = writeln!(out, "{} {}", if f.app { '*' } else { ' ' }, f.symbol);
                if let Some(loc) = &f.location {
                    let _ = writeln!(out, "      at {loc}");
                }
            }
            if frames.omitted > 0 {
                let _ = writeln!(out, "  ({} more frames not shown)", frames.omitted);
            }
        } else {
            out.push_str("Backtrace: not captured\n");
        }
        out.push('\n');

        let attrs = rep.attribute_items();
        if !attrs.is_empty() {
            kv_section(&mut out, "Record attributes", &attrs, "", false);
        }

        if rep.request().is_some() {
            out.push_str("Request information:\n");
            let _ = writeln!(
                out,
                "USER: {}\n",
                rep.user()
                    .unwrap_or("[unable to retrieve the current user]")
            );
            kv_section(&mut out, "GET", &rep.query_items(), "No GET data", true);
            kv_section(&mut out, "POST", &rep.form_items(), "No POST data", true);
            kv_section(
                &mut out,
                "COOKIES",
                &rep.cookie_items(),
                "No cookie data",
                true,
            );
            kv_section(&mut out, "META", &rep.meta_items(), "", true);
        } else {
            out.push_str("Request data not supplied\n\n");
        }

        out.push_str("Settings:");
        for (k, v) in rep.settings_items() {
            let _ = write!(out, "\n{k} = {v}");
        }
        out.push('\n');
        out
    }

    fn html(&self, rep: &Report<'_>) -> String {
        let r = rep.record;
        let e = |s: &str| escaped(s);
        let mut out = String::with_capacity(8192);
        let title = match rep.path() {
            Some(p) => format!("{} at {}", rep.title(), p),
            None => rep.title().to_owned(),
        };
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\">\n  <meta name=\"robots\" content=\"NONE,NOARCHIVE\">\n  <title>{}</title>\n{STYLE}</head>\n<body>\n",
            e(&title)
        );
        let _ = write!(
            out,
            "<header id=\"summary\">\n  <h1>{}</h1>\n  <pre class=\"exception_value\">{}</pre>\n  <table class=\"meta\">\n",
            e(&title),
            e(rep.value())
        );
        let mut row = |k: &str, v: &str| {
            let _ = writeln!(
                out,
                "    <tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                e(k),
                e(v)
            );
        };
        if let Some(req) = rep.request() {
            row("Request Method:", &req.method);
            row("Request URL:", &rep.request_url().unwrap_or_default());
        }
        row("Server time:", &rep.server_time());
        row("Logger:", &r.name);
        row("Level:", &r.level.name());
        row("Location:", &rep.location());
        row("Process:", &format!("{} ({})", r.process, r.process_name));
        row("Thread:", &format!("{} ({})", r.thread, r.thread_name()));
        if let Ok(exe) = std::env::current_exe() {
            row("Program:", &exe.display().to_string());
        }
        row("logtree Version:", env!("CARGO_PKG_VERSION"));
        out.push_str("  </table>\n</header>\n<main id=\"info\">\n");

        let chain = rep.error_chain();
        if !chain.is_empty() {
            out.push_str("<div id=\"chain\">\n  <h2>Error chain</h2>\n  <ol class=\"chain\">\n");
            for c in chain {
                let _ = writeln!(out, "    <li><pre>{}</pre></li>", e(c));
            }
            out.push_str("  </ol>\n</div>\n");
        }
        for (label, text) in [("Exception text", &r.exc_text), ("Stack", &r.stack_info)] {
            if let Some(t) = text {
                let _ = writeln!(
                    out,
                    "<div class=\"text\">\n  <h2>{label}</h2>\n  <pre>{}</pre>\n</div>",
                    e(t)
                );
            }
        }
        let frames = rep.frames();
        out.push_str("<div id=\"traceback\">\n  <h2>Backtrace <span class=\"commands\">(most recent call first)</span></h2>\n");
        if frames.captured {
            out.push_str("  <ul class=\"traceback\">\n");
            for f in &frames.frames {
                let _ = write!(
                    out,
                    "    <li class=\"frame {}\"><code class=\"fname\">{}</code>",
                    if f.app { "user" } else { "lib" },
                    e(&f.symbol)
                );
                if let Some(loc) = &f.location {
                    let _ = write!(out, "<br><span class=\"loc\">at {}</span>", e(loc));
                }
                out.push_str("</li>\n");
            }
            if frames.omitted > 0 {
                let _ = writeln!(
                    out,
                    "    <li class=\"frame lib\">({} more frames not shown)</li>",
                    frames.omitted
                );
            }
            out.push_str("  </ul>\n");
        } else {
            out.push_str("  <p>Not captured.</p>\n");
        }
        out.push_str("</div>\n");

        let table = |out: &mut String,
                     title: &str,
                     items: &[(String, String)],
                     empty: &str,
                     repr: bool| {
            let _ = writeln!(out, "  <h3>{}</h3>", e(title));
            if items.is_empty() {
                let _ = writeln!(out, "  <p>{}</p>", e(empty));
                return;
            }
            out.push_str("  <table class=\"req\">\n    <thead><tr><th scope=\"col\">Variable</th><th scope=\"col\">Value</th></tr></thead>\n    <tbody>\n");
            for (k, v) in items {
                let shown = if repr {
                    trim_value(py_str_repr(v))
                } else {
                    v.clone()
                };
                let _ = writeln!(
                    out,
                    "      <tr><td>{}</td><td class=\"code\"><pre>{}</pre></td></tr>",
                    e(k),
                    e(&shown)
                );
            }
            out.push_str("    </tbody>\n  </table>\n");
        };
        let attrs = rep.attribute_items();
        if !attrs.is_empty() {
            out.push_str("<div id=\"attributes\">\n  <h2>Record attributes</h2>\n");
            table(&mut out, "Attributes", &attrs, "", false);
            out.push_str("</div>\n");
        }
        out.push_str("<div id=\"requestinfo\">\n  <h2>Request information</h2>\n");
        if rep.request().is_some() {
            let _ = writeln!(
                out,
                "  <h3 id=\"user-info\">USER</h3>\n  <p>{}</p>",
                e(rep
                    .user()
                    .unwrap_or("[unable to retrieve the current user]"))
            );
            table(&mut out, "GET", &rep.query_items(), "No GET data", true);
            table(&mut out, "POST", &rep.form_items(), "No POST data", true);
            table(
                &mut out,
                "COOKIES",
                &rep.cookie_items(),
                "No cookie data",
                true,
            );
            table(&mut out, "META", &rep.meta_items(), "No META data", true);
        } else {
            out.push_str("  <p>Request data not supplied</p>\n");
        }
        table(
            &mut out,
            "Settings",
            &rep.settings_items(),
            "No settings",
            false,
        );
        out.push_str("</div>\n</main>\n</body>\n</html>\n");
        out
    }
}

const STYLE: &str = "  <style>
    html * { padding:0; margin:0; }
    body * { padding:10px 20px; }
    body * * { padding:0; }
    body { font-family: sans-serif; background-color:#fff; color:#000; }
    body > :where(header, main) { border-bottom:1px solid #ddd; }
    h1 { font-weight:normal; }
    h2 { margin-bottom:.8em; }
    h3 { margin:1em 0 .5em 0; }
    code, pre { font-size: 100%; white-space: pre-wrap; word-break: break-word; }
    table { border:1px solid #ccc; border-collapse: collapse; width:100%; background:white; }
    tbody td, tbody th { vertical-align:top; padding:2px 3px; }
    thead th { padding:1px 6px 1px 3px; background:#fefefe; text-align:left; font-weight:normal; font-size:11px; border:1px solid #ddd; }
    tbody th { width:12em; text-align:right; color:#666; padding-right:.5em; }
    table.req td { font-family:monospace; }
    table td.code { width:100%; }
    ul.traceback { list-style-type:none; color: #222; }
    ul.traceback li.frame { padding-bottom:1em; color:#4f4f4f; }
    ul.traceback li.user { background-color:#e0e0e0; color:#000; }
    span.loc { font-family:monospace; color:#666; }
    #summary { background: #ffc; }
    #summary h2 { font-weight: normal; color: #666; }
    #info > * { padding:10px 20px; }
    #traceback { background:#eee; }
    #requestinfo { background:#f6f6f6; }
  </style>
";

type ReporterTable = Vec<(String, Arc<dyn Reporter>)>;
static REPORTERS: LazyLock<RwLock<ReporterTable>> = LazyLock::new(Default::default);

/// The names [`TechnicalReporter`] answers to.
pub const DEFAULT_REPORTER_NAMES: &[&str] = &["django.views.debug.ExceptionReporter", "technical"];

/// Registers a reporter under `name`, for the handler's `reporter_class` option.
/// Registering a name again replaces it.
///
/// ```
/// use std::sync::Arc;
/// use logtree_django::{register_reporter, reporter_by_name, Report, Reporter};
/// struct Short;
/// impl Reporter for Short {
///     fn text(&self, r: &Report<'_>) -> String { r.value().to_owned() }
///     fn html(&self, r: &Report<'_>) -> String { String::new() }
/// }
/// register_reporter("myapp.Short", Arc::new(Short));
/// assert!(reporter_by_name("myapp.Short").is_some());
/// assert!(reporter_by_name("django.views.debug.ExceptionReporter").is_some());
/// ```
pub fn register_reporter(name: impl Into<String>, reporter: Arc<dyn Reporter>) {
    let name = name.into();
    let mut table = REPORTERS.write();
    table.retain(|(n, _)| *n != name);
    table.push((name, reporter));
}

/// The reporter registered as `name` (Django's default reporter's names included).
pub fn reporter_by_name(name: &str) -> Option<Arc<dyn Reporter>> {
    if let Some((_, r)) = REPORTERS.read().iter().find(|(n, _)| n == name) {
        return Some(r.clone());
    }
    DEFAULT_REPORTER_NAMES
        .contains(&name)
        .then(|| Arc::new(TechnicalReporter) as Arc<dyn Reporter>)
}

/// Python's `repr` of a string.
pub(crate) fn py_str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    Value::Str(s.into()).write_repr(&mut out);
    out
}

/// Python's `repr` of a JSON value, as Python shows the equivalent object.
pub(crate) fn py_repr(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("None"),
        Json::Bool(true) => out.push_str("True"),
        Json::Bool(false) => out.push_str("False"),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => {
                let _ = write!(out, "{i}");
            }
            (_, Some(u), _) => {
                let _ = write!(out, "{u}");
            }
            (_, _, Some(f)) => logtree_core::write_float_repr(f, out),
            _ => out.push_str(&n.to_string()),
        },
        Json::String(s) => Value::Str(s.as_str().into()).write_repr(out),
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_repr(x, out);
            }
            out.push(']');
        }
        Json::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                Value::Str(k.as_str().into()).write_repr(out);
                out.push_str(": ");
                py_repr(x, out);
            }
            out.push('}');
        }
    }
}

/// Django's cut for long values: the first 4096 characters, then
/// `… <trimmed N bytes string>`.
pub(crate) fn trim_value(s: String) -> String {
    match s.char_indices().nth(MAX_VALUE_CHARS) {
        None => s,
        Some((cut, _)) => format!("{}… <trimmed {} bytes string>", &s[..cut], s.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::{ErrorInfo, Level};
    use serde_json::json;

    fn report_of<R>(
        rec: &LogRecord<'static>,
        settings: &Settings,
        f: impl FnOnce(&Report<'_>) -> R,
    ) -> R {
        let secrets = SecretFilter::new(settings.session_cookie_name());
        let frames = Frames::default();
        f(&Report {
            record: rec,
            settings,
            secrets: &secrets,
            frames: &frames,
        })
    }

    fn request() -> Request {
        let mut r = Request::new("GET", "/p/<script>");
        r.query = "token=abc&x=1".into();
        r.headers = vec![
            (
                "Cookie".into(),
                "sessionid=S3; csrftoken=zz; other=ok".into(),
            ),
            ("Authorization".into(), "Bearer S4".into()),
            ("User-Agent".into(), "curl/8".into()),
        ];
        r
    }

    #[test]
    fn text_is_laid_out_like_djangos() {
        let mut rec = LogRecord::new("django.request", Level::ERROR, "Internal Server Error: /p/")
            .to_static();
        rec.request = Some(Arc::new(request()));
        rec.error = Some(Arc::new(ErrorInfo {
            type_name: Some("ValueError".into()),
            chain: vec!["bad <thing>".into(), "inner".into()],
            debug: String::new(),
        }));
        let settings = Settings::builder()
            .admin("Ops", "ops@example.com")
            .other("secret_key", json!("S1"))
            .other("normal", json!("shown"))
            .build()
            .unwrap();
        let text = report_of(&rec, &settings, |r| TechnicalReporter.text(r));
        assert!(
            text.starts_with("ValueError at /p/<script>\nbad <thing>\n\nRequest Method: GET\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "Request URL: http://testserver/p/<script>?token=********************&x=1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("Error: bad <thing>\nCaused by (1): inner\n"),
            "{text}"
        );
        assert!(
            text.contains("GET:\ntoken = '********************'\nx = '1'\n\nPOST: No POST data\n"),
            "{text}"
        );
        assert!(
            text.contains("COOKIES:\nsessionid = '********************'\ncsrftoken = '********************'\nother = 'ok'\n"),
            "{text}"
        );
        assert!(
            text.contains("HTTP_AUTHORIZATION = '********************'\n"),
            "{text}"
        );
        assert!(
            text.contains("HTTP_COOKIE = '********************'\n"),
            "{text}"
        );
        assert!(text.contains("HTTP_USER_AGENT = 'curl/8'\n"), "{text}");
        assert!(
            text.contains("secret_key = '********************'"),
            "{text}"
        );
        assert!(text.contains("normal = 'shown'"), "{text}");
        assert!(
            text.contains("admins = [['Ops', 'ops@example.com']]"),
            "{text}"
        );
        for secret in ["S1", "S3", "S4", "abc"] {
            assert!(
                !text.contains(&format!("'{secret}'")) && !text.contains(&format!("={secret}")),
                "{secret} in {text}"
            );
        }
    }

    #[test]
    fn without_error_or_request() {
        let rec = LogRecord::new("app", Level::ERROR, "no exc\nmsg").to_static();
        let settings = Settings::builder().build().unwrap();
        let text = report_of(&rec, &settings, |r| TechnicalReporter.text(r));
        assert!(text.starts_with("Report\nno exc\nmsg\n\n"), "{text}");
        assert!(text.contains("Backtrace: not captured\n"), "{text}");
        assert!(text.contains("Request data not supplied\n"), "{text}");
        let empty = LogRecord::new("app", Level::ERROR, "").to_static();
        let text = report_of(&empty, &settings, |r| TechnicalReporter.text(r));
        assert!(
            text.starts_with("Report\nNo exception message supplied\n"),
            "{text}"
        );
    }

    #[test]
    fn html_escapes_everything_from_outside() {
        let mut rec =
            LogRecord::new("app<x>", Level::ERROR, "<script>alert(1)</script>").to_static();
        let mut req = request();
        req.path = "/\"><img src=x onerror=alert(1)>".into();
        rec.request = Some(Arc::new(req));
        rec.extra
            .push(("note".into(), Value::Str("a & b </pre>".into())));
        rec.error = Some(Arc::new(ErrorInfo {
            type_name: None,
            chain: vec!["</pre><script>x</script>".into()],
            debug: String::new(),
        }));
        let settings = Settings::builder().build().unwrap();
        let html = report_of(&rec, &settings, |r| TechnicalReporter.html(r));
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&#x27;a &amp; b &lt;/pre&gt;&#x27;"),
            "{html}"
        );
        assert!(html.contains("app&lt;x&gt;"), "{html}");
        assert!(!html.contains("S4") && !html.contains("S3"), "{html}");
    }

    #[test]
    fn python_reprs() {
        let mut s = String::new();
        py_repr(
            &json!({"a": [1, 2.5, null, true, "it's"], "b": 1e16}),
            &mut s,
        );
        assert_eq!(s, "{'a': [1, 2.5, None, True, \"it's\"], 'b': 1e+16}");
    }

    #[test]
    fn long_values_are_cut_like_djangos() {
        let v = "x".repeat(5000);
        let t = trim_value(v);
        assert!(t.ends_with("… <trimmed 5000 bytes string>"));
        assert_eq!(t.chars().filter(|&c| c == 'x').count(), 4096);
        assert_eq!(trim_value("short".into()), "short");
    }
}

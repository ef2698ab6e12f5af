//! Turning a logged record into the admin e-mail: Django's subject rule, the body
//! (the handler's formatted message, a blank line, the report) and the HTML part.
//!
//! This runs on the worker thread: the logging thread only copies the record
//! ([`Job`]). Django's rules, from `AdminEmailHandler.emit` and `mail_admins`:
//!
//! - subject `LEVEL (internal IP): message` / `LEVEL (EXTERNAL IP): message` when the
//!   record has a request (internal when `REMOTE_ADDR` is in `internal_ips`), else
//!   `LEVEL: message`; CR and LF written as `\r` and `\n`; prefixed with
//!   `email_subject_prefix`; never cut (a long subject is folded by the encoder);
//! - sender `server_email`, recipients the admins' addresses;
//! - body `"%s\n\n%s" % (formatted message without the exception text, report text)`.

use std::backtrace::Backtrace;
use std::sync::Arc;
use std::time::Duration;

use logtree_core::LogRecord;
use parking_lot::Mutex;

use crate::backtrace::Frames;
use crate::cleanse::SecretFilter;
use crate::flood::Suppressed;
use crate::message::{format_subject, EmailMessage};
use crate::report::{Report, Reporter};
use crate::settings::Settings;

/// A record copied off the logging thread, with what the handler made of it.
///
/// Shared by the worker and the flood gate (a summary is written from it); the
/// lock only makes the record, whose dispatch attributes sit in a `RefCell`,
/// shareable. Only the worker reads it.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) record: Mutex<LogRecord<'static>>,
    /// The handler's formatted message, without the exception text.
    pub(crate) text: String,
    pub(crate) backtrace: Option<Arc<Backtrace>>,
}

/// What the worker is asked to mail.
#[derive(Debug)]
pub(crate) struct Work {
    pub(crate) job: Arc<Job>,
    pub(crate) note: Note,
}

/// The flood-control remark an e-mail carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Note {
    /// None.
    Plain,
    /// Records of an earlier window were suppressed and no summary said so.
    Earlier(Suppressed),
    /// This e-mail is the summary of a window.
    Summary(Suppressed),
}

/// Everything needed to write an e-mail.
pub(crate) struct Composer {
    pub(crate) settings: Arc<Settings>,
    pub(crate) reporter: Arc<dyn Reporter>,
    pub(crate) secrets: SecretFilter,
    pub(crate) include_html: bool,
    pub(crate) app_crates: Vec<String>,
    pub(crate) flood_interval: Duration,
}

impl Composer {
    /// Django's subject, before the prefix.
    pub(crate) fn subject(&self, r: &LogRecord<'_>) -> String {
        let level = r.level.name();
        match &r.request {
            Some(req) => {
                let internal = self
                    .settings
                    .internal_ips()
                    .iter()
                    .any(|ip| *ip == req.remote_addr);
                format!(
                    "{level} ({} IP): {}",
                    if internal { "internal" } else { "EXTERNAL" },
                    r.message
                )
            }
            None => format!("{level}: {}", r.message),
        }
    }

    pub(crate) fn compose(&self, work: &Work) -> EmailMessage {
        let job = &work.job;
        let r = &*job.record.lock();
        let mut subject = String::from(self.settings.email_subject_prefix());
        if let Note::Summary(s) = work.note {
            subject.push_str(&format!("[{} similar suppressed] ", s.count));
        }
        subject.push_str(&self.subject(r));
        let subject = format_subject(&subject);

        let mut app_crates = self.app_crates.clone();
        if let Some(krate) = r.module_path.as_deref().and_then(|m| m.split("::").next()) {
            if !krate.starts_with("logtree") && !app_crates.iter().any(|a| a == krate) {
                app_crates.push(krate.to_owned());
            }
        }
        let frames = job
            .backtrace
            .as_deref()
            .map(|bt| Frames::from_backtrace(bt, &app_crates))
            .unwrap_or_default();
        let report = Report {
            record: r,
            settings: &self.settings,
            secrets: &self.secrets,
            frames: &frames,
        };

        let mut body = String::with_capacity(job.text.len() + 4096);
        match work.note {
            Note::Plain => {}
            Note::Earlier(s) => body.push_str(&format!(
                "Note: {} similar {} (same logger, level, location and message) {} suppressed between {} and {}.\n\n",
                s.count,
                plural(s.count, "error", "errors"),
                plural(s.count, "was", "were"),
                local_time(s.first),
                local_time(s.last),
            )),
            Note::Summary(s) => body.push_str(&format!(
                "{} more {} like the one below (same logger, level, location and message) {} logged between {} and {} and not mailed: at most one e-mail per {} s per distinct error.\n\n",
                s.count,
                plural(s.count, "record", "records"),
                plural(s.count, "was", "were"),
                local_time(s.first),
                local_time(s.last),
                self.flood_interval.as_secs_f64(),
            )),
        }
        body.push_str(&job.text);
        body.push_str("\n\n");
        body.push_str(&self.reporter.text(&report));

        let mut m = EmailMessage::new(
            subject,
            self.settings.server_email(),
            self.settings
                .admin_addresses()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            body,
        );
        if self.include_html {
            m = m.with_html(self.reporter.html(&report));
        }
        m
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn local_time(created: f64) -> String {
    use chrono::TimeZone as _;
    match chrono::Local.timestamp_opt(created.floor() as i64, 0) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.format("%Y-%m-%d %H:%M:%S").to_string()
        }
        chrono::LocalResult::None => created.to_string(),
    }
}

/// The handler's text without the exception text the formatter appended: Django
/// formats a copy of the record with `exc_text = None`, because the report shows
/// the exception itself. Undoes [`logtree_core::append_exc_and_stack`]; a text that
/// does not end that way (a custom formatter) is kept whole. (Whether the message
/// itself ended with a newline cannot be told apart from the separator, so such a
/// newline goes too.)
pub(crate) fn without_exc_text<'t>(text: &'t str, r: &LogRecord<'_>) -> std::borrow::Cow<'t, str> {
    use std::borrow::Cow;
    let Some(exc) = r.exc_text.as_deref().filter(|e| !e.is_empty()) else {
        return Cow::Borrowed(text);
    };
    let stack = r.stack_info.as_deref().filter(|s| !s.is_empty());
    let strip = || -> Option<&'t str> {
        let mut t = text;
        if let Some(s) = stack {
            t = t.strip_suffix(s)?;
            if !exc.ends_with('\n') {
                t = t.strip_suffix('\n')?;
            }
        }
        let t = t.strip_suffix(exc)?;
        Some(t.strip_suffix('\n').unwrap_or(t))
    };
    match (strip(), stack) {
        (None, _) => Cow::Borrowed(text),
        (Some(base), None) => Cow::Borrowed(base),
        (Some(base), Some(s)) => Cow::Owned(format!("{base}\n{s}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::{append_exc_and_stack, Level, Request};

    use crate::report::TechnicalReporter;

    fn composer(settings: Settings) -> Composer {
        Composer {
            settings: Arc::new(settings),
            reporter: Arc::new(TechnicalReporter),
            secrets: SecretFilter::default(),
            include_html: false,
            app_crates: Vec::new(),
            flood_interval: Duration::from_secs(60),
        }
    }

    fn work(r: LogRecord<'static>) -> Work {
        Work {
            job: Arc::new(Job {
                text: r.message.to_string(),
                record: Mutex::new(r),
                backtrace: None,
            }),
            note: Note::Plain,
        }
    }

    #[test]
    fn subjects_follow_django() {
        let c = composer(
            Settings::builder()
                .admin("Ops", "ops@example.com")
                .internal_ips(vec!["10.0.0.5".into()])
                .build()
                .unwrap(),
        );
        let mut r = LogRecord::new(
            "django.request",
            Level::ERROR,
            "Internal Server Error: /admin/",
        )
        .to_static();
        assert_eq!(c.subject(&r), "ERROR: Internal Server Error: /admin/");
        let mut req = Request::new("GET", "/admin/");
        req.remote_addr = "10.0.0.5".into();
        r.request = Some(Arc::new(req.clone()));
        assert_eq!(
            c.subject(&r),
            "ERROR (internal IP): Internal Server Error: /admin/"
        );
        req.remote_addr = "203.0.113.9".into();
        r.request = Some(Arc::new(req));
        r.level = Level::new(45);
        assert_eq!(
            c.subject(&r),
            "Level 45 (EXTERNAL IP): Internal Server Error: /admin/"
        );
    }

    #[test]
    fn email_has_prefix_sender_recipients_and_body() {
        let c = composer(
            Settings::builder()
                .admin("Ann", "ann@example.com")
                .admin("Bo", "bo@example.org")
                .email_subject_prefix("[shop] ")
                .server_email("errors@shop.example")
                .build()
                .unwrap(),
        );
        let m = c.compose(&work(
            LogRecord::new("a", Level::ERROR, "first\nsecond").to_static(),
        ));
        assert_eq!(m.subject, "[shop] ERROR: first\\nsecond");
        assert_eq!(m.from, "errors@shop.example");
        assert_eq!(m.to, ["ann@example.com", "bo@example.org"]);
        assert!(
            m.body
                .starts_with("first\nsecond\n\nReport\nfirst\nsecond\n\n"),
            "{}",
            m.body
        );
        assert!(m.html.is_none());
    }

    #[test]
    fn notes_and_summaries() {
        let c = composer(
            Settings::builder()
                .admin("Ops", "ops@example.com")
                .build()
                .unwrap(),
        );
        let mut w = work(LogRecord::new("a", Level::ERROR, "boom").to_static());
        let s = Suppressed {
            count: 9_999,
            first: 0.0,
            last: 1.0,
        };
        w.note = Note::Summary(s);
        let m = c.compose(&w);
        assert_eq!(m.subject, "[Django] [9999 similar suppressed] ERROR: boom");
        assert!(
            m.body.starts_with("9999 more records like the one below"),
            "{}",
            m.body
        );
        w.note = Note::Earlier(Suppressed { count: 1, ..s });
        let m = c.compose(&w);
        assert_eq!(m.subject, "[Django] ERROR: boom");
        assert!(m.body.starts_with("Note: 1 similar error (same logger, level, location and message) was suppressed between "), "{}", m.body);
    }

    #[test]
    fn exception_text_is_left_to_the_report() {
        let cases: &[(&str, Option<&str>, Option<&str>, &str)] = &[
            ("msg", Some("Traceback..."), None, "msg"),
            ("msg\n", Some("Traceback..."), None, "msg"),
            ("msg", Some("Traceback...\n"), Some("stack"), "msg\nstack"),
            (
                "msg",
                Some("Traceback..."),
                Some("Stack (most recent call last):"),
                "msg\nStack (most recent call last):",
            ),
            ("msg", None, Some("stack"), "msg\nstack"),
            ("msg", None, None, "msg"),
        ];
        for (msg, exc, stack, want) in cases {
            let mut r = LogRecord::new("a", Level::ERROR, *msg);
            r.exc_text = exc.map(Into::into);
            r.stack_info = stack.map(Into::into);
            let mut text = String::from(*msg);
            append_exc_and_stack(&r, &mut text);
            assert_eq!(without_exc_text(&text, &r), *want, "{text:?}");
        }
        // A formatter that does not end with the exception text is left alone.
        let mut r = LogRecord::new("a", Level::ERROR, "m");
        r.exc_text = Some("exc".into());
        assert_eq!(without_exc_text("[m] custom", &r), "[m] custom");
    }
}

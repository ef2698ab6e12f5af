//! Django's logging extensions for logtree: settings, the `RequireDebug` filters,
//! and `AdminEmailHandler`, which e-mails the site's admins when something breaks.
//!
//! ```text
//! record at ERROR ─► HandlerCell (level, RequireDebugFalse) ─► AdminEmailHandler::emit
//!                      flood gate ─► copy + backtrace ─► bounded queue ─┐   (microseconds)
//!                                                                       ▼
//!                                worker thread: subject, report, HTML ─► MailBackend
//!                                                    (SMTP, file, console, memory)
//! ```
//!
//! - [`Settings`]: Django's `DEBUG`, `ADMINS`, `SERVER_EMAIL`, `EMAIL_*`..., typed,
//!   from a configuration's `settings` table; shared by `Arc`.
//! - [`RequireDebugFalse`], [`RequireDebugTrue`]: Django's filters, reading
//!   `debug` per record.
//! - [`ServerFormatter`]: the development server's log line, with `server_time`.
//! - [`AdminEmailHandler`]: Django's subject, sender, recipients and body; a text
//!   report and optionally an HTML one ([`Reporter`], [`TechnicalReporter`]) with
//!   the error's `source()` chain, the backtrace, the request and the settings,
//!   secrets masked ([`SecretFilter`]); sent from a worker thread, at most one
//!   e-mail per distinct error per interval.
//! - Mail backends ([`MailBackend`]): [`SmtpBackend`] (`lettre`), [`FileBackend`]
//!   (Django's file layout), [`ConsoleBackend`], [`MemoryBackend`] with its
//!   [`Outbox`], by Django's names through [`backend_from_settings`].
//! - [`install_panic_hook`]: panics logged as CRITICAL, so they reach the admins.
//! - [`register`]: all of it under Django's class names in a
//!   `logtree_config::Registry`, so a Django `LOGGING` dictionary loads unchanged.
#![deny(missing_docs)]

mod backend;
mod backtrace;
mod cleanse;
mod compose;
mod console;
mod error;
mod filebased;
mod filters;
mod flood;
mod handler;
mod html;
mod locmem;
mod message;
mod panic;
mod register;
mod report;
mod server_formatter;
mod settings;
mod smtp;
mod worker;

pub use backend::{
    backend_from_settings, register_backend, BackendFactory, DummyBackend, MailBackend, MailError,
    MailErrorKind, BACKEND_NAMES,
};
pub use backtrace::{Frame, Frames, MAX_FRAMES};
pub use cleanse::SecretFilter;
pub use console::ConsoleBackend;
pub use error::{Error, ErrorKind};
pub use filebased::FileBackend;
pub use filters::{RequireDebugFalse, RequireDebugTrue};
pub use flood::MAX_KEYS;
pub use handler::{AdminEmailHandler, AdminEmailHandlerBuilder, Stats};
pub use html::escape_html;
pub use locmem::{outbox, MemoryBackend, Outbox};
pub use message::{format_subject, EmailMessage};
pub use panic::{install_panic_hook, install_panic_hook_for};
pub use register::{
    register, ADMIN_EMAIL_HANDLER_NAMES, CALLBACK_FILTER_NAMES, REQUIRE_DEBUG_FALSE_NAMES,
    REQUIRE_DEBUG_TRUE_NAMES, SERVER_FORMATTER_NAMES,
};
pub use report::{
    register_reporter, reporter_by_name, Report, Reporter, TechnicalReporter,
    DEFAULT_REPORTER_NAMES, MAX_VALUE_CHARS,
};
pub use server_formatter::{ServerFormatter, ServerFormatterBuilder, SERVER_TIME_FORMAT};
pub use settings::{
    Settings, SettingsBuilder, DEFAULT_EMAIL_BACKEND, DEFAULT_SERVER_EMAIL, DEFAULT_SUBJECT_PREFIX,
};
pub use smtp::{Security, SmtpBackend, SmtpBackendBuilder, DEFAULT_SMTP_TIMEOUT};

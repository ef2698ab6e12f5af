//! Django's settings, the few that logging reads, typed.
//!
//! Django keeps `DEBUG`, `ADMINS`, `SERVER_EMAIL`, the `EMAIL_*` keys and the rest in
//! one global module. Here they are one [`Settings`] value per configuration, built
//! from the configuration's top-level `settings` table ([`Settings::from_map`]) or
//! with a builder, and shared by `Arc` between the `RequireDebug*` filters and the
//! e-mail handler of that configuration.
//!
//! `debug` is the one setting read on every record, so it is an atomic that can be
//! flipped at runtime ([`Settings::set_debug`]): Django reads `settings.DEBUG` per
//! record too, and tests override it while running.
//!
//! Keys this crate does not know are kept ([`Settings::other`]): they are what the
//! error report's "Settings" section shows, with secrets masked, as Django shows
//! every upper-case setting.
//!
//! | key | type | default (Django's) |
//! | --- | --- | --- |
//! | `debug` | bool | `false` |
//! | `admins` | list of `[name, address]` (or of addresses) | empty: no mail is sent |
//! | `server_email` | string | `root@localhost` |
//! | `email_subject_prefix` | string | `[Django] ` |
//! | `internal_ips` | list of strings | empty |
//! | `email_backend` | string | `django.core.mail.backends.smtp.EmailBackend` |
//! | `email_file_path` | string | none |
//! | `email_host` | string | `localhost` |
//! | `email_port` | integer | `25` |
//! | `email_host_user` | string | empty |
//! | `email_host_password` | string | empty |
//! | `email_use_tls` | bool | `false` (STARTTLS) |
//! | `email_use_ssl` | bool | `false` (TLS from the first byte) |
//! | `email_timeout` | seconds or null | null (logtree then uses 10 s: see [`crate::SmtpBackend`]) |
//! | `session_cookie_name` | string | `sessionid` |

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Map, Value as Json};

use crate::error::{Error, ErrorKind};

/// The default `email_subject_prefix`.
pub const DEFAULT_SUBJECT_PREFIX: &str = "[Django] ";
/// The default `server_email`.
pub const DEFAULT_SERVER_EMAIL: &str = "root@localhost";
/// The default `email_backend`.
pub const DEFAULT_EMAIL_BACKEND: &str = "django.core.mail.backends.smtp.EmailBackend";

/// Django's settings that logging reads. Build with [`Settings::builder`] or
/// [`Settings::from_map`]; share with `Arc`.
///
/// ```
/// use logtree_django::Settings;
/// let s = Settings::builder()
///     .admin("Ops", "ops@example.com")
///     .server_email("errors@shop.example")
///     .build()
///     .unwrap();
/// assert!(!s.debug());
/// s.set_debug(true);
/// assert!(s.debug());
/// assert_eq!(s.admin_addresses(), ["ops@example.com"]);
/// ```
pub struct Settings {
    debug: AtomicBool,
    admins: Vec<(String, String)>,
    server_email: String,
    email_subject_prefix: String,
    internal_ips: Vec<String>,
    email_backend: String,
    email_file_path: Option<PathBuf>,
    email_host: String,
    email_port: u16,
    email_host_user: String,
    email_host_password: String,
    email_use_tls: bool,
    email_use_ssl: bool,
    email_timeout: Option<Duration>,
    session_cookie_name: String,
    other: Map<String, Json>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password, not even in Debug output.
        f.debug_struct("Settings")
            .field("debug", &self.debug())
            .field("admins", &self.admins)
            .field("server_email", &self.server_email)
            .field("email_backend", &self.email_backend)
            .field("email_host", &self.email_host)
            .field("email_port", &self.email_port)
            .finish_non_exhaustive()
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            debug: AtomicBool::new(false),
            admins: Vec::new(),
            server_email: DEFAULT_SERVER_EMAIL.to_owned(),
            email_subject_prefix: DEFAULT_SUBJECT_PREFIX.to_owned(),
            internal_ips: Vec::new(),
            email_backend: DEFAULT_EMAIL_BACKEND.to_owned(),
            email_file_path: None,
            email_host: "localhost".to_owned(),
            email_port: 25,
            email_host_user: String::new(),
            email_host_password: String::new(),
            email_use_tls: false,
            email_use_ssl: false,
            email_timeout: None,
            session_cookie_name: "sessionid".to_owned(),
            other: Map::new(),
        }
    }
}

impl Settings {
    /// A builder starting from Django's defaults.
    pub fn builder() -> SettingsBuilder {
        SettingsBuilder {
            settings: Settings::default(),
        }
    }

    /// Settings from a configuration's `settings` table (lower-case Django names).
    /// Unknown keys are kept for the report; known keys of the wrong type are an
    /// error naming the key.
    ///
    /// ```
    /// use logtree_django::Settings;
    /// let map = serde_json::json!({
    ///     "debug": false,
    ///     "admins": [["Ops", "ops@example.com"]],
    ///     "secret_key": "not shown in reports",
    /// });
    /// let s = Settings::from_map(map.as_object().unwrap()).unwrap();
    /// assert_eq!(s.admin_addresses(), ["ops@example.com"]);
    /// assert!(s.other().contains_key("secret_key"));
    /// let bad = serde_json::json!({"debug": "yes"});
    /// let err = Settings::from_map(bad.as_object().unwrap()).unwrap_err();
    /// assert_eq!(err.to_string(), "settings.debug: expected a boolean, found \"yes\"");
    /// ```
    pub fn from_map(map: &Map<String, Json>) -> Result<Settings, Error> {
        let mut b = Settings::builder();
        for (key, value) in map {
            b = match key.as_str() {
                "debug" => b.debug(get_bool(key, value)?),
                "admins" => b.admins(get_admins(value)?),
                "server_email" => b.server_email(get_str(key, value)?),
                "email_subject_prefix" => b.email_subject_prefix(get_str(key, value)?),
                "internal_ips" => b.internal_ips(get_str_list(key, value)?),
                "email_backend" => b.email_backend(get_str(key, value)?),
                "email_file_path" => match value {
                    Json::Null => b,
                    v => b.email_file_path(get_str(key, v)?),
                },
                "email_host" => b.email_host(get_str(key, value)?),
                "email_port" => {
                    let port = value
                        .as_u64()
                        .and_then(|p| u16::try_from(p).ok())
                        .ok_or_else(|| type_error(key, "a port number", value))?;
                    b.email_port(port)
                }
                "email_host_user" => b.email_host_user(get_str(key, value)?),
                "email_host_password" => b.email_host_password(get_str(key, value)?),
                "email_use_tls" => b.email_use_tls(get_bool(key, value)?),
                "email_use_ssl" => b.email_use_ssl(get_bool(key, value)?),
                "email_timeout" => match value {
                    Json::Null => b,
                    v => {
                        let secs = v
                            .as_f64()
                            .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
                            .ok_or_else(|| type_error(key, "a positive number of seconds", v))?;
                        b.email_timeout(Duration::from_secs_f64(secs))
                    }
                },
                "session_cookie_name" => b.session_cookie_name(get_str(key, value)?),
                _ => {
                    b.settings.other.insert(key.clone(), value.clone());
                    b
                }
            };
        }
        b.build()
    }

    /// `DEBUG`, read now.
    pub fn debug(&self) -> bool {
        self.debug.load(Ordering::Relaxed)
    }

    /// Changes `DEBUG` for every filter and handler sharing these settings.
    pub fn set_debug(&self, debug: bool) {
        self.debug.store(debug, Ordering::Relaxed);
    }

    /// `ADMINS`: `(name, address)` pairs.
    pub fn admins(&self) -> &[(String, String)] {
        &self.admins
    }

    /// The admins' addresses, the recipients of admin e-mail (names are ignored, as
    /// Django ignores them).
    pub fn admin_addresses(&self) -> Vec<&str> {
        self.admins.iter().map(|(_, a)| a.as_str()).collect()
    }

    /// `SERVER_EMAIL`: the sender of admin e-mail.
    pub fn server_email(&self) -> &str {
        &self.server_email
    }

    /// `EMAIL_SUBJECT_PREFIX`.
    pub fn email_subject_prefix(&self) -> &str {
        &self.email_subject_prefix
    }

    /// `INTERNAL_IPS`.
    pub fn internal_ips(&self) -> &[String] {
        &self.internal_ips
    }

    /// `EMAIL_BACKEND`: the mail backend's name.
    pub fn email_backend(&self) -> &str {
        &self.email_backend
    }

    /// `EMAIL_FILE_PATH`: the file-based backend's folder.
    pub fn email_file_path(&self) -> Option<&std::path::Path> {
        self.email_file_path.as_deref()
    }

    /// `EMAIL_HOST`.
    pub fn email_host(&self) -> &str {
        &self.email_host
    }

    /// `EMAIL_PORT`.
    pub fn email_port(&self) -> u16 {
        self.email_port
    }

    /// `EMAIL_HOST_USER`.
    pub fn email_host_user(&self) -> &str {
        &self.email_host_user
    }

    /// `EMAIL_HOST_PASSWORD`.
    pub fn email_host_password(&self) -> &str {
        &self.email_host_password
    }

    /// `EMAIL_USE_TLS`: STARTTLS, required.
    pub fn email_use_tls(&self) -> bool {
        self.email_use_tls
    }

    /// `EMAIL_USE_SSL`: TLS from the first byte.
    pub fn email_use_ssl(&self) -> bool {
        self.email_use_ssl
    }

    /// `EMAIL_TIMEOUT`.
    pub fn email_timeout(&self) -> Option<Duration> {
        self.email_timeout
    }

    /// `SESSION_COOKIE_NAME`: the cookie the report always masks.
    pub fn session_cookie_name(&self) -> &str {
        &self.session_cookie_name
    }

    /// Settings this crate does not interpret, in the order given.
    pub fn other(&self) -> &Map<String, Json> {
        &self.other
    }

    /// Every setting as `(lower-case name, value)`, sorted by name, for the report.
    /// Values are not masked here; the report masks them.
    pub fn items(&self) -> Vec<(String, Json)> {
        let admins: Vec<Json> = self
            .admins
            .iter()
            .map(|(n, a)| Json::Array(vec![Json::from(n.as_str()), Json::from(a.as_str())]))
            .collect();
        let mut v: Vec<(String, Json)> = vec![
            ("debug".into(), Json::Bool(self.debug())),
            ("admins".into(), Json::Array(admins)),
            (
                "server_email".into(),
                Json::from(self.server_email.as_str()),
            ),
            (
                "email_subject_prefix".into(),
                Json::from(self.email_subject_prefix.as_str()),
            ),
            (
                "internal_ips".into(),
                Json::Array(
                    self.internal_ips
                        .iter()
                        .map(|s| Json::from(s.as_str()))
                        .collect(),
                ),
            ),
            (
                "email_backend".into(),
                Json::from(self.email_backend.as_str()),
            ),
            (
                "email_file_path".into(),
                self.email_file_path
                    .as_ref()
                    .map_or(Json::Null, |p| Json::from(p.display().to_string())),
            ),
            ("email_host".into(), Json::from(self.email_host.as_str())),
            ("email_port".into(), Json::from(self.email_port)),
            (
                "email_host_user".into(),
                Json::from(self.email_host_user.as_str()),
            ),
            (
                "email_host_password".into(),
                Json::from(self.email_host_password.as_str()),
            ),
            ("email_use_tls".into(), Json::Bool(self.email_use_tls)),
            ("email_use_ssl".into(), Json::Bool(self.email_use_ssl)),
            (
                "email_timeout".into(),
                self.email_timeout
                    .map_or(Json::Null, |d| Json::from(d.as_secs_f64())),
            ),
            (
                "session_cookie_name".into(),
                Json::from(self.session_cookie_name.as_str()),
            ),
        ];
        for (k, val) in &self.other {
            v.push((k.clone(), val.clone()));
        }
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

/// Builds [`Settings`]; every option defaults to Django's value (see the module
/// docs for the table).
#[must_use]
#[derive(Debug)]
pub struct SettingsBuilder {
    settings: Settings,
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: String) => {
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<String>) -> Self {
            self.settings.$name = value.into();
            self
        }
    };
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.settings.$name = value;
            self
        }
    };
}

impl SettingsBuilder {
    /// `DEBUG`.
    pub fn debug(self, debug: bool) -> Self {
        self.settings.debug.store(debug, Ordering::Relaxed);
        self
    }

    /// Adds one admin (`ADMINS`).
    pub fn admin(mut self, name: impl Into<String>, address: impl Into<String>) -> Self {
        self.settings.admins.push((name.into(), address.into()));
        self
    }

    setter!(
        /// `ADMINS`, replacing any given before.
        admins: Vec<(String, String)>
    );
    setter!(
        /// `SERVER_EMAIL`.
        server_email: String
    );
    setter!(
        /// `EMAIL_SUBJECT_PREFIX`.
        email_subject_prefix: String
    );
    setter!(
        /// `INTERNAL_IPS`.
        internal_ips: Vec<String>
    );
    setter!(
        /// `EMAIL_BACKEND`: a backend name (see [`crate::backend_from_settings`]).
        email_backend: String
    );
    setter!(
        /// `EMAIL_HOST`.
        email_host: String
    );
    setter!(
        /// `EMAIL_PORT`.
        email_port: u16
    );
    setter!(
        /// `EMAIL_HOST_USER`.
        email_host_user: String
    );
    setter!(
        /// `EMAIL_HOST_PASSWORD`.
        email_host_password: String
    );
    setter!(
        /// `EMAIL_USE_TLS`.
        email_use_tls: bool
    );
    setter!(
        /// `EMAIL_USE_SSL`.
        email_use_ssl: bool
    );
    setter!(
        /// `SESSION_COOKIE_NAME`.
        session_cookie_name: String
    );

    /// `EMAIL_FILE_PATH`.
    pub fn email_file_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.email_file_path = Some(path.into());
        self
    }

    /// `EMAIL_TIMEOUT`.
    pub fn email_timeout(mut self, timeout: Duration) -> Self {
        self.settings.email_timeout = Some(timeout);
        self
    }

    /// Adds a setting this crate does not interpret; the report shows it (masked
    /// when its name looks secret).
    pub fn other(mut self, key: impl Into<String>, value: Json) -> Self {
        self.settings.other.insert(key.into(), value);
        self
    }

    /// The settings. Fails when an address does not parse, or when both
    /// `email_use_tls` and `email_use_ssl` are set (Django refuses that too).
    pub fn build(self) -> Result<Settings, Error> {
        let s = self.settings;
        for (_, addr) in &s.admins {
            crate::message::parse_mailbox(addr).map_err(|e| {
                Error::setting(
                    ErrorKind::Address,
                    "admins",
                    format!("bad address {addr:?}"),
                )
                .caused_by(e)
            })?;
        }
        crate::message::parse_mailbox(&s.server_email).map_err(|e| {
            Error::setting(
                ErrorKind::Address,
                "server_email",
                format!("bad address {:?}", s.server_email),
            )
            .caused_by(e)
        })?;
        if s.email_use_tls && s.email_use_ssl {
            return Err(Error::setting(
                ErrorKind::Settings,
                "email_use_ssl",
                "email_use_tls and email_use_ssl are mutually exclusive: set only one of them",
            ));
        }
        Ok(s)
    }
}

fn describe(v: &Json) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        let mut cut = 57;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}...", &s[..cut])
    } else {
        s
    }
}

fn type_error(key: &str, expected: &str, found: &Json) -> Error {
    Error::setting(
        ErrorKind::Settings,
        key,
        format!("expected {expected}, found {}", describe(found)),
    )
}

fn get_bool(key: &str, v: &Json) -> Result<bool, Error> {
    v.as_bool().ok_or_else(|| type_error(key, "a boolean", v))
}

fn get_str(key: &str, v: &Json) -> Result<String, Error> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| type_error(key, "a string", v))
}

fn get_str_list(key: &str, v: &Json) -> Result<Vec<String>, Error> {
    let arr = v
        .as_array()
        .ok_or_else(|| type_error(key, "a list of strings", v))?;
    arr.iter()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(|| type_error(key, "a list of strings", v))
        })
        .collect()
}

fn get_admins(v: &Json) -> Result<Vec<(String, String)>, Error> {
    let bad = || type_error("admins", "a list of [name, address] pairs or addresses", v);
    let arr = v.as_array().ok_or_else(bad)?;
    arr.iter()
        .map(|entry| match entry {
            // Django 6 accepts plain addresses; the name was never used.
            Json::String(addr) => Ok((String::new(), addr.clone())),
            Json::Array(pair) if pair.len() == 2 => match (&pair[0], &pair[1]) {
                (Json::String(n), Json::String(a)) => Ok((n.clone(), a.clone())),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from(v: Json) -> Result<Settings, Error> {
        Settings::from_map(v.as_object().unwrap())
    }

    #[test]
    fn defaults_are_djangos() {
        let s = from(json!({})).unwrap();
        assert!(!s.debug());
        assert!(s.admins().is_empty());
        assert_eq!(s.server_email(), "root@localhost");
        assert_eq!(s.email_subject_prefix(), "[Django] ");
        assert_eq!(
            s.email_backend(),
            "django.core.mail.backends.smtp.EmailBackend"
        );
        assert_eq!(s.email_host(), "localhost");
        assert_eq!(s.email_port(), 25);
        assert_eq!(s.email_timeout(), None);
        assert_eq!(s.session_cookie_name(), "sessionid");
    }

    #[test]
    fn every_key_is_read() {
        let s = from(json!({
            "debug": true,
            "admins": [["Ann", "ann@example.com"], "bo@example.org"],
            "server_email": "errors@shop.example",
            "email_subject_prefix": "",
            "internal_ips": ["10.0.0.5"],
            "email_backend": "django.core.mail.backends.filebased.EmailBackend",
            "email_file_path": "mail",
            "email_host": "smtp.example.com",
            "email_port": 587,
            "email_host_user": "u",
            "email_host_password": "p",
            "email_use_tls": true,
            "email_use_ssl": false,
            "email_timeout": 2.5,
            "api_token": "x"
        }))
        .unwrap();
        assert!(s.debug());
        assert_eq!(s.admin_addresses(), ["ann@example.com", "bo@example.org"]);
        assert_eq!(s.server_email(), "errors@shop.example");
        assert_eq!(s.email_subject_prefix(), "");
        assert_eq!(s.internal_ips(), ["10.0.0.5"]);
        assert_eq!(s.email_file_path(), Some(std::path::Path::new("mail")));
        assert_eq!(s.email_port(), 587);
        assert_eq!(s.email_timeout(), Some(Duration::from_millis(2500)));
        assert!(s.email_use_tls());
        assert_eq!(s.other().len(), 1);
        let names: Vec<String> = s.items().into_iter().map(|(k, _)| k).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(names.contains(&"api_token".to_owned()));
    }

    #[test]
    fn wrong_types_name_the_key() {
        let e = from(json!({"admins": [["only-one"]]})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Settings);
        assert_eq!(
            e.to_string(),
            "settings.admins: expected a list of [name, address] pairs or addresses, found [[\"only-one\"]]"
        );
        let e = from(json!({"email_port": 70000})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "settings.email_port: expected a port number, found 70000"
        );
        let e = from(json!({"internal_ips": "127.0.0.1"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "settings.internal_ips: expected a list of strings, found \"127.0.0.1\""
        );
        let e = from(json!({"email_timeout": -1})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "settings.email_timeout: expected a positive number of seconds, found -1"
        );
    }

    #[test]
    fn bad_addresses_and_exclusive_tls_are_refused() {
        let e = from(json!({"admins": [["x", "not an address"]]})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Address);
        assert_eq!(
            e.to_string(),
            "settings.admins: bad address \"not an address\""
        );
        assert!(std::error::Error::source(&e).is_some());
        let e = from(json!({"email_use_tls": true, "email_use_ssl": true})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "settings.email_use_ssl: email_use_tls and email_use_ssl are mutually exclusive: set only one of them"
        );
        assert_eq!(e.setting_key(), Some("email_use_ssl"));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let s = Settings::builder()
            .email_host_password("hunter2")
            .build()
            .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}

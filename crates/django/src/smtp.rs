//! Django's SMTP backend, on `lettre`'s blocking SMTP client.
//!
//! Every network operation has a timeout (10 s unless `email_timeout` says
//! otherwise; Django has none by default, which lets a black-holed server hang the
//! request that logged). TLS is verified against the Mozilla roots (`webpki-roots`)
//! plus any certificate added with [`SmtpBackendBuilder::root_certificate_pem`];
//! with `email_use_tls` STARTTLS is *required*: a server that does not offer it
//! gets neither the message nor the credentials (lettre's `Tls::Required`).
//! Plaintext is used only when neither TLS option is set, as in Django.

use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use crate::backend::{MailBackend, MailError, MailErrorKind};
use crate::error::{Error, ErrorKind};
use crate::message::EmailMessage;
use crate::settings::Settings;

/// The timeout used when `email_timeout` is not set.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// How the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Security {
    /// Plaintext (Django's default; for a local relay).
    None,
    /// STARTTLS, required (`email_use_tls`).
    StartTls,
    /// TLS from the first byte (`email_use_ssl`).
    Tls,
}

/// Sends mail over SMTP.
///
/// ```
/// use logtree_django::{Security, SmtpBackend};
/// let b = SmtpBackend::builder("smtp.example.com")
///     .port(587)
///     .security(Security::StartTls)
///     .credentials("app", "secret")
///     .build()
///     .unwrap();
/// use logtree_django::MailBackend;
/// assert_eq!(b.describe(), "SMTP smtp.example.com:587 (STARTTLS) as \"app\"");
/// ```
pub struct SmtpBackend {
    transport: SmtpTransport,
    host: String,
    port: u16,
    timeout: Duration,
    security: Security,
    user: Option<String>,
}

impl fmt::Debug for SmtpBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpBackend")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl SmtpBackend {
    /// A builder for a server at `host` (port 25, plaintext, no credentials, a
    /// 10 s timeout).
    pub fn builder(host: impl Into<String>) -> SmtpBackendBuilder {
        SmtpBackendBuilder {
            host: host.into(),
            port: None,
            security: Security::None,
            user: None,
            password: None,
            password_env: None,
            timeout: DEFAULT_SMTP_TIMEOUT,
            roots: Vec::new(),
        }
    }

    /// The backend Django's settings describe: `email_host`, `email_port`,
    /// `email_host_user`, `email_host_password`, `email_use_tls`, `email_use_ssl`,
    /// `email_timeout`.
    pub fn from_settings(s: &Settings) -> Result<SmtpBackend, Error> {
        let security = match (s.email_use_tls(), s.email_use_ssl()) {
            (true, _) => Security::StartTls,
            (false, true) => Security::Tls,
            _ => Security::None,
        };
        let mut b = SmtpBackend::builder(s.email_host())
            .port(s.email_port())
            .security(security)
            .timeout(s.email_timeout().unwrap_or(DEFAULT_SMTP_TIMEOUT));
        if !s.email_host_user().is_empty() {
            b = b.credentials(s.email_host_user(), s.email_host_password());
        }
        b.build()
    }
}

/// Builds an [`SmtpBackend`].
///
/// | option | default |
/// | --- | --- |
/// | `port` | 25 |
/// | `security` | [`Security::None`] |
/// | `credentials` / `password_env` | none |
/// | `timeout` | 10 s, for connecting and for each read and write |
/// | `root_certificate_pem` | none: the Mozilla roots only |
#[must_use]
pub struct SmtpBackendBuilder {
    host: String,
    port: Option<u16>,
    security: Security,
    user: Option<String>,
    password: Option<String>,
    password_env: Option<String>,
    timeout: Duration,
    roots: Vec<Vec<u8>>,
}

impl fmt::Debug for SmtpBackendBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpBackendBuilder")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl SmtpBackendBuilder {
    /// The port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// How the connection is secured.
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Logs in with this user and password.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self.password = Some(password.into());
        self
    }

    /// Takes the password from the environment variable `name` when the backend is
    /// built (with a user given by [`credentials`](Self::credentials); this
    /// replaces its password).
    pub fn password_env(mut self, name: impl Into<String>) -> Self {
        self.password_env = Some(name.into());
        self
    }

    /// The timeout for connecting and for each read and write.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Trusts this PEM certificate as a root too (a private CA).
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.roots.push(pem.into());
        self
    }

    /// The backend. Fails when the password variable is unset or a certificate
    /// does not parse.
    pub fn build(self) -> Result<SmtpBackend, Error> {
        let mut password = self.password;
        if let Some(var) = &self.password_env {
            password = Some(std::env::var(var).map_err(|e| {
                Error::with_source(
                    ErrorKind::Backend,
                    format!("the smtp password variable {var:?} is not set"),
                    e,
                )
            })?);
        }
        let port = self.port.unwrap_or(25);
        let mut b = SmtpTransport::builder_dangerous(self.host.as_str())
            .port(port)
            .timeout(Some(self.timeout));
        if self.security != Security::None {
            let mut params = TlsParameters::builder(self.host.clone());
            for pem in &self.roots {
                let cert = Certificate::from_pem(pem).map_err(|e| {
                    Error::with_source(ErrorKind::Backend, "cannot read a root certificate", e)
                })?;
                params = params.add_root_certificate(cert);
            }
            let params = params
                .build()
                .map_err(|e| Error::with_source(ErrorKind::Backend, "cannot set up tls", e))?;
            b = b.tls(match self.security {
                Security::Tls => Tls::Wrapper(params),
                _ => Tls::Required(params),
            });
        }
        if let Some(user) = &self.user {
            b = b.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
        }
        Ok(SmtpBackend {
            transport: b.build(),
            host: self.host,
            port,
            timeout: self.timeout,
            security: self.security,
            user: self.user,
        })
    }
}

impl MailBackend for SmtpBackend {
    fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        let m = message.to_lettre()?;
        self.transport.send(&m).map(|_| ()).map_err(|e| {
            if timed_out(&e) {
                // A read timeout surfaces as EAGAIN ("Resource temporarily
                // unavailable"), which says nothing to a reader.
                return MailError::new(
                    MailErrorKind::Timeout,
                    format!(
                        "smtp {}:{}: no answer within {} s",
                        self.host,
                        self.port,
                        self.timeout.as_secs_f64()
                    ),
                );
            }
            let kind = if e.is_tls() {
                MailErrorKind::Tls
            } else if e.is_permanent() {
                MailErrorKind::Rejected
            } else if e.is_transient() {
                MailErrorKind::Transient
            } else if e.is_client() && e.to_string().contains("TLS") {
                MailErrorKind::Tls
            } else {
                MailErrorKind::Connection
            };
            MailError::with_source(kind, format!("smtp {}:{}", self.host, self.port), e)
        })
    }

    fn describe(&self) -> String {
        let mut s = format!("SMTP {}:{}", self.host, self.port);
        match self.security {
            Security::None => {}
            Security::StartTls => s.push_str(" (STARTTLS)"),
            Security::Tls => s.push_str(" (TLS)"),
        }
        if let Some(u) = &self.user {
            s.push_str(&format!(" as {u:?}"));
        }
        s
    }
}

/// Whether an SMTP error is a timeout (`TimedOut`, or the `WouldBlock` a socket
/// read timeout gives on Unix).
fn timed_out(e: &lettre::transport::smtp::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            );
        }
        cur = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_choose_security() {
        let s = Settings::builder()
            .email_host("mx.example.com")
            .email_port(465)
            .email_use_ssl(true)
            .build()
            .unwrap();
        assert_eq!(
            SmtpBackend::from_settings(&s).unwrap().describe(),
            "SMTP mx.example.com:465 (TLS)"
        );
    }

    #[test]
    fn password_from_a_missing_variable_is_an_error() {
        let e = SmtpBackend::builder("h")
            .credentials("u", "")
            .password_env("LOGTREE_TEST_SURELY_UNSET_VAR")
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the smtp password variable \"LOGTREE_TEST_SURELY_UNSET_VAR\" is not set"
        );
    }

    #[test]
    fn refused_connection_is_a_transient_connection_error() {
        // Port 1 on loopback: nothing listens there.
        let b = SmtpBackend::builder("127.0.0.1")
            .port(1)
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let m = EmailMessage::new("s", "root@localhost", vec!["a@example.com".into()], "b");
        let e = b.send(&m).unwrap_err();
        assert_eq!(e.kind(), MailErrorKind::Connection, "{e}");
        assert!(!e.is_permanent());
        assert!(e.to_string().starts_with("smtp 127.0.0.1:1: "), "{e}");
    }
}

//! Masking secrets in reports: Django's `SafeExceptionReporterFilter`, extended.
//!
//! A value is hidden when its *name* contains, ignoring case, one of `API`, `AUTH`,
//! `TOKEN`, `KEY`, `SECRET`, `PASS`, `SIGNATURE` or `HTTP_COOKIE` (Django's
//! `hidden_settings`), or a name the application adds, or when it is the session
//! cookie. Django applies this to settings, to `request.META` (so the `Cookie` and
//! `Authorization` headers) and to cookies; logtree applies it to query and form
//! parameters as well (Django shows `?token=...` in clear) and to the record's own
//! attributes. The masked value is always [`SecretFilter::SUBSTITUTE`].
//!
//! Headers are matched by their Django `META` name (`Authorization` is
//! `HTTP_AUTHORIZATION`, `X-Api-Key` is `HTTP_X_API_KEY`), so the rules read the
//! same as Django's.

use serde_json::Value as Json;

/// Decides which named values the report hides.
///
/// ```
/// use logtree_django::SecretFilter;
/// let f = SecretFilter::new("sessionid").with_names(["ssn"]);
/// assert!(f.is_sensitive("DATABASE_PASSWORD"));
/// assert!(f.is_sensitive("my_api_key"));
/// assert!(f.is_sensitive("customer_SSN"));
/// assert!(f.is_sensitive("sessionid"));
/// assert!(!f.is_sensitive("NUMBER_GROUPING"));
/// assert!(f.is_sensitive_header("Authorization"));
/// assert!(f.is_sensitive_header("Cookie"));
/// assert!(!f.is_sensitive_header("User-Agent"));
/// ```
#[derive(Clone, Debug)]
pub struct SecretFilter {
    names: Vec<String>,
    session_cookie: String,
}

impl Default for SecretFilter {
    fn default() -> SecretFilter {
        SecretFilter::new("sessionid")
    }
}

impl SecretFilter {
    /// What a hidden value is replaced with: 20 asterisks, as in Django.
    pub const SUBSTITUTE: &'static str = "********************";

    /// Django's name fragments.
    pub const DEFAULT_NAMES: &'static [&'static str] = &[
        "API",
        "AUTH",
        "TOKEN",
        "KEY",
        "SECRET",
        "PASS",
        "SIGNATURE",
        "HTTP_COOKIE",
    ];

    /// Django's rules, with `session_cookie` as the session cookie's name.
    pub fn new(session_cookie: impl Into<String>) -> SecretFilter {
        SecretFilter {
            names: Self::DEFAULT_NAMES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            session_cookie: session_cookie.into(),
        }
    }

    /// Also hides values whose names contain any of `names` (ignoring case).
    pub fn with_names<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> SecretFilter {
        for n in names {
            let n = n.as_ref().to_uppercase();
            if !n.is_empty() && !self.names.contains(&n) {
                self.names.push(n);
            }
        }
        self
    }

    /// Whether a value named `name` is hidden.
    pub fn is_sensitive(&self, name: &str) -> bool {
        if name == self.session_cookie {
            return true;
        }
        let upper = name.to_uppercase();
        self.names.iter().any(|n| upper.contains(n.as_str()))
    }

    /// Whether the request header `name` is hidden (matched by its `META` name,
    /// `HTTP_` + upper case with `-` as `_`).
    pub fn is_sensitive_header(&self, name: &str) -> bool {
        self.is_sensitive(&meta_name(name))
    }

    /// Django's `cleanse_setting`: hidden if the name says so; inside objects each
    /// member is judged by its own name; list items are judged with the empty name
    /// (so only names inside them can hide anything).
    ///
    /// ```
    /// use logtree_django::SecretFilter;
    /// let f = SecretFilter::default();
    /// let v = serde_json::json!({"default": {"PASSWORD": "x", "NAME": "db"}});
    /// assert_eq!(
    ///     f.cleanse_json("DATABASES", &v),
    ///     serde_json::json!({"default": {"PASSWORD": "********************", "NAME": "db"}})
    /// );
    /// ```
    pub fn cleanse_json(&self, name: &str, value: &Json) -> Json {
        if self.is_sensitive(name) {
            return Json::String(Self::SUBSTITUTE.to_owned());
        }
        match value {
            Json::Object(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.cleanse_json(k, v)))
                    .collect(),
            ),
            Json::Array(a) => Json::Array(a.iter().map(|v| self.cleanse_json("", v)).collect()),
            other => other.clone(),
        }
    }

    /// `value`, or the substitute when `name` is sensitive.
    pub(crate) fn mask<'v>(&self, name: &str, value: &'v str) -> &'v str {
        if self.is_sensitive(name) {
            Self::SUBSTITUTE
        } else {
            value
        }
    }
}

/// Django's `META` key for a request header.
pub(crate) fn meta_name(header: &str) -> String {
    let mut s = String::with_capacity(header.len() + 5);
    let upper = header.to_ascii_uppercase().replace('-', "_");
    if upper != "CONTENT_TYPE" && upper != "CONTENT_LENGTH" {
        s.push_str("HTTP_");
    }
    s.push_str(&upper);
    s
}

/// Splits a query string (or a form body) into decoded `(name, value)` pairs.
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split(['&', ';'])
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// The query string with the values of sensitive names replaced.
pub(crate) fn mask_query(q: &str, f: &SecretFilter) -> String {
    let mut out = String::with_capacity(q.len());
    for (i, pair) in q.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        if f.is_sensitive(&percent_decode(key)) {
            out.push_str(key);
            out.push('=');
            out.push_str(SecretFilter::SUBSTITUTE);
        } else {
            out.push_str(pair);
        }
    }
    out
}

/// Cookies from a `Cookie` header.
pub(crate) fn parse_cookie_header(h: &str) -> Vec<(String, String)> {
    h.split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (k, v) = c.split_once('=').unwrap_or(("", c));
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn djangos_verified_examples() {
        let f = SecretFilter::default();
        for hidden in [
            "SECRET_KEY",
            "SECRET_KEY_FALLBACKS",
            "MY_TOKEN",
            "DATABASE_PASSWORD",
            "PASSWORD_HASHERS",
            "secret_key",
        ] {
            assert!(f.is_sensitive(hidden), "{hidden}");
        }
        for shown in ["NORMAL", "NUMBER_GROUPING", "EMAIL_HOST_USER", ""] {
            assert!(!f.is_sensitive(shown), "{shown}");
        }
    }

    #[test]
    fn lists_are_cleansed_by_inner_names_only() {
        let f = SecretFilter::default();
        let v = json!(["a", {"token": "t", "x": 1}]);
        assert_eq!(
            f.cleanse_json("LIST", &v),
            json!(["a", {"token": SecretFilter::SUBSTITUTE, "x": 1}])
        );
        assert_eq!(
            f.cleanse_json("API_LIST", &v),
            json!(SecretFilter::SUBSTITUTE)
        );
    }

    #[test]
    fn headers_by_meta_name() {
        let f = SecretFilter::default();
        assert_eq!(meta_name("X-Api-Key"), "HTTP_X_API_KEY");
        assert_eq!(meta_name("Content-Type"), "CONTENT_TYPE");
        assert!(f.is_sensitive_header("X-Api-Key"));
        assert!(f.is_sensitive_header("proxy-authorization"));
        assert!(f.is_sensitive_header("X-CSRFToken"));
        assert!(!f.is_sensitive_header("Accept"));
    }

    #[test]
    fn queries_are_decoded_and_masked() {
        let f = SecretFilter::default();
        assert_eq!(
            parse_query("a=1&b=x%20y+z&flag&access_token=s3cr%2Ft"),
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "x y z".to_owned()),
                ("flag".to_owned(), String::new()),
                ("access_token".to_owned(), "s3cr/t".to_owned())
            ]
        );
        assert_eq!(
            mask_query("a=1&access_token=s3cr%2Ft&PASSWORD=x&flag", &f),
            "a=1&access_token=********************&PASSWORD=********************&flag"
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%41%"), "A%");
    }

    #[test]
    fn cookie_header() {
        assert_eq!(
            parse_cookie_header("sessionid=abc; csrftoken=zz ;other=ok"),
            vec![
                ("sessionid".to_owned(), "abc".to_owned()),
                ("csrftoken".to_owned(), "zz".to_owned()),
                ("other".to_owned(), "ok".to_owned())
            ]
        );
    }
}

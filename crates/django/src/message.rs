//! One e-mail: subject, sender, recipients, a text body and an optional HTML
//! alternative, and its RFC 5322 form.
//!
//! The bytes come from `lettre`'s builder, which encodes every header value
//! (RFC 2047 encoded words for anything that is not plain printable ASCII) and folds
//! long ones, so no value can add a header: that is the header-injection guarantee
//! the tests check on what a real SMTP server receives. Bodies get a
//! transfer encoding that keeps every line under 998 octets: 7bit for ASCII text,
//! else quoted-printable or base64 over SMTP, and 8bit (as Django writes UTF-8
//! text) for the console and file backends, which people read.

use lettre::message::header::{
    ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::backend::MailError;

/// An e-mail ready to send.
///
/// ```
/// use logtree_django::EmailMessage;
/// let m = EmailMessage::new("[Django] ERROR: x", "root@localhost", vec!["ops@example.com".into()], "body");
/// let raw = String::from_utf8(m.formatted().unwrap()).unwrap();
/// assert!(raw.contains("Subject: [Django] ERROR: x\r\n"));
/// assert!(raw.contains("To: ops@example.com\r\n"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmailMessage {
    /// The subject, exactly as it should read (prefix included).
    pub subject: String,
    /// The sender: an address, or `Name <address>`.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The text body.
    pub body: String,
    /// The HTML alternative, if any.
    pub html: Option<String>,
}

impl EmailMessage {
    /// A text-only message.
    pub fn new(
        subject: impl Into<String>,
        from: impl Into<String>,
        to: Vec<String>,
        body: impl Into<String>,
    ) -> EmailMessage {
        EmailMessage {
            subject: subject.into(),
            from: from.into(),
            to,
            body: body.into(),
            html: None,
        }
    }

    /// Adds an HTML alternative (`multipart/alternative`).
    pub fn with_html(mut self, html: impl Into<String>) -> EmailMessage {
        self.html = Some(html.into());
        self
    }

    /// The message for SMTP: bodies in 7bit when they are ASCII with lines of at
    /// most 998 octets, else quoted-printable or base64 (no server needs 8BITMIME).
    pub(crate) fn to_lettre(&self) -> Result<Message, MailError> {
        self.build(false)
    }

    /// The message as Django's console and file backends show it: also 8bit for
    /// UTF-8 text, so that a person can read it (Django's `utf-8` charset has no
    /// body encoding).
    pub(crate) fn to_lettre_readable(&self) -> Result<Message, MailError> {
        self.build(true)
    }

    fn build(&self, eight_bit: bool) -> Result<Message, MailError> {
        let from = parse_mailbox(&self.from)
            .map_err(|e| MailError::message(format!("bad sender {:?}", self.from), e))?;
        let mut b = Message::builder().from(from).message_id(None);
        b = if needs_full_encoding(&self.subject) {
            b.header(EncodedSubject(self.subject.clone()))
        } else {
            b.subject(self.subject.as_str())
        };
        for to in &self.to {
            let mb = parse_mailbox(to)
                .map_err(|e| MailError::message(format!("bad recipient {to:?}"), e))?;
            b = b.to(mb);
        }
        let part = |ty: ContentType, text: &str| {
            SinglePart::builder().header(ty).body(body(text, eight_bit))
        };
        let built = match &self.html {
            Some(html) => b.multipart(
                MultiPart::alternative()
                    .singlepart(part(ContentType::TEXT_PLAIN, &self.body))
                    .singlepart(part(ContentType::TEXT_HTML, html)),
            ),
            None => b.singlepart(part(ContentType::TEXT_PLAIN, &self.body)),
        };
        built.map_err(|e| MailError::message("cannot build the message".to_owned(), e))
    }

    /// The message as RFC 5322 bytes (CRLF line ends), as an SMTP server receives it.
    pub fn formatted(&self) -> Result<Vec<u8>, MailError> {
        Ok(self.to_lettre()?.formatted())
    }
}

/// A text body in the plainest transfer encoding that keeps it intact: as it is
/// (7bit, or 8bit when allowed) when it has no NUL, no bare CR and no line over 998
/// octets (RFC 5322's limit; `lettre`'s own choice stops at 76), else
/// quoted-printable or base64, whichever is shorter.
fn body(text: &str, eight_bit: bool) -> Body {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let plain = !text.contains('\0') && lines.iter().all(|l| l.len() <= 998 && !l.contains('\r'));
    if plain && (eight_bit || text.is_ascii()) {
        let encoding = if text.is_ascii() {
            ContentTransferEncoding::SevenBit
        } else {
            ContentTransferEncoding::EightBit
        };
        return Body::dangerous_pre_encoded(lines.join("\r\n").into_bytes(), encoding);
    }
    let auto = Body::new(text.to_owned());
    match auto.encoding() {
        // `lettre` would send a NUL or a bare CR as they are: not in an e-mail.
        ContentTransferEncoding::SevenBit | ContentTransferEncoding::EightBit => {
            Body::new_with_encoding(text.to_owned(), ContentTransferEncoding::QuotedPrintable)
                .unwrap_or(auto)
        }
        _ => auto,
    }
}

/// Words longer than this cannot be folded onto lines of at most 78 characters.
const MAX_WORD: usize = 76;

/// Whether the subject must be written entirely as encoded words rather than by
/// `lettre`'s encoder, which leaves printable ASCII words as they are: a word too
/// long to fold (a line over 998 octets is refused by servers), or text that looks
/// like an encoded word (`=?UTF-8?Q?=0A?=`), which a client would otherwise decode
/// into something the sender never wrote.
fn needs_full_encoding(subject: &str) -> bool {
    subject.contains("=?") || subject.split([' ', '\t']).any(|w| w.len() > MAX_WORD)
}

/// A Subject written as RFC 2047 `B` encoded words of at most 39 bytes of text
/// each (72 characters), one per folded line; decoders join them without the
/// folding whitespace, so the text reads back exactly.
#[derive(Clone)]
struct EncodedSubject(String);

impl Header for EncodedSubject {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Subject")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(EncodedSubject(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        let mut encoded = String::with_capacity(self.0.len() * 2);
        let mut rest = self.0.as_str();
        while !rest.is_empty() {
            let mut cut = rest.len().min(39);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if !encoded.is_empty() {
                encoded.push_str("\r\n ");
            }
            encoded.push_str("=?utf-8?b?");
            base64(&rest.as_bytes()[..cut], &mut encoded);
            encoded.push_str("?=");
            rest = &rest[cut..];
        }
        HeaderValue::dangerous_new_pre_encoded(Self::name(), self.0.clone(), encoded)
    }
}

fn base64(bytes: &[u8], out: &mut String) {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

pub(crate) fn parse_mailbox(s: &str) -> Result<Mailbox, lettre::address::AddressError> {
    s.trim().parse::<Mailbox>()
}

/// Django's `format_subject`, and a little more: CR and LF become the two
/// characters `\r` and `\n` (exactly as Django writes them), and every other control
/// character (C0 but tab, DEL, C1, U+2028, U+2029) is written as a Python-style
/// escape (`\x00`, `\u2028`), so that a subject is always one line of visible text
/// in every mail client. Django passes those through; logtree does not.
///
/// ```
/// assert_eq!(logtree_django::format_subject("a\r\nb\x00c"), "a\\r\\nb\\x00c");
/// ```
pub fn format_subject(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(c),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// CRLF → LF: Django's console and file backends write messages with `\n` line
/// ends (`message.as_bytes()` with the default policy).
pub(crate) fn to_lf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_escapes_match_django_for_cr_and_lf() {
        assert_eq!(
            format_subject("plain message\nsecond line"),
            "plain message\\nsecond line"
        );
        assert_eq!(format_subject("windows\r\nline"), "windows\\r\\nline");
        assert_eq!(format_subject("tab\tok é 支付"), "tab\tok é 支付");
        assert_eq!(
            format_subject("\x0b\x0c\x1c\x7f\u{85}\u{2028}"),
            "\\x0b\\x0c\\x1c\\x7f\\x85\\u2028"
        );
    }

    #[test]
    fn bodies_are_as_plain_as_they_can_be() {
        let long_ascii = "a".repeat(200);
        let m = EmailMessage::new(
            "s",
            "root@localhost",
            vec!["a@example.com".into()],
            long_ascii.as_str(),
        );
        let raw = String::from_utf8(m.formatted().unwrap()).unwrap();
        assert!(
            raw.contains("Content-Transfer-Encoding: 7bit\r\n") && raw.contains(&long_ascii),
            "{raw}"
        );
        let m = EmailMessage::new(
            "s",
            "root@localhost",
            vec!["a@example.com".into()],
            "支付失败",
        );
        let raw = String::from_utf8(m.formatted().unwrap()).unwrap();
        assert!(!raw.contains("支付失败"), "{raw}");
        let raw = String::from_utf8(m.to_lettre_readable().unwrap().formatted()).unwrap();
        assert!(
            raw.contains("Content-Transfer-Encoding: 8bit\r\n") && raw.contains("支付失败"),
            "{raw}"
        );
        for awkward in ["nul\0byte", "lone\rcr"] {
            let m = EmailMessage::new("s", "root@localhost", vec!["a@example.com".into()], awkward);
            let raw = String::from_utf8(m.to_lettre_readable().unwrap().formatted()).unwrap();
            assert!(
                raw.contains("Content-Transfer-Encoding: quoted-printable\r\n"),
                "{raw}"
            );
        }
        let huge_line = "b".repeat(2000);
        let m = EmailMessage::new(
            "s",
            "root@localhost",
            vec!["a@example.com".into()],
            huge_line.as_str(),
        );
        let raw = m.to_lettre_readable().unwrap().formatted();
        assert!(raw.split(|&b| b == b'\n').all(|l| l.len() <= 998));
    }

    #[test]
    fn html_makes_an_alternative() {
        let m = EmailMessage::new("s", "root@localhost", vec!["a@example.com".into()], "text")
            .with_html("<p>x</p>");
        let raw = String::from_utf8(m.formatted().unwrap()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
        assert!(raw.contains("text/plain"), "{raw}");
    }

    #[test]
    fn bad_addresses_are_errors() {
        let m = EmailMessage::new("s", "not an address", vec![], "b");
        assert_eq!(
            m.formatted().unwrap_err().to_string(),
            "bad sender \"not an address\": Invalid input"
        );
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            base64(input.as_bytes(), &mut out);
            assert_eq!(out, want);
        }
    }

    #[test]
    fn long_words_and_lookalike_encoded_words_are_encoded_whole() {
        assert!(!needs_full_encoding("[Django] ERROR: an ordinary subject"));
        assert!(needs_full_encoding(&"x".repeat(77)));
        assert!(needs_full_encoding("=?UTF-8?Q?=0A?=Bcc: evil@example.com"));
        let subject = format!("{} 支付失败", "y".repeat(100));
        let m = EmailMessage::new(
            subject.as_str(),
            "root@localhost",
            vec!["a@example.com".into()],
            "b",
        );
        let raw = String::from_utf8(m.formatted().unwrap()).unwrap();
        let header: Vec<&str> = raw
            .split("\r\n")
            .skip_while(|l| !l.starts_with("Subject: "))
            .take_while(|l| l.starts_with("Subject: ") || l.starts_with(' '))
            .collect();
        assert_eq!(header.len(), 3, "{raw}");
        assert!(header.iter().all(|l| l.len() <= 78), "{header:?}");
    }

    #[test]
    fn crlf_to_lf() {
        assert_eq!(to_lf(b"a\r\nb\rc\n"), b"a\nb\rc\n");
    }
}

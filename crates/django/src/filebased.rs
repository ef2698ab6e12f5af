//! Django's file-based mail backend: messages written to files in a folder.
//!
//! The layout is Django's: each file is named `%Y%m%d-%H%M%S-<id>.log` (local time)
//! and holds messages, each followed by a line of 79 `-`, with `\n` line ends.
//! Django opens one file per connection, and `AdminEmailHandler` opens a connection
//! per record, so in practice one file holds one message; here every message gets a
//! file of its own, written with one `write` in append mode.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::backend::{MailBackend, MailError, MailErrorKind};
use crate::error::{Error, ErrorKind};
use crate::message::{to_lf, EmailMessage};

/// The line written after each message.
pub(crate) const SEPARATOR: &str =
    "-------------------------------------------------------------------------------";

/// Writes each message to a file of its own in a folder.
///
/// ```
/// use logtree_django::{EmailMessage, FileBackend, MailBackend};
/// let dir = tempfile::tempdir().unwrap();
/// let b = FileBackend::new(dir.path().join("mail")).unwrap();
/// b.send(&EmailMessage::new("hi", "root@localhost", vec!["a@example.com".into()], "body")).unwrap();
/// let files: Vec<_> = std::fs::read_dir(dir.path().join("mail")).unwrap().collect();
/// assert_eq!(files.len(), 1);
/// ```
///
/// Building it creates nothing:
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// logtree_django::FileBackend::new(dir.path().join("later")).unwrap();
/// assert!(!dir.path().join("later").exists());
/// ```
#[derive(Debug)]
pub struct FileBackend {
    dir: PathBuf,
}

impl FileBackend {
    /// A backend writing into `dir` (made absolute now; created, as Django creates
    /// it, when the first message is written, so that building a configuration
    /// leaves no trace on disk). Fails when `dir` exists and is not a folder.
    pub fn new(dir: impl AsRef<Path>) -> Result<FileBackend, Error> {
        let dir = std::path::absolute(dir.as_ref()).unwrap_or_else(|_| dir.as_ref().to_path_buf());
        if dir.exists() && !dir.is_dir() {
            return Err(not_a_dir(&dir));
        }
        Ok(FileBackend { dir })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_name(&self) -> PathBuf {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        // Django uses abs(id(self)): a number unique among live objects. A process id
        // and a counter are unique across processes sharing the folder too.
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let n = SEQ.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        let id = u64::from(std::process::id()) * 1_000_000 + n;
        self.dir.join(format!("{stamp}-{id}.log"))
    }
}

/// A message as Django's console and file backends write it: `as_bytes()` (which
/// ends a single part without a newline and a multipart with one), `\n`, 79 `-`,
/// `\n`.
pub(crate) fn render(message: &EmailMessage) -> Result<Vec<u8>, MailError> {
    let mut out = to_lf(&message.to_lettre_readable()?.formatted());
    while out.last() == Some(&b'\n') {
        out.pop();
    }
    out.push(b'\n');
    if message.html.is_some() {
        out.push(b'\n');
    }
    out.extend_from_slice(SEPARATOR.as_bytes());
    out.push(b'\n');
    Ok(out)
}

fn not_a_dir(dir: &Path) -> Error {
    Error::new(
        ErrorKind::Backend,
        format!(
            "path for saving email messages exists, but is not a directory: {}",
            dir.display()
        ),
    )
}

impl MailBackend for FileBackend {
    fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        let bytes = render(message)?;
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            MailError::with_source(
                MailErrorKind::Io,
                format!(
                    "could not create directory for saving email messages: {}",
                    self.dir.display()
                ),
                e,
            )
        })?;
        let path = self.file_name();
        let io = |e: std::io::Error| {
            MailError::with_source(
                MailErrorKind::Io,
                format!("cannot write {}", path.display()),
                e,
            )
        };
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        f.write_all(&bytes).map_err(io)
    }

    fn describe(&self) -> String {
        format!("file {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_djangos() {
        let dir = tempfile::tempdir().unwrap();
        let b = FileBackend::new(dir.path().join("a/b")).unwrap();
        for i in 0..3 {
            let m = EmailMessage::new(
                format!("s{i}"),
                "root@localhost",
                vec!["a@example.com".into()],
                "body\nline",
            );
            b.send(&m).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(b.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 3, "{names:?}");
        for n in &names {
            // 20231114-221320-<digits>.log
            let (stamp, rest) = n.split_at(15);
            assert!(
                stamp.chars().enumerate().all(|(i, c)| if i == 8 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }),
                "{n}"
            );
            assert!(rest.starts_with('-') && rest.ends_with(".log"), "{n}");
            let text = std::fs::read_to_string(b.dir().join(n)).unwrap();
            assert!(text.ends_with(&format!("\n{SEPARATOR}\n")), "{text}");
            assert!(!text.contains('\r'), "{text:?}");
            assert_eq!(SEPARATOR.len(), 79);
        }
    }

    #[test]
    fn a_file_in_the_way_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "x").unwrap();
        let e = FileBackend::new(&f).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("path for saving email messages exists, but is not a directory: "),
            "{e}"
        );
    }
}

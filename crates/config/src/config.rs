//! [`Config`]: a loaded configuration, and the calls that check and apply it.
//!
//! Loading parses only (JSON or TOML into one ordered value tree); nothing is
//! resolved or built until [`Config::check`] or [`Config::apply`], so the same
//! `Config` can be applied to several managers, and errors carry the whole picture
//! at once. `apply` runs the build twice: first as a dry run that touches nothing
//! (every error of the configuration is found here, and a refused configuration
//! has opened no file), then for real, and installs the result in one step.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use logtree_core::{HandlerCell, Manager};
use serde_json::{Map, Value};

use crate::apply::{close_old, install};
use crate::build::Builder;
use crate::convert::process_env;
use crate::error::{ConfigError, ErrorKind, KeyPath, Warning};
use crate::registry::Registry;
use crate::source::{self, Format};

#[derive(Debug)]
struct Source {
    path: Option<PathBuf>,
    name: &'static str,
    text: String,
    format: Format,
}

/// A logging configuration: Python's `dictConfig` dictionary, with an optional
/// top-level `settings` table.
///
/// ```
/// use logtree_config::{Config, Registry};
/// use logtree_core::{Level, Manager};
/// let config = Config::from_toml_str(r#"
///     version = 1
///     [handlers.null]
///     class = "logging.NullHandler"
///     [loggers."app.db"]
///     level = "DEBUG"
///     handlers = ["null"]
///     propagate = false
/// "#).unwrap();
/// let manager = Manager::new();
/// config.apply(&manager, &Registry::stock()).unwrap();
/// let db = manager.get_logger("app.db");
/// assert_eq!(db.level(), Level::DEBUG);
/// assert!(!db.propagate());
/// assert_eq!(db.handlers()[0].name(), Some("null"));
/// ```
#[derive(Clone)]
pub struct Config {
    root: Map<String, Value>,
    settings: Option<Value>,
    source: Option<Arc<Source>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("file", &self.source.as_ref().and_then(|s| s.path.as_ref()))
            .field("keys", &self.root.keys().collect::<Vec<_>>())
            .field("settings", &self.settings.is_some())
            .finish()
    }
}

/// What [`Config::check`] found: the configuration is acceptable; these are the
/// things in it that are ignored.
#[derive(Debug, Default)]
pub struct Checked {
    warnings: Vec<Warning>,
}

impl Checked {
    /// Keys and values that are accepted but have no effect.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

/// What [`Config::apply`] did.
#[derive(Debug, Default)]
pub struct Applied {
    warnings: Vec<Warning>,
    handlers: Vec<Arc<HandlerCell>>,
}

impl Applied {
    /// Keys and values that are accepted but have no effect.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The handlers the configuration made, in the order made (empty for an
    /// incremental configuration).
    pub fn handlers(&self) -> &[Arc<HandlerCell>] {
        &self.handlers
    }
}

impl Config {
    fn from_parts(value: Value, source: Option<Source>) -> Result<Config, ConfigError> {
        let source = source.map(Arc::new);
        let Value::Object(mut root) = value else {
            let mut e = ConfigError::new(
                ErrorKind::Schema,
                &KeyPath::root(),
                format!(
                    "a configuration must be a table (a dictionary), not {}",
                    crate::args::describe(&value)
                ),
            );
            if let Some(s) = &source {
                e.set_origin(s.path.as_deref(), Some(s.name));
            }
            return Err(e);
        };
        let settings = root.shift_remove("settings");
        Ok(Config {
            root,
            settings,
            source,
        })
    }

    fn parse(text: String, format: Format, path: Option<PathBuf>) -> Result<Config, ConfigError> {
        let name = match format {
            Format::Json => "<json>",
            Format::Toml => "<toml>",
        };
        let parsed = match format {
            Format::Json => source::parse_json(&text),
            Format::Toml => source::parse_toml(&text),
        };
        match parsed {
            Ok(v) => Config::from_parts(
                v,
                Some(Source {
                    path,
                    name,
                    text,
                    format,
                }),
            ),
            Err(mut e) => {
                e.set_origin(path.as_deref(), Some(name));
                Err(e)
            }
        }
    }

    /// Reads a `.toml` or `.json` file (by its extension; any other is read as
    /// JSON if it starts with `{`, else as TOML).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let io_err = |what: String, e: std::io::Error| {
            let mut err =
                ConfigError::new(ErrorKind::Io, &KeyPath::root(), what).because(e.to_string());
            err.set_origin(Some(path), None);
            err
        };
        let meta = std::fs::metadata(path)
            .map_err(|e| io_err("cannot read the configuration".into(), e))?;
        if let Err(mut e) = source::check_size(usize::try_from(meta.len()).unwrap_or(usize::MAX)) {
            e.set_origin(Some(path), None);
            return Err(e);
        }
        let bytes =
            std::fs::read(path).map_err(|e| io_err("cannot read the configuration".into(), e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let mut err = ConfigError::new(
                ErrorKind::Syntax,
                &KeyPath::root(),
                format!(
                    "the file is not UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            );
            err.set_origin(Some(path), None);
            err
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match ext.as_deref() {
            Some("json") => Format::Json,
            Some("toml") => Format::Toml,
            _ if text.trim_start().starts_with('{') => Format::Json,
            _ => Format::Toml,
        };
        Config::parse(text, format, Some(path.to_path_buf()))
    }

    /// Parses JSON text.
    pub fn from_json_str(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text.to_owned(), Format::Json, None)
    }

    /// Parses TOML text.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text.to_owned(), Format::Toml, None)
    }

    /// A configuration from a JSON value (a table).
    pub fn from_value(value: Value) -> Result<Config, ConfigError> {
        Config::from_parts(value, None)
    }

    /// The file the configuration was read from.
    pub fn path(&self) -> Option<&Path> {
        self.source.as_ref().and_then(|s| s.path.as_deref())
    }

    /// The configuration as written, without its `settings` table.
    pub fn value(&self) -> &Map<String, Value> {
        &self.root
    }

    /// The top-level `settings` table as written (references unresolved).
    pub fn settings(&self) -> Option<&Value> {
        self.settings.as_ref()
    }

    /// Replaces the `settings` table: a runtime reconfiguration keeps the settings
    /// of the configuration it follows this way, as Django's settings outlive a
    /// `dictConfig` call.
    pub fn set_settings(&mut self, settings: Option<Value>) {
        self.settings = settings;
    }

    fn finish_error(&self, mut e: ConfigError) -> ConfigError {
        if let Some(s) = &self.source {
            e.each_mut(&mut |x| {
                if x.line().is_none() {
                    let line = source::locate(&s.text, s.format, x.segments());
                    x.set_line(line);
                }
                x.set_origin(s.path.as_deref(), Some(s.name));
            });
        }
        e
    }

    fn finish_warnings(&self, mut warnings: Vec<Warning>) -> Vec<Warning> {
        if let Some(s) = &self.source {
            for w in &mut warnings {
                w.set_line(source::locate(&s.text, s.format, w.segments()));
                let origin = match &s.path {
                    Some(p) => p.display().to_string(),
                    None => s.name.to_owned(),
                };
                w.set_origin(Some(origin));
            }
        }
        warnings
    }

    /// Checks the configuration against `registry` without side effects: every
    /// component is validated (no file is opened or created, nothing is
    /// installed), and every error is reported.
    pub fn check(&self, registry: &Registry) -> Result<Checked, ConfigError> {
        let env = process_env;
        let prepared = Builder::new(&self.root, registry, &env, true)
            .build(self.settings.as_ref())
            .map_err(|e| self.finish_error(e))?;
        Ok(Checked {
            warnings: self.finish_warnings(prepared.warnings),
        })
    }

    /// The tree this configuration produces on a fresh manager, built as a dry run:
    /// nothing is opened or created, and the handlers must not be used for output
    /// (`logtree tree` draws it).
    pub fn preview(&self, registry: &Registry) -> Result<Arc<Manager>, ConfigError> {
        let env = process_env;
        let prepared = Builder::new(&self.root, registry, &env, true)
            .build(self.settings.as_ref())
            .map_err(|e| self.finish_error(e))?;
        let manager = Manager::new();
        install(&manager, &prepared).map_err(|e| self.finish_error(e))?;
        Ok(manager)
    }

    /// Applies the configuration to `manager`, as `dictConfig` would: checked
    /// first (nothing changes if anything is wrong), then built, then installed in
    /// one step while other threads go on logging; the previous configuration's
    /// handlers are then flushed and closed.
    pub fn apply(&self, manager: &Manager, registry: &Registry) -> Result<Applied, ConfigError> {
        let env = process_env;
        let checked = Builder::new(&self.root, registry, &env, true)
            .build(self.settings.as_ref())
            .map_err(|e| self.finish_error(e))?;
        drop(checked);
        let prepared = Builder::new(&self.root, registry, &env, false)
            .build(self.settings.as_ref())
            .map_err(|e| self.finish_error(e))?;
        let old = match install(manager, &prepared) {
            Ok(old) => old,
            Err(e) => {
                for h in &prepared.handlers {
                    h.close();
                }
                return Err(self.finish_error(e));
            }
        };
        close_old(old);
        Ok(Applied {
            warnings: self.finish_warnings(prepared.warnings),
            handlers: prepared.handlers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_extension_or_content() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("a.json", r#"{"version": 1}"#),
            ("b.toml", "version = 1\n"),
            ("c.conf", "  {\"version\": 1}"),
            ("d", "version = 1\n"),
        ] {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            let c = Config::from_path(&p).unwrap();
            assert_eq!(c.value()["version"], 1, "{name}");
            assert_eq!(c.path(), Some(p.as_path()));
        }
        let p = dir.path().join("bad.json");
        std::fs::write(&p, b"\xff\xfe").unwrap();
        let e = Config::from_path(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert_eq!(
            e.message(),
            "the file is not UTF-8 (invalid byte at offset 0)"
        );
    }

    #[test]
    fn settings_are_set_apart() {
        let mut c =
            Config::from_json_str(r#"{"version": 1, "settings": {"debug": true}}"#).unwrap();
        assert!(!c.value().contains_key("settings"));
        assert_eq!(c.settings(), Some(&serde_json::json!({"debug": true})));
        c.set_settings(None);
        assert!(c.settings().is_none());
    }
}

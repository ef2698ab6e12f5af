//! Building a configuration's components, with every error collected.
//!
//! This is `DictConfigurator.configure` minus its side effects on the logger tree:
//! formatters and filters in the order written, handlers in sorted id order,
//! loggers in the order written, the root last, each failure wrapped in Python's
//! words (`Unable to configure handler 'h'`). What it produces, [`Prepared`], is
//! installed into a manager in one step by `apply.rs`; if anything failed, nothing
//! is installed.
//!
//! # Handler references
//! Python builds handlers alphabetically and defers a handler whose target is not
//! built yet *once*, so a chain of three (`a -> b -> c`) fails
//! (python/cpython#92929). logtree builds a referenced handler on demand, before
//! the handler that needs it, so any acyclic chain works whatever the names; a
//! cycle is refused with both names. A deliberate improvement: every
//! configuration Python accepts is accepted, with the same handlers.
//!
//! # Dry runs
//! [`Builder::new`] with `dry_run` asks every factory to validate without side
//! effects: `logtree check` and the first pass of `apply` use it, so that a
//! configuration with an error never opens (or truncates) a file.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use logtree_core::{CallbackFilter, Filter, Formatter, HandlerCell, Level, NameFilter};
use serde_json::{Map, Value};

use crate::args::{check_level, describe, Args, Ctx, Settings};
use crate::convert::{py_repr, ConvError, Converter, EnvLookup, Node};
use crate::error::{ArgError, BoxError, Cause, ConfigError, ErrorKind, KeyPath, Warning};
use crate::registry::{Ext, Registry};
use crate::standin;
use crate::suggest::{closest, did_you_mean};

type Table = Map<String, Value>;

/// A logger's part of a configuration.
pub(crate) struct LoggerSpec {
    pub(crate) name: String,
    pub(crate) level: Option<Level>,
    pub(crate) propagate: Option<bool>,
    pub(crate) handlers: Vec<Arc<HandlerCell>>,
    pub(crate) filters: Vec<Arc<dyn Filter>>,
}

/// A configuration, built and checked, ready to install.
pub(crate) struct Prepared {
    pub(crate) incremental: bool,
    pub(crate) disable_existing: bool,
    /// Handlers in the order they were made.
    pub(crate) handlers: Vec<Arc<HandlerCell>>,
    pub(crate) loggers: Vec<LoggerSpec>,
    pub(crate) root: Option<LoggerSpec>,
    /// Incremental: handler names and the level to set (`None`: leave it).
    pub(crate) handler_levels: Vec<(String, Option<Level>)>,
    pub(crate) warnings: Vec<Warning>,
}

enum HState {
    Pending,
    Building,
    Built(Arc<HandlerCell>),
    Failed,
}

/// A component failed: with an error to report, or because something it refers
/// to failed (already reported).
enum Fail {
    Error(ConfigError),
    Dependency,
}

impl From<ConfigError> for Fail {
    fn from(e: ConfigError) -> Fail {
        Fail::Error(e)
    }
}

pub(crate) struct Builder<'r> {
    root: &'r Map<String, Value>,
    registry: &'r Registry,
    env: EnvLookup<'r>,
    dry_run: bool,
    settings: Settings,
    shared: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    formatters: HashMap<String, Option<Arc<dyn Formatter>>>,
    filters: HashMap<String, Option<Arc<dyn Filter>>>,
    handler_cfgs: Map<String, Value>,
    handler_state: HashMap<String, HState>,
    building: Vec<String>,
    built: Vec<Arc<HandlerCell>>,
    errors: Vec<ConfigError>,
    warnings: Vec<Warning>,
}

const TOP_LEVEL: [&str; 9] = [
    "version",
    "incremental",
    "disable_existing_loggers",
    "formatters",
    "filters",
    "handlers",
    "loggers",
    "root",
    "settings",
];

/// Python's `valid_ident`: `^[a-z_][a-z0-9_]*$`, ignoring case.
fn valid_ident(k: &str) -> bool {
    let mut b = k.bytes();
    matches!(b.next(), Some(c) if c == b'_' || c.is_ascii_alphabetic())
        && b.all(|c| c == b'_' || c.is_ascii_alphanumeric())
}

/// Python's truth value of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

fn conv_error(path: &KeyPath, e: ConvError) -> ConfigError {
    ConfigError::new(e.kind, path, e.message)
}

/// A factory's error as a configuration error under `base`; `key_map` renames
/// argument keys back to configuration keys.
fn factory_error(base: &KeyPath, e: BoxError, key_map: &dyn Fn(&str) -> String) -> ConfigError {
    match e.downcast::<ArgError>() {
        Ok(a) => {
            let a = *a;
            let path = match (&a.key, a.setting) {
                (Some(k), true) => KeyPath::of(&["settings", k]),
                (Some(k), false) => base.join(&key_map(k)),
                (None, _) => base.clone(),
            };
            let mut err = ConfigError::new(a.kind, &path, a.message);
            if let Some(c) = a.cause {
                err = err.with_cause(chain_of(&*c));
            }
            if let Some(outer) = a.outer {
                err = err.wrap(outer);
            }
            err
        }
        Err(other) => {
            let mut err = ConfigError::new(ErrorKind::Build, base, other.to_string());
            if let Some(src) = other.source() {
                err = err.with_cause(chain_of(src));
            }
            err
        }
    }
}

/// Copies an error's text chain (the original cannot be moved out of its box).
fn chain_of(e: &(dyn std::error::Error + 'static)) -> BoxError {
    let mut texts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        if texts.len() >= 16 {
            break;
        }
        texts.push(s.to_string());
        cur = s.source();
    }
    let mut cause: Option<BoxError> = None;
    for t in texts.into_iter().rev() {
        cause = Some(Cause::boxed(t, cause));
    }
    cause.unwrap_or_else(|| Cause::boxed("", None))
}

fn is_dependency_failure(e: &ArgError) -> bool {
    e.kind == ErrorKind::Reference && e.message.is_empty()
}

impl<'r> Builder<'r> {
    pub(crate) fn new(
        root: &'r Map<String, Value>,
        registry: &'r Registry,
        env: EnvLookup<'r>,
        dry_run: bool,
    ) -> Builder<'r> {
        Builder {
            root,
            registry,
            env,
            dry_run,
            settings: Settings::default(),
            shared: HashMap::new(),
            formatters: HashMap::new(),
            filters: HashMap::new(),
            handler_cfgs: Map::new(),
            handler_state: HashMap::new(),
            building: Vec::new(),
            built: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn conv(&self) -> Converter<'_> {
        Converter {
            root: self.root,
            registry: self.registry,
            env: self.env,
        }
    }

    fn warn(&mut self, path: &KeyPath, message: impl Into<String>) {
        self.warnings.push(Warning::new(path, message));
    }

    /// A value with top-level references followed (not converted inside).
    fn shallow(&self, path: &KeyPath, v: &Value) -> Result<Value, ConfigError> {
        match v {
            Value::String(_) => match self.conv().follow(v).map_err(|e| conv_error(path, e))? {
                Node::Json(j) => Ok(j),
                Node::Ext(name, _) => Err(ConfigError::new(
                    ErrorKind::Schema,
                    path,
                    format!("'ext://{name}' is an object, not a value"),
                )),
            },
            other => Ok(other.clone()),
        }
    }

    fn table(&self, path: &KeyPath, v: &Value) -> Result<Map<String, Value>, ConfigError> {
        match self.shallow(path, v)? {
            Value::Object(m) => Ok(m),
            other => Err(ConfigError::new(
                ErrorKind::Schema,
                path,
                format!("expected a table, not {}", describe(&other)),
            )),
        }
    }

    fn section(&mut self, key: &str) -> Map<String, Value> {
        let path = KeyPath::of(&[key]);
        match self.root.get(key) {
            None => Map::new(),
            Some(v) => match self.table(&path, v) {
                Ok(m) => m,
                Err(e) => {
                    self.errors.push(e);
                    Map::new()
                }
            },
        }
    }

    /// A boolean switch of the top level (`incremental`, ...).
    fn switch(&mut self, key: &str, default: bool) -> bool {
        let path = KeyPath::of(&[key]);
        let Some(v) = self.root.get(key) else {
            return default;
        };
        match self.shallow(&path, v) {
            Ok(Value::Bool(b)) => b,
            Ok(Value::Null) => default,
            Ok(Value::Number(n)) if n.is_i64() || n.is_u64() => n.as_f64() != Some(0.0),
            Ok(other) => {
                self.errors.push(ConfigError::new(
                    ErrorKind::Schema,
                    &path,
                    format!(
                        "{} must be true or false, not {}",
                        py_repr(key),
                        describe(&other)
                    ),
                ));
                default
            }
            Err(e) => {
                self.errors.push(e);
                default
            }
        }
    }

    /// Builds everything. `Err` holds every error found.
    pub(crate) fn build(mut self, settings: Option<&Value>) -> Result<Prepared, ConfigError> {
        // version
        let vpath = KeyPath::of(&["version"]);
        match self.root.get("version").map(|v| self.shallow(&vpath, v)) {
            None => {
                return Err(ConfigError::new(
                    ErrorKind::Schema,
                    &KeyPath::root(),
                    "dictionary doesn't specify a version",
                ))
            }
            Some(Err(e)) => return Err(e),
            Some(Ok(v)) => {
                if v.as_f64() != Some(1.0) || v.is_boolean() {
                    return Err(ConfigError::new(
                        ErrorKind::Schema,
                        &vpath,
                        format!("Unsupported version: {}", describe(&v)),
                    ));
                }
            }
        }
        for key in self.root.keys() {
            if TOP_LEVEL.contains(&key.as_str()) {
                continue;
            }
            if let Some(c) = closest(key, TOP_LEVEL) {
                let msg = format!(
                    "unknown top-level key {} is not used (it can only be the target of cfg://); did you mean {}?",
                    py_repr(key),
                    py_repr(c)
                );
                self.warnings.push(Warning::new(&KeyPath::of(&[key]), msg));
            }
        }
        self.resolve_settings(settings);
        let incremental = self.switch("incremental", false);
        let disable_existing = self.switch("disable_existing_loggers", true);
        let mut prepared = Prepared {
            incremental,
            disable_existing,
            handlers: Vec::new(),
            loggers: Vec::new(),
            root: None,
            handler_levels: Vec::new(),
            warnings: Vec::new(),
        };
        if incremental {
            self.build_incremental(&mut prepared);
        } else {
            self.build_full(&mut prepared);
        }
        prepared.warnings = std::mem::take(&mut self.warnings);
        match ConfigError::join(std::mem::take(&mut self.errors)) {
            Some(e) => Err(e),
            None => {
                prepared.handlers = std::mem::take(&mut self.built);
                Ok(prepared)
            }
        }
    }

    fn resolve_settings(&mut self, settings: Option<&Value>) {
        let Some(v) = settings else { return };
        let path = KeyPath::of(&["settings"]);
        let Value::Object(m) = v else {
            self.errors.push(ConfigError::new(
                ErrorKind::Schema,
                &path,
                format!("expected a table, not {}", describe(v)),
            ));
            return;
        };
        let mut out = Map::new();
        for (k, item) in m {
            match self.conv().convert_json(item) {
                Ok(j) => {
                    out.insert(k.clone(), j);
                }
                Err(e) => self.errors.push(conv_error(&path.join(k), e)),
            }
        }
        self.settings = Settings::from_value(Value::Object(out)).unwrap_or_default();
    }

    fn build_incremental(&mut self, prepared: &mut Prepared) {
        for key in ["formatters", "filters"] {
            if self.root.get(key).is_some_and(truthy) {
                self.warn(
                    &KeyPath::of(&[key]),
                    format!(
                        "{} is ignored by an incremental configuration",
                        py_repr(key)
                    ),
                );
            }
        }
        let handlers = self.section("handlers");
        for (name, v) in &handlers {
            let path = KeyPath::of(&["handlers", name]);
            let outer = format!("Unable to configure handler {}", py_repr(name));
            let cfg = match self.table(&path, v) {
                Ok(c) => c,
                Err(e) => {
                    self.errors.push(e.wrap(outer));
                    continue;
                }
            };
            let mut level = None;
            for (k, item) in &cfg {
                let kpath = path.join(k);
                if k != "level" {
                    self.warn(
                        &kpath,
                        format!("{} is ignored by an incremental configuration", py_repr(k)),
                    );
                    continue;
                }
                match self.conv().convert_json(item) {
                    Ok(lv) if truthy(&lv) => match check_level(&lv) {
                        Ok(l) => level = Some(l),
                        Err(m) => self.errors.push(
                            ConfigError::new(ErrorKind::Invalid, &kpath, m).wrap(outer.clone()),
                        ),
                    },
                    Ok(_) => {}
                    Err(e) => self.errors.push(conv_error(&kpath, e).wrap(outer.clone())),
                }
            }
            prepared.handler_levels.push((name.clone(), level));
        }
        let loggers = self.section("loggers");
        for (name, v) in &loggers {
            if let Some(spec) = self.logger_spec(name, v, true, false) {
                prepared.loggers.push(spec);
            }
        }
        if let Some(v) = self.root.get("root") {
            let path = KeyPath::of(&["root"]);
            match self.shallow(&path, v) {
                Ok(r) if truthy(&r) => prepared.root = self.logger_spec("root", &r, true, true),
                Ok(_) => {}
                Err(e) => self.errors.push(e.wrap("Unable to configure root logger")),
            }
        }
    }

    fn build_full(&mut self, prepared: &mut Prepared) {
        let formatters = self.section("formatters");
        for (id, v) in &formatters {
            let path = KeyPath::of(&["formatters", id]);
            let outer = format!("Unable to configure formatter {}", py_repr(id));
            let made = self
                .table(&path, v)
                .and_then(|cfg| self.make_formatter(id, cfg));
            match made {
                Ok(f) => {
                    self.formatters.insert(id.clone(), Some(f));
                }
                Err(e) => {
                    self.formatters.insert(id.clone(), None);
                    self.errors.push(e.wrap(outer));
                }
            }
        }
        let filters = self.section("filters");
        for (id, v) in &filters {
            let path = KeyPath::of(&["filters", id]);
            let outer = format!("Unable to configure filter {}", py_repr(id));
            let made = self
                .table(&path, v)
                .and_then(|cfg| self.make_filter(id, cfg));
            match made {
                Ok(f) => {
                    self.filters.insert(id.clone(), Some(f));
                }
                Err(e) => {
                    self.filters.insert(id.clone(), None);
                    self.errors.push(e.wrap(outer));
                }
            }
        }
        self.handler_cfgs = self.section("handlers");
        let mut ids: Vec<String> = self.handler_cfgs.keys().cloned().collect();
        ids.sort();
        for id in &ids {
            self.handler_state.insert(id.clone(), HState::Pending);
        }
        for id in &ids {
            if matches!(self.handler_state.get(id), Some(HState::Pending)) {
                let _ = self.build_handler(id);
            }
        }
        let loggers = self.section("loggers");
        for (name, v) in &loggers {
            if let Some(spec) = self.logger_spec(name, v, false, false) {
                prepared.loggers.push(spec);
            }
        }
        if let Some(v) = self.root.get("root") {
            let path = KeyPath::of(&["root"]);
            match self.shallow(&path, v) {
                Ok(r) if truthy(&r) => prepared.root = self.logger_spec("root", &r, false, true),
                Ok(_) => {}
                Err(e) => self.errors.push(e.wrap("Unable to configure root logger")),
            }
        }
    }

    /// A stand-in entry for an unregistered name, when the registry allows them.
    fn stand_in<E>(&mut self, path: &KeyPath, name: &str, make: fn(&str) -> E) -> Option<E> {
        if !self.registry.stand_ins || !standin::may_stand_in(name) {
            return None;
        }
        self.warn(
            path,
            format!(
                "{} is not registered here: a stand-in is used and its arguments are not checked",
                py_repr(name)
            ),
        );
        Some(make(name))
    }

    /// The factory name under `key` (`class` or `()`).
    fn factory_name(&self, path: &KeyPath, v: &Value) -> Result<String, ConfigError> {
        match self.shallow(path, v)? {
            Value::String(s) => Ok(s),
            other => Err(ConfigError::new(
                ErrorKind::Schema,
                path,
                format!("expected a registered class name, not {}", describe(&other)),
            )),
        }
    }

    /// Splits a `()` component's keys into keyword arguments and `.` attributes.
    fn custom_args(
        &self,
        base: &KeyPath,
        cfg: &Map<String, Value>,
        skip: &[&str],
    ) -> Result<(Table, Table), ConfigError> {
        let mut kwargs = Map::new();
        let mut attrs = Map::new();
        for (k, v) in cfg {
            if k == "." {
                match v {
                    Value::Object(m) => attrs = m.clone(),
                    Value::Null => {}
                    other => {
                        return Err(ConfigError::new(
                            ErrorKind::Schema,
                            &base.join("."),
                            format!("'.' must be a table of attributes, not {}", describe(other)),
                        ))
                    }
                }
                continue;
            }
            if skip.contains(&k.as_str()) {
                continue;
            }
            if !valid_ident(k) {
                return Err(ConfigError::new(
                    ErrorKind::Invalid,
                    &base.join(k),
                    format!("Not a valid Python identifier: {}", py_repr(k)),
                ));
            }
            kwargs.insert(k.clone(), v.clone());
        }
        Ok((kwargs, attrs))
    }

    /// Runs a factory over `kwargs`, then refuses leftovers.
    fn run<T>(
        &mut self,
        section: &'static str,
        id: &str,
        class: &str,
        kwargs: Map<String, Value>,
        attrs: Map<String, Value>,
        factory: &dyn Fn(&mut Args<'_>) -> Result<T, BoxError>,
    ) -> Result<T, BoxError> {
        let mut args = Args::new(self, section, id, class, kwargs, attrs);
        let made = factory(&mut args)?;
        args.finish()?;
        Ok(made)
    }

    fn make_formatter(
        &mut self,
        id: &str,
        cfg: Map<String, Value>,
    ) -> Result<Arc<dyn Formatter>, ConfigError> {
        let base = KeyPath::of(&["formatters", id]);
        let custom = cfg.contains_key("()");
        let (name, name_path) = if custom {
            (
                self.factory_name(&base.join("()"), &cfg["()"])?,
                base.join("()"),
            )
        } else {
            match cfg.get("class") {
                Some(v) if truthy(v) => (
                    self.factory_name(&base.join("class"), v)?,
                    base.join("class"),
                ),
                _ => ("logging.Formatter".to_owned(), base.clone()),
            }
        };
        let found = self.registry.formatters.get(&name).cloned();
        let found = found.or_else(|| self.stand_in(&name_path, &name, standin::formatter));
        let Some(entry) = found else {
            let hint = did_you_mean(&name, self.registry.formatter_names());
            return Err(ConfigError::new(
                ErrorKind::Resolve,
                &name_path,
                format!(
                    "Cannot resolve {}: not a registered formatter class{hint}",
                    py_repr(&name)
                ),
            ));
        };
        let factory = entry.factory.clone();
        if custom {
            let (kwargs, attrs) = self.custom_args(&base, &cfg, &["()"])?;
            match self.run(
                "formatters",
                id,
                &name,
                kwargs.clone(),
                attrs.clone(),
                &*factory,
            ) {
                Ok(f) => Ok(f),
                Err(e) => {
                    // Python retries a TypeError mentioning 'format' with `fmt`.
                    let retry = e.downcast_ref::<ArgError>().is_some_and(|a| {
                        a.key() == Some("format") && a.message.starts_with("unexpected keyword")
                    }) && !kwargs.contains_key("fmt");
                    if !retry {
                        return Err(factory_error(&base, e, &|k| k.to_owned()));
                    }
                    let renamed: Map<String, Value> = kwargs
                        .into_iter()
                        .map(|(k, v)| {
                            if k == "format" {
                                ("fmt".to_owned(), v)
                            } else {
                                (k, v)
                            }
                        })
                        .collect();
                    self.run("formatters", id, &name, renamed, attrs, &*factory)
                        .map_err(|e| {
                            factory_error(&base, e, &|k| {
                                if k == "fmt" {
                                    "format".into()
                                } else {
                                    k.into()
                                }
                            })
                        })
                }
            }
        } else {
            // Python: class(fmt, datefmt, style[, validate]); other keys are not read.
            let mut kwargs = Map::new();
            for (src, dst) in [
                ("format", "fmt"),
                ("datefmt", "datefmt"),
                ("style", "style"),
                ("validate", "validate"),
                ("defaults", "defaults"),
            ] {
                if let Some(v) = cfg.get(src) {
                    kwargs.insert(dst.to_owned(), v.clone());
                }
            }
            for k in cfg.keys() {
                if ![
                    "format", "datefmt", "style", "validate", "defaults", "class",
                ]
                .contains(&k.as_str())
                {
                    let hint = did_you_mean(
                        k,
                        [
                            "format", "datefmt", "style", "validate", "defaults", "class",
                        ],
                    );
                    self.warn(
                        &base.join(k),
                        format!(
                            "{} is not read by a formatter without '()'; ignored{hint}",
                            py_repr(k)
                        ),
                    );
                }
            }
            self.run("formatters", id, &name, kwargs, Map::new(), &*factory)
                .map_err(|e| {
                    factory_error(&base, e, &|k| {
                        if k == "fmt" {
                            "format".into()
                        } else {
                            k.into()
                        }
                    })
                })
        }
    }

    fn make_filter(
        &mut self,
        id: &str,
        cfg: Map<String, Value>,
    ) -> Result<Arc<dyn Filter>, ConfigError> {
        let base = KeyPath::of(&["filters", id]);
        if let Some(v) = cfg.get("()") {
            let name = self.factory_name(&base.join("()"), v)?;
            let found = self.registry.filters.get(&name).cloned();
            let found = found.or_else(|| self.stand_in(&base.join("()"), &name, standin::filter));
            let Some(entry) = found else {
                let hint = did_you_mean(&name, self.registry.filter_names());
                return Err(ConfigError::new(
                    ErrorKind::Resolve,
                    &base.join("()"),
                    format!(
                        "Cannot resolve {}: not a registered filter class{hint}",
                        py_repr(&name)
                    ),
                ));
            };
            let (kwargs, attrs) = self.custom_args(&base, &cfg, &["()"])?;
            let factory = entry.factory.clone();
            return self
                .run("filters", id, &name, kwargs, attrs, &*factory)
                .map_err(|e| factory_error(&base, e, &|k| k.to_owned()));
        }
        // Python: logging.Filter(config.get('name', '')); nothing else is read.
        for k in cfg.keys() {
            if k != "name" {
                let extra = if k == "class" {
                    " (a filter class is given with '()')"
                } else {
                    ""
                };
                self.warn(
                    &base.join(k),
                    format!(
                        "{} is not read by a filter without '()'; ignored{extra}",
                        py_repr(k)
                    ),
                );
            }
        }
        let name = match cfg.get("name") {
            None => String::new(),
            Some(v) => match self.shallow(&base.join("name"), v)? {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => {
                    return Err(ConfigError::new(
                        ErrorKind::Invalid,
                        &base.join("name"),
                        format!("'name' must be a string, not {}", describe(&other)),
                    ))
                }
            },
        };
        Ok(Arc::new(NameFilter::new(name)))
    }

    /// A `filters` list item: a filter id, a registered callback, or an
    /// `ext://` callback.
    fn list_filter(&mut self, path: &KeyPath, item: &Value) -> Result<Arc<dyn Filter>, Fail> {
        let outer = format!("Unable to add filter {}", describe(item));
        let node = self
            .conv()
            .convert(item)
            .map_err(|e| conv_error(path, e).wrap(outer.clone()))?;
        let name = match node {
            Node::Ext(name, Ext::Callback(cb)) => {
                return Ok(Arc::new(CallbackFilter::new(name, move |r| cb(r))));
            }
            Node::Json(Value::String(s)) => s,
            Node::Ext(name, _) => {
                return Err(ConfigError::new(
                    ErrorKind::Invalid,
                    path,
                    format!("'ext://{name}' is not a filter or a callback"),
                )
                .wrap(outer)
                .into())
            }
            Node::Json(other) => {
                return Err(ConfigError::new(
                    ErrorKind::Schema,
                    path,
                    format!("expected a filter id, not {}", describe(&other)),
                )
                .wrap(outer)
                .into())
            }
        };
        match self.filters.get(&name) {
            Some(Some(f)) => return Ok(f.clone()),
            Some(None) => return Err(Fail::Dependency),
            None => {}
        }
        if let Some(cb) = self.registry.callback(&name) {
            let cb = cb.clone();
            return Ok(Arc::new(CallbackFilter::new(name, move |r| cb(r))));
        }
        let hint = did_you_mean(&name, self.filters.keys().map(String::as_str));
        Err(ConfigError::new(
            ErrorKind::Reference,
            path,
            format!("unknown filter {}{hint}", py_repr(&name)),
        )
        .wrap(format!("Unable to add filter {}", py_repr(&name)))
        .into())
    }

    fn filter_list(&mut self, path: &KeyPath, v: &Value) -> Result<Vec<Arc<dyn Filter>>, Fail> {
        let list = match self.shallow(path, v)? {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => {
                return Err(ConfigError::new(
                    ErrorKind::Schema,
                    path,
                    format!("expected a list of filter ids, not {}", describe(&other)),
                )
                .into())
            }
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            out.push(self.list_filter(&path.index(i), item)?);
        }
        Ok(out)
    }

    fn build_handler(&mut self, id: &str) -> Result<Arc<HandlerCell>, ArgError> {
        match self.handler_state.get(id) {
            Some(HState::Built(h)) => return Ok(h.clone()),
            Some(HState::Failed) => return Err(ArgError::new(ErrorKind::Reference, None, "")),
            Some(HState::Building) => {
                let start = self.building.iter().position(|b| b == id).unwrap_or(0);
                let mut cycle: Vec<String> =
                    self.building[start..].iter().map(|s| py_repr(s)).collect();
                cycle.push(py_repr(id));
                return Err(ArgError::new(
                    ErrorKind::Reference,
                    None,
                    format!("handlers refer to each other: {}", cycle.join(" -> ")),
                ));
            }
            Some(HState::Pending) => {}
            None => {
                let hint = did_you_mean(id, self.handler_cfgs.keys().map(String::as_str));
                return Err(ArgError::new(
                    ErrorKind::Reference,
                    None,
                    format!("unknown handler {}{hint}", py_repr(id)),
                ));
            }
        }
        self.handler_state.insert(id.to_owned(), HState::Building);
        self.building.push(id.to_owned());
        let made = self.make_handler(id);
        self.building.pop();
        match made {
            Ok(cell) => {
                self.handler_state
                    .insert(id.to_owned(), HState::Built(cell.clone()));
                self.built.push(cell.clone());
                Ok(cell)
            }
            Err(fail) => {
                self.handler_state.insert(id.to_owned(), HState::Failed);
                if let Fail::Error(e) = fail {
                    self.errors
                        .push(e.wrap(format!("Unable to configure handler {}", py_repr(id))));
                }
                Err(ArgError::new(ErrorKind::Reference, None, ""))
            }
        }
    }

    fn make_handler(&mut self, id: &str) -> Result<Arc<HandlerCell>, Fail> {
        let base = KeyPath::of(&["handlers", id]);
        let raw = self.handler_cfgs.get(id).cloned().unwrap_or(Value::Null);
        let cfg = self.table(&base, &raw)?;
        // the class first: its errors are reported even when a formatter or
        // filter this handler names has failed
        let (name_key, raw_name) = match (cfg.get("()"), cfg.get("class")) {
            (Some(f), _) => ("()", f),
            (None, Some(c)) => ("class", c),
            (None, None) => {
                return Err(ConfigError::new(
                    ErrorKind::Schema,
                    &base,
                    "missing 'class' (the handler class, such as 'logging.StreamHandler')",
                )
                .into())
            }
        };
        let name = self.factory_name(&base.join(name_key), raw_name)?;
        let found = self.registry.handlers.get(&name).cloned();
        let found = found.or_else(|| self.stand_in(&base.join(name_key), &name, standin::handler));
        let Some(entry) = found else {
            let hint = did_you_mean(&name, self.registry.handler_names());
            return Err(ConfigError::new(
                ErrorKind::Resolve,
                &base.join(name_key),
                format!(
                    "Cannot resolve {}: not a registered handler class{hint}",
                    py_repr(&name)
                ),
            )
            .into());
        };
        // formatter
        let mut formatter = None;
        if let Some(v) = cfg.get("formatter") {
            let path = base.join("formatter");
            let fv = self.shallow(&path, v)?;
            if truthy(&fv) {
                let outer = format!("Unable to set formatter {}", describe(&fv));
                let Value::String(fid) = fv else {
                    return Err(ConfigError::new(
                        ErrorKind::Schema,
                        &path,
                        "expected a formatter id",
                    )
                    .wrap(outer)
                    .into());
                };
                match self.formatters.get(&fid) {
                    Some(Some(f)) => formatter = Some(f.clone()),
                    Some(None) => return Err(Fail::Dependency),
                    None => {
                        let hint = did_you_mean(&fid, self.formatters.keys().map(String::as_str));
                        return Err(ConfigError::new(
                            ErrorKind::Reference,
                            &path,
                            format!("unknown formatter {}{hint}", py_repr(&fid)),
                        )
                        .wrap(outer)
                        .into());
                    }
                }
            }
        }
        // level
        let mut level = None;
        if let Some(v) = cfg.get("level") {
            let path = base.join("level");
            let lv = self
                .conv()
                .convert_json(v)
                .map_err(|e| conv_error(&path, e))?;
            if !lv.is_null() {
                level = Some(
                    check_level(&lv).map_err(|m| ConfigError::new(ErrorKind::Invalid, &path, m))?,
                );
            }
        }
        // filters
        let mut filters = Vec::new();
        if let Some(v) = cfg.get("filters") {
            filters = self.filter_list(&base.join("filters"), v)?;
        }
        let skip = ["()", "class", "formatter", "level", "filters"];
        let (kwargs, attrs) = self.custom_args(&base, &cfg, &skip)?;
        let factory = entry.factory.clone();
        let handler = match self.run("handlers", id, &name, kwargs, attrs, &*factory) {
            Ok(h) => h,
            Err(e) => {
                if e.downcast_ref::<ArgError>()
                    .is_some_and(is_dependency_failure)
                {
                    return Err(Fail::Dependency);
                }
                return Err(factory_error(&base, e, &|k| k.to_owned()).into());
            }
        };
        let mut b = HandlerCell::builder_boxed(handler).name(id);
        if let Some(f) = formatter {
            b = b.formatter(f);
        }
        if let Some(l) = level {
            b = b.level(l);
        }
        for f in filters {
            b = b.filter(f);
        }
        Ok(b.build())
    }

    fn logger_spec(
        &mut self,
        name: &str,
        v: &Value,
        incremental: bool,
        is_root: bool,
    ) -> Option<LoggerSpec> {
        let outer = if is_root {
            "Unable to configure root logger".to_owned()
        } else {
            format!("Unable to configure logger {}", py_repr(name))
        };
        let base = if is_root {
            KeyPath::of(&["root"])
        } else {
            KeyPath::of(&["loggers", name])
        };
        match self.logger_spec_inner(name, &base, v, incremental, is_root) {
            Ok(s) => Some(s),
            Err(Fail::Dependency) => None,
            Err(Fail::Error(e)) => {
                self.errors.push(e.wrap(outer));
                None
            }
        }
    }

    fn logger_spec_inner(
        &mut self,
        name: &str,
        base: &KeyPath,
        v: &Value,
        incremental: bool,
        is_root: bool,
    ) -> Result<LoggerSpec, Fail> {
        let cfg = self.table(base, v)?;
        let mut spec = LoggerSpec {
            name: name.to_owned(),
            level: None,
            propagate: None,
            handlers: Vec::new(),
            filters: Vec::new(),
        };
        for (k, item) in &cfg {
            let path = base.join(k);
            match k.as_str() {
                "level" => {
                    let lv = self
                        .conv()
                        .convert_json(item)
                        .map_err(|e| conv_error(&path, e))?;
                    if !lv.is_null() {
                        spec.level = Some(
                            check_level(&lv)
                                .map_err(|m| ConfigError::new(ErrorKind::Invalid, &path, m))?,
                        );
                    }
                }
                "propagate" if is_root => {
                    self.warn(
                        &path,
                        "the root logger has no parent to propagate to; ignored",
                    );
                }
                "propagate" => match self.shallow(&path, item)? {
                    Value::Null => {}
                    Value::Bool(b) => spec.propagate = Some(b),
                    Value::Number(n) if n.is_i64() || n.is_u64() => {
                        spec.propagate = Some(n.as_f64() != Some(0.0))
                    }
                    other => {
                        return Err(ConfigError::new(
                            ErrorKind::Invalid,
                            &path,
                            format!(
                                "'propagate' must be true or false, not {}",
                                describe(&other)
                            ),
                        )
                        .into())
                    }
                },
                "handlers" | "filters" if incremental => {
                    self.warn(
                        &path,
                        format!("{} is ignored by an incremental configuration", py_repr(k)),
                    );
                }
                "handlers" => {
                    let ids = match self.shallow(&path, item)? {
                        Value::Array(items) => items,
                        Value::Null => Vec::new(),
                        other => {
                            return Err(ConfigError::new(
                                ErrorKind::Schema,
                                &path,
                                format!("expected a list of handler ids, not {}", describe(&other)),
                            )
                            .into())
                        }
                    };
                    for (i, hv) in ids.iter().enumerate() {
                        let hpath = path.index(i);
                        let outer = format!("Unable to add handler {}", describe(hv));
                        let hid = match self.shallow(&hpath, hv)? {
                            Value::String(s) => s,
                            other => {
                                return Err(ConfigError::new(
                                    ErrorKind::Schema,
                                    &hpath,
                                    format!("expected a handler id, not {}", describe(&other)),
                                )
                                .wrap(outer)
                                .into())
                            }
                        };
                        match self.handler_state.get(&hid) {
                            Some(HState::Built(h)) => spec.handlers.push(h.clone()),
                            Some(_) => return Err(Fail::Dependency),
                            None => {
                                let hint = did_you_mean(
                                    &hid,
                                    self.handler_cfgs.keys().map(String::as_str),
                                );
                                return Err(ConfigError::new(
                                    ErrorKind::Reference,
                                    &hpath,
                                    format!("unknown handler {}{hint}", py_repr(&hid)),
                                )
                                .wrap(outer)
                                .into());
                            }
                        }
                    }
                }
                "filters" => spec.filters = self.filter_list(&path, item)?,
                other => {
                    let hint = did_you_mean(other, ["level", "propagate", "handlers", "filters"]);
                    self.warn(
                        &path,
                        format!("{} is not read for a logger; ignored{hint}", py_repr(other)),
                    );
                }
            }
        }
        Ok(spec)
    }
}

impl Ctx for Builder<'_> {
    fn converter(&self) -> Converter<'_> {
        self.conv()
    }

    fn registry(&self) -> &Registry {
        self.registry
    }

    fn handler(&mut self, id: &str) -> Result<Arc<HandlerCell>, ArgError> {
        self.build_handler(id)
    }

    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn shared(&mut self) -> &mut HashMap<TypeId, Arc<dyn Any + Send + Sync>> {
        &mut self.shared
    }

    fn dry_run(&self) -> bool {
        self.dry_run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_truth() {
        assert!(valid_ident("maxBytes"));
        assert!(valid_ident("_x1"));
        assert!(!valid_ident("1x"));
        assert!(!valid_ident("a-b"));
        assert!(!valid_ident(""));
        assert!(truthy(&serde_json::json!("NOTSET")));
        assert!(!truthy(&serde_json::json!(0)));
        assert!(!truthy(&serde_json::json!({})));
    }
}

//! [`Args`]: what a factory sees of its component's configuration, and
//! [`Settings`], the top-level `settings` table.
//!
//! Python calls `factory(**kwargs)`, and the factory's signature refuses a keyword
//! it does not know. Rust factories read their arguments through typed getters
//! instead; [`Args`] remembers every key read, and the loader refuses any key left
//! over with Python's `unexpected keyword argument 'x'` (plus a suggestion among
//! the keys the factory asked for). `null` is Python's `None`: the same as absent
//! for every getter.
//!
//! Values are converted when read (`ext://`, `cfg://`, `env://`), as Python's
//! `ConvertingDict` does; values under `"."` are not, as in Python.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use logtree_core::{HandlerCell, Level};
use serde_json::{Map, Value};

use crate::convert::{py_repr, ConvError, Converter, Node};
use crate::error::{ArgError, ErrorKind};
use crate::registry::{Callback, Ext, Registry};
use crate::suggest::did_you_mean;

/// What the loader gives [`Args`] access to while it builds one configuration.
pub(crate) trait Ctx {
    fn converter(&self) -> Converter<'_>;
    fn registry(&self) -> &Registry;
    fn handler(&mut self, id: &str) -> Result<Arc<HandlerCell>, ArgError>;
    fn settings(&self) -> &Settings;
    fn shared(&mut self) -> &mut HashMap<TypeId, Arc<dyn Any + Send + Sync>>;
    fn dry_run(&self) -> bool;
}

#[derive(Debug)]
struct Arg {
    key: String,
    value: Value,
    used: bool,
}

/// The keyword arguments of one component, for its factory.
///
/// Every getter returns `Ok(None)` for an absent key or `null`, an [`ArgError`]
/// naming the key for a value of the wrong type, and marks the key as read.
///
/// ```
/// use std::sync::Arc;
/// use logtree_config::{Args, Config, Registry};
/// use logtree_core::{Manager, NullHandler};
/// let mut registry = Registry::stock();
/// registry.add_handler(&["myapp.Sink"], |args: &mut Args<'_>| {
///     let capacity = args.uint("capacity")?.unwrap_or(100);
///     let label = args.require_str("label")?;
///     if capacity == 0 {
///         return Err(args.error("capacity", "must be at least 1").into());
///     }
///     # let _ = label;
///     Ok(Box::new(NullHandler))
/// });
/// let config = Config::from_json_str(r#"{"version": 1, "handlers":
///     {"s": {"class": "myapp.Sink", "capacity": 5, "label": "audit"}}}"#).unwrap();
/// config.apply(&Manager::new(), &registry).unwrap();
///
/// let bad = Config::from_json_str(r#"{"version": 1, "handlers":
///     {"s": {"class": "myapp.Sink", "label": "audit", "capacty": 5}}}"#).unwrap();
/// let err = bad.apply(&Manager::new(), &registry).unwrap_err();
/// assert_eq!(err.path(), "handlers.s.capacty");
/// assert!(format!("{err:#}").ends_with(
///     "unexpected keyword argument 'capacty'; did you mean 'capacity'?"));
/// ```
pub struct Args<'a> {
    ctx: &'a mut (dyn Ctx + 'a),
    section: &'static str,
    id: String,
    class: String,
    kwargs: Vec<Arg>,
    attrs: Vec<Arg>,
    asked: Vec<String>,
}

impl fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Args")
            .field("section", &self.section)
            .field("id", &self.id)
            .field("class", &self.class)
            .field("kwargs", &self.kwargs)
            .field("attrs", &self.attrs)
            .finish()
    }
}

/// A short description of a JSON value for messages, as Python would show it.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let r = py_repr(s);
            if r.chars().count() > 60 {
                let cut: String = r.chars().take(57).collect();
                format!("{cut}...")
            } else {
                r
            }
        }
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a table".to_owned(),
    }
}

/// Python's `logging._checkLevel`: an integer, or a registered level name
/// (case-sensitive).
pub(crate) fn check_level(v: &Value) -> Result<Level, String> {
    match v {
        Value::Bool(b) => Ok(Level::new(u32::from(*b))),
        Value::Number(n) => match n.as_u64() {
            Some(i) if i <= u64::from(u32::MAX) => Ok(Level::new(i as u32)),
            _ if n.is_i64() || n.is_u64() => Err(format!("Unknown level: {n}")),
            _ => Err(format!("Level not an integer or a valid string: {n}")),
        },
        Value::String(s) => Level::from_name(s).ok_or_else(|| {
            let hint = did_you_mean(
                s,
                ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET"],
            );
            format!("Unknown level: {}{hint}", py_repr(s))
        }),
        other => Err(format!(
            "Level not an integer or a valid string: {}",
            describe(other)
        )),
    }
}

fn conv_err(key: &str, e: ConvError) -> ArgError {
    ArgError::new(e.kind, Some(key), e.message)
}

impl<'a> Args<'a> {
    pub(crate) fn new(
        ctx: &'a mut (dyn Ctx + 'a),
        section: &'static str,
        id: &str,
        class: &str,
        kwargs: Map<String, Value>,
        attrs: Map<String, Value>,
    ) -> Args<'a> {
        let into = |m: Map<String, Value>| {
            m.into_iter()
                .map(|(key, value)| Arg {
                    key,
                    value,
                    used: false,
                })
                .collect()
        };
        Args {
            ctx,
            section,
            id: id.to_owned(),
            class: class.to_owned(),
            kwargs: into(kwargs),
            attrs: into(attrs),
            asked: Vec::new(),
        }
    }

    /// The component's id in the configuration (`"mail_admins"`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The class or factory name the configuration used (`"logging.StreamHandler"`).
    pub fn class(&self) -> &str {
        &self.class
    }

    /// Whether this is a dry run (`logtree check`, [`crate::Config::check`]): the
    /// factory must validate its arguments without touching the outside world (no
    /// file opened or created, no connection, no thread), and return a component
    /// that will never be used for output.
    pub fn dry_run(&self) -> bool {
        self.ctx.dry_run()
    }

    /// The top-level `settings` table (Django's settings), `env://` values resolved.
    pub fn settings(&self) -> &Settings {
        self.ctx.settings()
    }

    /// One object per configuration and type `T`, made by `init` the first time any
    /// component of this configuration asks for it: all of Django's components of
    /// one configuration share one settings object this way.
    pub fn shared<T, E>(
        &mut self,
        init: impl FnOnce(&Settings) -> Result<T, E>,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
    {
        let id = TypeId::of::<T>();
        if let Some(v) = self.ctx.shared().get(&id) {
            if let Ok(t) = v.clone().downcast::<T>() {
                return Ok(t);
            }
        }
        let made = Arc::new(init(self.ctx.settings())?);
        self.ctx.shared().insert(id, made.clone());
        Ok(made)
    }

    /// An error about `key` (shown with the key's path).
    pub fn error(&self, key: &str, message: impl Into<String>) -> ArgError {
        ArgError::invalid(Some(key), message)
    }

    /// Every keyword argument's key, read or not, in the order written.
    pub fn keys(&self) -> Vec<String> {
        self.kwargs.iter().map(|a| a.key.clone()).collect()
    }

    /// Whether `key` is given (even as `null`). Does not mark it as read.
    pub fn has(&self, key: &str) -> bool {
        self.kwargs.iter().any(|a| a.key == key)
    }

    /// Marks `key` as read without reading it (an argument accepted and ignored).
    pub fn ignore(&mut self, key: &str) {
        let _ = self.raw(key);
    }

    /// Marks every argument and attribute as read (stand-ins).
    pub(crate) fn ignore_all(&mut self) {
        for a in self.kwargs.iter_mut().chain(self.attrs.iter_mut()) {
            a.used = true;
        }
    }

    fn raw(&mut self, key: &str) -> Option<Value> {
        if !self.asked.iter().any(|k| k == key) {
            self.asked.push(key.to_owned());
        }
        let a = self.kwargs.iter_mut().find(|a| a.key == key)?;
        a.used = true;
        Some(a.value.clone())
    }

    fn node(&mut self, key: &str) -> Result<Option<Node>, ArgError> {
        let Some(v) = self.raw(key) else {
            return Ok(None);
        };
        let node = self
            .ctx
            .converter()
            .convert(&v)
            .map_err(|e| conv_err(key, e))?;
        Ok(match node {
            Node::Json(Value::Null) => None,
            n => Some(n),
        })
    }

    fn json(&mut self, key: &str) -> Result<Option<Value>, ArgError> {
        match self.node(key)? {
            None => Ok(None),
            Some(Node::Json(v)) => Ok(Some(v)),
            Some(Node::Ext(name, _)) => {
                Err(self.error(key, format!("'ext://{name}' is an object, not a value")))
            }
        }
    }

    fn wrong(&self, key: &str, what: &str, v: &Value) -> ArgError {
        self.error(
            key,
            format!("{} must be {what}, not {}", py_repr(key), describe(v)),
        )
    }

    /// The value, converted, as JSON (tables and lists converted inside).
    pub fn value(&mut self, key: &str) -> Result<Option<Value>, ArgError> {
        self.json(key)
    }

    /// The value as an [`Ext`]: an `ext://` object or callback, or plain data.
    pub fn ext(&mut self, key: &str) -> Result<Option<Ext>, ArgError> {
        Ok(self.node(key)?.map(|n| match n {
            Node::Json(v) => Ext::Value(v),
            Node::Ext(_, e) => e,
        }))
    }

    /// A string.
    pub fn str(&mut self, key: &str) -> Result<Option<String>, ArgError> {
        match self.json(key)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(key, "a string", &v)),
        }
    }

    /// A string that must be given (`missing required argument 'filename'`).
    pub fn require_str(&mut self, key: &str) -> Result<String, ArgError> {
        match self.str(key)? {
            Some(s) => Ok(s),
            None => Err(self.missing(key)),
        }
    }

    /// The error for a required argument that is absent.
    pub fn missing(&self, key: &str) -> ArgError {
        ArgError::invalid(None, format!("missing required argument {}", py_repr(key)))
    }

    /// A boolean (`true`/`false`; integers count by truth, as in Python).
    pub fn bool(&mut self, key: &str) -> Result<Option<bool>, ArgError> {
        match self.json(key)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.as_f64() != Some(0.0))),
            Some(v) => Err(self.wrong(key, "true or false", &v)),
        }
    }

    /// An integer (a float with no fractional part is accepted).
    pub fn int(&mut self, key: &str) -> Result<Option<i64>, ArgError> {
        match self.json(key)? {
            None => Ok(None),
            Some(Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    return Ok(Some(i));
                }
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                    _ => Err(self.wrong(key, "an integer", &Value::Number(n))),
                }
            }
            Some(v) => Err(self.wrong(key, "an integer", &v)),
        }
    }

    /// An integer that is not negative.
    pub fn uint(&mut self, key: &str) -> Result<Option<u64>, ArgError> {
        if let Some(Value::Number(n)) = self.kwargs.iter().find(|a| a.key == key).map(|a| &a.value)
        {
            if let Some(u) = n.as_u64() {
                self.raw(key);
                return Ok(Some(u));
            }
        }
        match self.int(key)? {
            None => Ok(None),
            Some(i) if i >= 0 => Ok(Some(i as u64)),
            Some(i) => Err(self.error(
                key,
                format!("{} must not be negative, not {i}", py_repr(key)),
            )),
        }
    }

    /// A number.
    pub fn float(&mut self, key: &str) -> Result<Option<f64>, ArgError> {
        match self.json(key)? {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(v) => Err(self.wrong(key, "a number", &v)),
        }
    }

    /// A level, as Python's `_checkLevel` reads it: an integer, or a registered name
    /// (`"INFO"`; `"info"` is refused).
    pub fn level(&mut self, key: &str) -> Result<Option<Level>, ArgError> {
        match self.json(key)? {
            None => Ok(None),
            Some(v) => check_level(&v).map(Some).map_err(|m| self.error(key, m)),
        }
    }

    /// A list of strings.
    pub fn str_list(&mut self, key: &str) -> Result<Option<Vec<String>>, ArgError> {
        match self.json(key)? {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    match v {
                        Value::String(s) => out.push(s),
                        other => return Err(self.wrong(key, "a list of strings", &other)),
                    }
                }
                Ok(Some(out))
            }
            Some(v) => Err(self.wrong(key, "a list of strings", &v)),
        }
    }

    /// An `ext://` object of type `T` (registered with
    /// [`Registry::add_ext_object`]).
    pub fn object<T: Any + Send + Sync>(&mut self, key: &str) -> Result<Option<Arc<T>>, ArgError> {
        match self.node(key)? {
            None => Ok(None),
            Some(Node::Ext(name, Ext::Object(o))) => match o.downcast::<T>() {
                Ok(t) => Ok(Some(t)),
                Err(_) => Err(self.error(
                    key,
                    format!("'ext://{name}' cannot be used as {}", py_repr(key)),
                )),
            },
            Some(Node::Ext(name, _)) => Err(self.error(
                key,
                format!("'ext://{name}' cannot be used as {}", py_repr(key)),
            )),
            Some(Node::Json(v)) => Err(self.wrong(key, "an ext:// object", &v)),
        }
    }

    /// A callback: a registered callback's name, or an `ext://` reference to one.
    pub fn callback(&mut self, key: &str) -> Result<Option<Callback>, ArgError> {
        match self.node(key)? {
            None => Ok(None),
            Some(Node::Ext(_, Ext::Callback(cb))) => Ok(Some(cb)),
            Some(Node::Ext(name, _)) => {
                Err(self.error(key, format!("'ext://{name}' is not a callback")))
            }
            Some(Node::Json(Value::String(name))) => match self.ctx.registry().callback(&name) {
                Some(cb) => Ok(Some(cb.clone())),
                None => {
                    let hint = did_you_mean(
                        &name,
                        self.ctx.registry().callbacks.keys().map(String::as_str),
                    );
                    Err(ArgError::new(
                        ErrorKind::Resolve,
                        Some(key),
                        format!(
                            "Cannot resolve {}: not a registered callback{hint}",
                            py_repr(&name)
                        ),
                    ))
                }
            },
            Some(Node::Json(v)) => Err(self.wrong(key, "the name of a callback", &v)),
        }
    }

    /// Another handler of the same configuration, by id (a memory handler's
    /// `target`). It is built first if it has not been yet; a handler that refers
    /// back to this one is refused as a cycle.
    pub fn handler(&mut self, key: &str) -> Result<Option<Arc<HandlerCell>>, ArgError> {
        let Some(id) = self.str(key)? else {
            return Ok(None);
        };
        self.resolve_handler(key, &id).map(Some)
    }

    /// A list of other handlers of the same configuration, by id (a queue
    /// handler's `handlers`).
    pub fn handlers(&mut self, key: &str) -> Result<Option<Vec<Arc<HandlerCell>>>, ArgError> {
        let Some(ids) = self.str_list(key)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.resolve_handler(key, &id)?);
        }
        Ok(Some(out))
    }

    fn resolve_handler(&mut self, key: &str, id: &str) -> Result<Arc<HandlerCell>, ArgError> {
        let outer = if key == "target" {
            format!("Unable to set target handler {}", py_repr(id))
        } else {
            format!("Unable to set required handler {}", py_repr(id))
        };
        self.ctx.handler(id).map_err(|mut e| {
            e.key = Some(key.to_owned());
            e.with_outer(outer)
        })
    }

    fn attr(&mut self, name: &str) -> Option<Value> {
        let a = self.attrs.iter_mut().find(|a| a.key == name)?;
        a.used = true;
        match &a.value {
            Value::Null => None,
            v => Some(v.clone()),
        }
    }

    /// An attribute set with `"."` (not converted, as in Python), as raw JSON.
    pub fn attr_value(&mut self, name: &str) -> Option<Value> {
        self.attr(name)
    }

    /// A string attribute set with `"."` (`{".": {"terminator": "\r\n"}}`).
    pub fn attr_str(&mut self, name: &str) -> Result<Option<String>, ArgError> {
        match self.attr(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(ArgError::invalid(
                Some("."),
                format!(
                    "attribute {} must be a string, not {}",
                    py_repr(name),
                    describe(&v)
                ),
            )),
        }
    }

    /// A boolean attribute set with `"."`.
    pub fn attr_bool(&mut self, name: &str) -> Result<Option<bool>, ArgError> {
        match self.attr(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(v) => Err(ArgError::invalid(
                Some("."),
                format!(
                    "attribute {} must be true or false, not {}",
                    py_repr(name),
                    describe(&v)
                ),
            )),
        }
    }

    /// Refuses what the factory did not read: Python's `unexpected keyword
    /// argument`, and attributes the component does not have.
    pub(crate) fn finish(&self) -> Result<(), ArgError> {
        if let Some(a) = self.kwargs.iter().find(|a| !a.used) {
            let hint = did_you_mean(&a.key, self.asked.iter().map(String::as_str));
            return Err(ArgError::invalid(
                Some(&a.key),
                format!("unexpected keyword argument {}{hint}", py_repr(&a.key)),
            ));
        }
        if let Some(a) = self.attrs.iter().find(|a| !a.used) {
            return Err(ArgError::invalid(
                Some("."),
                format!(
                    "{} has no attribute {} that a configuration can set",
                    self.class,
                    py_repr(&a.key)
                ),
            ));
        }
        Ok(())
    }
}

/// The top-level `settings` table: what Django keeps in its settings (`debug`,
/// `admins`, `server_email`, ...), with `env://`, `cfg://` and `ext://` values
/// resolved. Components that need it read it through [`Args::settings`].
///
/// ```
/// use logtree_config::Settings;
/// let s = Settings::from_value(serde_json::json!({"debug": true, "admins": [["Ops", "ops@example.com"]]})).unwrap();
/// assert_eq!(s.bool("debug").unwrap(), Some(true));
/// assert_eq!(s.str("server_email").unwrap(), None);
/// assert!(s.str("debug").is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    map: Map<String, Value>,
}

impl Settings {
    /// Settings from a JSON table (`None` when `value` is not a table).
    pub fn from_value(value: Value) -> Option<Settings> {
        match value {
            Value::Object(map) => Some(Settings { map }),
            _ => None,
        }
    }

    /// The setting `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Every setting, in the order written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether there is no setting.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The settings as a JSON table.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    fn wrong(key: &str, what: &str, v: &Value) -> ArgError {
        ArgError::setting(
            key,
            format!(
                "setting {} must be {what}, not {}",
                py_repr(key),
                describe(v)
            ),
        )
    }

    /// A string setting (`null` counts as absent).
    pub fn str(&self, key: &str) -> Result<Option<&str>, ArgError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(Self::wrong(key, "a string", v)),
        }
    }

    /// A boolean setting.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ArgError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(Self::wrong(key, "true or false", v)),
        }
    }

    /// A non-negative integer setting.
    pub fn uint(&self, key: &str) -> Result<Option<u64>, ArgError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(v) => Err(Self::wrong(key, "a non-negative integer", v)),
        }
    }

    /// A number setting.
    pub fn float(&self, key: &str) -> Result<Option<f64>, ArgError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(v) => Err(Self::wrong(key, "a number", v)),
        }
    }

    /// A list-of-strings setting.
    pub fn str_list(&self, key: &str) -> Result<Option<Vec<&str>>, ArgError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| Self::wrong(key, "a list of strings", v))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(Self::wrong(key, "a list of strings", v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct TestCtx {
        registry: Registry,
        root: Map<String, Value>,
        settings: Settings,
        shared: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    impl Ctx for TestCtx {
        fn converter(&self) -> Converter<'_> {
            Converter {
                root: &self.root,
                registry: &self.registry,
                env: &no_env,
            }
        }
        fn registry(&self) -> &Registry {
            &self.registry
        }
        fn handler(&mut self, id: &str) -> Result<Arc<HandlerCell>, ArgError> {
            Err(ArgError::new(
                ErrorKind::Reference,
                None,
                format!("unknown handler {}", py_repr(id)),
            ))
        }
        fn settings(&self) -> &Settings {
            &self.settings
        }
        fn shared(&mut self) -> &mut HashMap<TypeId, Arc<dyn Any + Send + Sync>> {
            &mut self.shared
        }
        fn dry_run(&self) -> bool {
            true
        }
    }

    fn ctx() -> TestCtx {
        let mut registry = Registry::new();
        registry.add_callback("cb", |_: &logtree_core::LogRecord<'_>| true);
        registry.add_ext_object("sys.stdout", Arc::new(crate::StdStream::Stdout));
        TestCtx {
            registry,
            root: Map::new(),
            settings: Settings::from_value(json!({"debug": true})).unwrap(),
            shared: HashMap::new(),
        }
    }

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn typed_getters_and_leftovers() {
        let mut c = ctx();
        let mut a = Args::new(
            &mut c,
            "handlers",
            "h",
            "x",
            map(
                json!({"s": "text", "n": 3, "f": 2.0, "b": true, "none": null, "lvl": "INFO",
                       "list": ["a", "b"], "extra": 1, "neg": -1, "cb": "cb", "out": "ext://sys.stdout"}),
            ),
            map(json!({"terminator": "\r\n"})),
        );
        assert_eq!(a.str("s").unwrap().as_deref(), Some("text"));
        assert_eq!(a.int("n").unwrap(), Some(3));
        assert_eq!(a.uint("f").unwrap(), Some(2));
        assert_eq!(a.bool("b").unwrap(), Some(true));
        assert_eq!(a.str("none").unwrap(), None);
        assert_eq!(a.str("absent").unwrap(), None);
        assert_eq!(a.level("lvl").unwrap(), Some(Level::INFO));
        assert_eq!(a.str_list("list").unwrap().unwrap(), ["a", "b"]);
        assert_eq!(
            a.uint("neg").unwrap_err().to_string(),
            "'neg' must not be negative, not -1"
        );
        assert!(a.callback("cb").unwrap().is_some());
        assert_eq!(
            *a.object::<crate::StdStream>("out").unwrap().unwrap(),
            crate::StdStream::Stdout
        );
        assert_eq!(a.attr_str("terminator").unwrap().as_deref(), Some("\r\n"));
        let e = a.finish().unwrap_err();
        assert_eq!(e.key(), Some("extra"));
        assert_eq!(e.to_string(), "unexpected keyword argument 'extra'");
        a.ignore("extra");
        a.finish().unwrap();
        assert!(a.dry_run());
        let shared1 = a
            .shared(|s| Ok::<_, ()>(s.bool("debug").unwrap() == Some(true)))
            .unwrap();
        let shared2 = a.shared(|_| Ok::<_, ()>(false)).unwrap();
        assert!(Arc::ptr_eq(&shared1, &shared2));
        assert!(*shared2);
    }

    #[test]
    fn wrong_types_name_the_key() {
        let mut c = ctx();
        let mut a = Args::new(
            &mut c,
            "handlers",
            "h",
            "x",
            map(json!({"s": 5, "b": "yes", "l": "info", "cb": "nope", "o": "plain", "h": "ghost"})),
            Map::new(),
        );
        assert_eq!(
            a.str("s").unwrap_err().to_string(),
            "'s' must be a string, not 5"
        );
        assert_eq!(
            a.bool("b").unwrap_err().to_string(),
            "'b' must be true or false, not 'yes'"
        );
        assert_eq!(
            a.level("l").unwrap_err().to_string(),
            "Unknown level: 'info'; did you mean 'INFO'?"
        );
        assert_eq!(
            a.callback("cb").err().unwrap().to_string(),
            "Cannot resolve 'nope': not a registered callback"
        );
        assert_eq!(
            a.object::<crate::StdStream>("o").unwrap_err().to_string(),
            "'o' must be an ext:// object, not 'plain'"
        );
        let e = a.handler("h").unwrap_err();
        assert_eq!(e.key(), Some("h"));
        assert_eq!(
            e.outer.as_deref(),
            Some("Unable to set required handler 'ghost'")
        );
        assert_eq!(
            a.require_str("filename").unwrap_err().to_string(),
            "missing required argument 'filename'"
        );
    }

    #[test]
    fn python_check_level() {
        assert_eq!(check_level(&json!(25)), Ok(Level::new(25)));
        assert_eq!(check_level(&json!("WARN")), Ok(Level::WARNING));
        assert_eq!(check_level(&json!(true)), Ok(Level::new(1)));
        assert_eq!(
            check_level(&json!("20")),
            Err("Unknown level: '20'".to_owned())
        );
        assert_eq!(check_level(&json!(-1)), Err("Unknown level: -1".to_owned()));
        assert_eq!(
            check_level(&json!(1.5)),
            Err("Level not an integer or a valid string: 1.5".to_owned())
        );
        assert_eq!(
            check_level(&json!([1])),
            Err("Level not an integer or a valid string: a list".to_owned())
        );
    }
}

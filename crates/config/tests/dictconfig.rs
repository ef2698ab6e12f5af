//! `dictConfig` semantics through the public API: what a configuration does to a
//! logger tree, what it refuses and how it says so, and that a refused
//! configuration changes nothing.
//!
//! Output is captured by a test handler (`capture`) registered beside the stock
//! components; every expectation was checked against CPython 3.11.

use std::io;
use std::sync::Arc;

use logtree_config::{Args, Config, ErrorKind, Registry};
use logtree_core::{Handler, Level, LogRecord, Manager};
use parking_lot::Mutex;
use serde_json::json;

type Lines = Arc<Mutex<Vec<String>>>;

struct Capture {
    tag: String,
    lines: Lines,
}

impl Handler for Capture {
    fn emit(&self, r: &LogRecord<'_>, text: &str) -> io::Result<()> {
        self.lines
            .lock()
            .push(format!("{}:{}:{}", self.tag, r.name, text));
        Ok(())
    }
    fn class_name(&self) -> &'static str {
        "Capture"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The stock registry plus `capture` (keyword `tag`, default the handler id).
fn registry(lines: &Lines) -> Registry {
    let mut r = Registry::stock();
    let l = lines.clone();
    r.add_handler(&["test.Capture", "capture"], move |args: &mut Args<'_>| {
        let tag = args.str("tag")?.unwrap_or_else(|| args.id().to_owned());
        Ok(Box::new(Capture {
            tag,
            lines: l.clone(),
        }))
    });
    r
}

fn log(m: &Manager, name: &str, level: Level, msg: &str) {
    let logger = m.get_logger(name);
    logger.handle(&LogRecord::new(logger.name(), level, msg));
}

fn take(lines: &Lines) -> Vec<String> {
    std::mem::take(&mut *lines.lock())
}

fn apply(
    m: &Manager,
    r: &Registry,
    v: serde_json::Value,
) -> Result<(), logtree_config::ConfigError> {
    Config::from_value(v)?.apply(m, r).map(|_| ())
}

#[test]
fn loggers_handlers_levels_and_propagation() {
    let lines = Lines::default();
    let r = registry(&lines);
    let m = Manager::new();
    apply(
        &m,
        &r,
        json!({"version": 1,
               "handlers": {"all": {"class": "capture"}, "errors": {"class": "capture", "level": "ERROR"}},
               "loggers": {"app": {"level": "DEBUG", "handlers": ["errors"]},
                           "app.quiet": {"propagate": false, "handlers": ["all"]}},
               "root": {"level": "WARNING", "handlers": ["all"]}}),
    )
    .unwrap();
    log(&m, "app.db", Level::DEBUG, "debug");
    log(&m, "app.db", Level::ERROR, "error");
    log(&m, "app.quiet", Level::INFO, "quiet");
    log(&m, "other", Level::INFO, "dropped by root level");
    assert_eq!(
        take(&lines),
        [
            "all:app.db:debug",
            "errors:app.db:error",
            "all:app.db:error",
            "all:app.quiet:quiet"
        ]
    );
}

#[test]
fn disable_existing_loggers_and_children_of_named_loggers() {
    let lines = Lines::default();
    let r = registry(&lines);
    let m = Manager::new();
    for n in ["foo.bar", "foo.bar.baz", "other", "other.x", "fooz"] {
        m.get_logger(n);
    }
    m.get_logger("foo.bar").set_level(Level::ERROR);
    m.get_logger("foo.bar").set_propagate(false);
    apply(
        &m,
        &r,
        json!({"version": 1, "loggers": {"foo": {"level": "INFO"}}}),
    )
    .unwrap();
    // Children of a named logger are reset and stay enabled; the rest are disabled.
    let bar = m.get_logger("foo.bar");
    assert_eq!(bar.level(), Level::NOTSET);
    assert!(bar.propagate());
    assert!(!bar.disabled());
    assert!(!m.get_logger("foo.bar.baz").disabled());
    for n in ["other", "other.x", "fooz"] {
        assert!(m.get_logger(n).disabled(), "{n}");
    }
    // disable_existing_loggers false re-enables them; naming a logger enables it.
    apply(
        &m,
        &r,
        json!({"version": 1, "disable_existing_loggers": false, "loggers": {"fooz": {}}}),
    )
    .unwrap();
    for n in ["other", "other.x", "fooz"] {
        assert!(!m.get_logger(n).disabled(), "{n}");
    }
}

#[test]
fn a_refused_configuration_changes_nothing() {
    let lines = Lines::default();
    let r = registry(&lines);
    let m = Manager::new();
    apply(
        &m,
        &r,
        json!({"version": 1, "handlers": {"h": {"class": "capture"}}, "root": {"level": "INFO", "handlers": ["h"]}}),
    )
    .unwrap();
    let before = m.root().handlers();
    let err = apply(
        &m,
        &r,
        json!({"version": 1,
               "handlers": {"new": {"class": "capture"}, "bad": {"class": "capture", "level": "LOUD"}},
               "loggers": {"x": {"level": "DEBUG"}},
               "root": {"level": "DEBUG", "handlers": ["new"]}}),
    )
    .unwrap_err();
    assert_eq!(err.path(), "handlers.bad.level");
    assert_eq!(
        format!("{err:#}"),
        "handlers.bad.level: Unable to configure handler 'bad': Unknown level: 'LOUD'"
    );
    assert_eq!(m.root().level(), Level::INFO);
    assert!(Arc::ptr_eq(&m.root().handlers()[0], &before[0]));
    assert_eq!(m.get_logger("x").level(), Level::NOTSET);
    log(&m, "a", Level::INFO, "still configured");
    assert_eq!(take(&lines), ["h:a:still configured"]);
}

#[test]
fn every_error_is_reported_in_python_order() {
    let r = registry(&Lines::default());
    let err = Config::from_value(json!({"version": 1,
        "formatters": {"f": {"()": "no.such.Formatter"}},
        "filters": {"ok": {"name": "a"}},
        "handlers": {"z": {"class": "capture", "filters": ["ok", "nope"]},
                     "a": {"class": "logging.StreamHandeler"}},
        "loggers": {"app": {"handlers": ["missing"]}},
        "root": {"level": "info"}}))
    .unwrap()
    .check(&r)
    .unwrap_err();
    let all: Vec<String> = err.errors().map(|e| format!("{e:#}")).collect();
    assert_eq!(
        all,
        [
            "formatters.f.\"()\": Unable to configure formatter 'f': Cannot resolve 'no.such.Formatter': not a registered formatter class",
            "handlers.a.class: Unable to configure handler 'a': Cannot resolve 'logging.StreamHandeler': not a registered handler class; did you mean 'logging.StreamHandler'?",
            "handlers.z.filters[1]: Unable to configure handler 'z': Unable to add filter 'nope': unknown filter 'nope'",
            "loggers.app.handlers[0]: Unable to configure logger 'app': Unable to add handler 'missing': unknown handler 'missing'",
            "root.level: Unable to configure root logger: Unknown level: 'info'; did you mean 'INFO'?",
        ]
    );
    assert_eq!(err.kind(), ErrorKind::Resolve);
}

#[test]
fn errors_carry_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logging.toml");
    std::fs::write(
        &path,
        "version = 1\n\n[handlers.console]\nclass = \"logging.StreamHandler\"\nfilters = [\"verbos\"]\n\n[filters.verbose]\nname = \"app\"\n",
    )
    .unwrap();
    let err = Config::from_path(&path)
        .unwrap()
        .check(&Registry::stock())
        .unwrap_err();
    assert_eq!(err.file(), Some(path.as_path()));
    assert_eq!(err.line(), Some(5));
    assert_eq!(
        format!("{err:#}"),
        format!(
            "{}:5: handlers.console.filters[0]: Unable to configure handler 'console': Unable to add filter 'verbos': unknown filter 'verbos'; did you mean 'verbose'?",
            path.display()
        )
    );
    // Syntax errors give the parser's line.
    std::fs::write(&path, "version = 1\n[handlers.console\n").unwrap();
    let err = Config::from_path(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax);
    assert_eq!(err.line(), Some(2));
    // A missing file names itself.
    let err = Config::from_path(dir.path().join("nope.json")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        format!("{err:#}").contains("nope.json: cannot read the configuration: No such file"),
        "{err:#}"
    );
}

#[test]
fn version_and_top_level_switches() {
    let r = Registry::stock();
    let check = |v: serde_json::Value| {
        Config::from_value(v)
            .unwrap()
            .check(&r)
            .map(|_| ())
            .map_err(|e| format!("{e:#}"))
    };
    assert_eq!(
        check(json!({})).unwrap_err(),
        "dictionary doesn't specify a version"
    );
    assert_eq!(
        check(json!({"version": 2})).unwrap_err(),
        "version: Unsupported version: 2"
    );
    assert_eq!(
        check(json!({"version": "1"})).unwrap_err(),
        "version: Unsupported version: '1'"
    );
    assert!(check(json!({"version": 1.0})).is_ok());
    assert_eq!(
        check(json!({"version": 1, "incremental": "yes"})).unwrap_err(),
        "incremental: 'incremental' must be true or false, not 'yes'"
    );
    assert_eq!(
        check(json!({"version": 1, "handlers": []})).unwrap_err(),
        "handlers: expected a table, not a list"
    );
    let err = Config::from_value(json!([1])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a configuration must be a table (a dictionary), not a list"
    );
}

#[test]
fn handler_targets_are_built_first_whatever_their_names() {
    // Python fails on a -> b -> c (one deferral pass); logtree builds targets first.
    let lines = Lines::default();
    let mut r = registry(&lines);
    r.add_handler(&["test.Forward"], |args: &mut Args<'_>| {
        let target = args
            .handler("target")?
            .ok_or_else(|| args.missing("target"))?;
        Ok(Box::new(Forward(target)))
    });
    struct Forward(Arc<logtree_core::HandlerCell>);
    impl Handler for Forward {
        fn emit(&self, r: &LogRecord<'_>, _: &str) -> io::Result<()> {
            self.0.handle(r);
            Ok(())
        }
        fn targets(&self) -> Vec<Arc<logtree_core::HandlerCell>> {
            vec![self.0.clone()]
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
    let m = Manager::new();
    let applied = Config::from_value(json!({"version": 1,
        "handlers": {"a": {"class": "test.Forward", "target": "b"},
                     "b": {"class": "test.Forward", "target": "c"},
                     "c": {"class": "capture"}},
        "root": {"handlers": ["a"]}}))
    .unwrap()
    .apply(&m, &r)
    .unwrap();
    let order: Vec<&str> = applied
        .handlers()
        .iter()
        .map(|h| h.name().unwrap())
        .collect();
    assert_eq!(order, ["c", "b", "a"]);
    log(&m, "x", Level::WARNING, "through two");
    assert_eq!(take(&lines), ["c:x:through two"]);
    // A cycle is refused, naming it; an unknown target too (Python's words).
    let err = Config::from_value(json!({"version": 1,
        "handlers": {"a": {"class": "test.Forward", "target": "b"},
                     "b": {"class": "test.Forward", "target": "a"},
                     "m": {"class": "test.Forward", "target": "ghost"}}}))
    .unwrap()
    .check(&r)
    .unwrap_err();
    let all: Vec<String> = err.errors().map(|e| format!("{e:#}")).collect();
    assert_eq!(
        all,
        [
            "handlers.b.target: Unable to configure handler 'b': Unable to set target handler 'a': handlers refer to each other: 'a' -> 'b' -> 'a'",
            "handlers.m.target: Unable to configure handler 'm': Unable to set target handler 'ghost': unknown handler 'ghost'",
        ]
    );
}

#[test]
fn configurations_cannot_run_code() {
    let r = Registry::stock();
    for (v, text) in [
        (
            json!({"version": 1, "handlers": {"h": {"()": "os.system", "command": "touch /tmp/pwned"}}}),
            "handlers.h.\"()\": Unable to configure handler 'h': Cannot resolve 'os.system': not a registered handler class",
        ),
        (
            json!({"version": 1, "handlers": {"h": {"class": "subprocess.Popen"}}}),
            "handlers.h.class: Unable to configure handler 'h': Cannot resolve 'subprocess.Popen': not a registered handler class",
        ),
        (
            json!({"version": 1, "handlers": {"h": {"class": "logging.StreamHandler", "stream": "ext://os.environ"}}}),
            "handlers.h.stream: Unable to configure handler 'h': Cannot resolve 'os.environ': not a registered ext:// name",
        ),
        (
            json!({"version": 1, "filters": {"f": {"()": "builtins.eval", "source": "1"}}}),
            "filters.f.\"()\": Unable to configure filter 'f': Cannot resolve 'builtins.eval': not a registered filter class",
        ),
    ] {
        let err = Config::from_value(v).unwrap().check(&r).unwrap_err();
        assert_eq!(format!("{err:#}"), text);
        assert_eq!(err.kind(), ErrorKind::Resolve);
    }
}

#[test]
fn unexpected_keywords_and_identifiers() {
    let r = Registry::stock();
    let err = Config::from_value(json!({"version": 1,
        "handlers": {"h": {"class": "logging.StreamHandler", "strem": "ext://sys.stdout"}}}))
    .unwrap()
    .check(&r)
    .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "handlers.h.strem: Unable to configure handler 'h': unexpected keyword argument 'strem'; did you mean 'stream'?"
    );
    let err = Config::from_value(json!({"version": 1,
        "handlers": {"h": {"class": "logging.StreamHandler", "bad-key": 1}}}))
    .unwrap()
    .check(&r)
    .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "handlers.h.bad-key: Unable to configure handler 'h': Not a valid Python identifier: 'bad-key'"
    );
    let err = Config::from_value(json!({"version": 1,
        "handlers": {"h": {"class": "logging.StreamHandler", "stream": "sys.stdout"}}}))
    .unwrap()
    .check(&r)
    .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "handlers.h.stream: Unable to configure handler 'h': 'stream' must be a stream such as 'ext://sys.stdout', not 'sys.stdout'; did you mean 'ext://sys.stdout'?"
    );
}

#[test]
fn incremental_changes_only_levels_and_propagate() {
    let lines = Lines::default();
    let r = registry(&lines);
    let m = Manager::new();
    apply(
        &m,
        &r,
        json!({"version": 1, "handlers": {"h": {"class": "capture", "level": "ERROR"}},
               "loggers": {"app": {"level": "ERROR", "handlers": ["h"]}}}),
    )
    .unwrap();
    m.get_logger("app").set_disabled(true);
    let applied = Config::from_value(json!({"version": 1, "incremental": true,
        "handlers": {"h": {"level": "INFO"}},
        "loggers": {"app": {"level": "INFO", "propagate": false, "handlers": []}}}))
    .unwrap()
    .apply(&m, &r)
    .unwrap();
    let app = m.get_logger("app");
    assert_eq!(app.level(), Level::INFO);
    assert!(!app.propagate());
    assert!(!app.disabled());
    assert_eq!(app.handlers().len(), 1, "handler lists are ignored");
    assert_eq!(app.handlers()[0].level(), Level::INFO);
    assert_eq!(applied.warnings().len(), 1);
    assert_eq!(
        applied.warnings()[0].to_string(),
        "loggers.app.handlers: 'handlers' is ignored by an incremental configuration"
    );
    // An unknown handler is refused and nothing changes.
    let err = apply(
        &m,
        &r,
        json!({"version": 1, "incremental": true, "handlers": {"h": {"level": "DEBUG"}, "nope": {"level": "DEBUG"}},
               "loggers": {"app": {"level": "DEBUG"}}}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "handlers.nope: No handler found with name 'nope'"
    );
    assert_eq!(app.level(), Level::INFO);
    assert_eq!(app.handlers()[0].level(), Level::INFO);
}

#[test]
fn old_handlers_are_closed_after_the_swap() {
    struct Closing(Lines, &'static str);
    impl Handler for Closing {
        fn emit(&self, _: &LogRecord<'_>, _: &str) -> io::Result<()> {
            Ok(())
        }
        fn close(&self) -> io::Result<()> {
            self.0.lock().push(format!("closed {}", self.1));
            Ok(())
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
    let lines = Lines::default();
    let mut r = Registry::stock();
    let l = lines.clone();
    r.add_handler(&["closing"], move |args: &mut Args<'_>| {
        let tag: &'static str = if args.id() == "one" { "one" } else { "two" };
        Ok(Box::new(Closing(l.clone(), tag)))
    });
    let m = Manager::new();
    let cfg = |id: &str| json!({"version": 1, "handlers": {id: {"class": "closing"}}, "root": {"handlers": [id]}});
    apply(&m, &r, cfg("one")).unwrap();
    assert!(
        take(&lines).is_empty(),
        "the dry run builds but never closes into the world"
    );
    apply(&m, &r, cfg("two")).unwrap();
    assert_eq!(take(&lines), ["closed one"]);
    assert_eq!(m.configured_handlers()[0].name(), Some("two"));
    assert_eq!(m.handler_by_name("two").unwrap().name(), Some("two"));
}

#[test]
fn env_and_cfg_values() {
    std::env::set_var("LOGTREE_TEST_LEVEL", "ERROR");
    std::env::remove_var("LOGTREE_TEST_UNSET");
    let r = Registry::stock();
    let m = Manager::new();
    apply(
        &m,
        &r,
        json!({"version": 1, "levels": {"app": "env://LOGTREE_TEST_LEVEL"},
               "loggers": {"app": {"level": "cfg://levels.app"}, "b": {"level": "env://LOGTREE_TEST_UNSET:-DEBUG"}}}),
    )
    .unwrap();
    assert_eq!(m.get_logger("app").level(), Level::ERROR);
    assert_eq!(m.get_logger("b").level(), Level::DEBUG);
    let err = apply(
        &m,
        &r,
        json!({"version": 1, "loggers": {"c": {"level": "env://LOGTREE_TEST_UNSET"}}}),
    )
    .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "loggers.c.level: Unable to configure logger 'c': environment variable 'LOGTREE_TEST_UNSET' is not set (write env://LOGTREE_TEST_UNSET:-default to give a default)"
    );
    // Settings are resolved too, for the components that read them.
    std::env::set_var("LOGTREE_TEST_SECRET", "hunter2");
    let mut seen = Registry::stock();
    let got: Lines = Lines::default();
    let g = got.clone();
    seen.add_handler(&["reads_settings"], move |args: &mut Args<'_>| {
        g.lock().push(
            args.settings()
                .str("email_host_password")
                .unwrap()
                .unwrap_or("")
                .to_owned(),
        );
        Ok(Box::new(logtree_core::NullHandler))
    });
    Config::from_value(
        json!({"version": 1, "settings": {"email_host_password": "env://LOGTREE_TEST_SECRET"},
                              "handlers": {"h": {"class": "reads_settings"}}}),
    )
    .unwrap()
    .check(&seen)
    .unwrap();
    assert_eq!(take(&got), ["hunter2"]);
}

#[test]
fn toml_and_json_load_the_same() {
    let json = r#"{"version": 1, "disable_existing_loggers": false,
        "filters": {"f": {"name": "app"}},
        "handlers": {"h": {"class": "logging.NullHandler", "level": "INFO", "filters": ["f"]}},
        "loggers": {"": {"level": "DEBUG"}, "django.request": {"handlers": ["h"], "propagate": false}}}"#;
    let toml = r#"
        version = 1
        disable_existing_loggers = false
        [filters.f]
        name = "app"
        [handlers.h]
        class = "logging.NullHandler"
        level = "INFO"
        filters = ["f"]
        [loggers.""]
        level = "DEBUG"
        [loggers."django.request"]
        handlers = ["h"]
        propagate = false
    "#;
    let a = Config::from_json_str(json).unwrap();
    let b = Config::from_toml_str(toml).unwrap();
    assert_eq!(a.value(), b.value());
    let m = Manager::new();
    b.apply(&m, &Registry::stock()).unwrap();
    assert_eq!(m.root().level(), Level::DEBUG);
    let req = m.get_logger("django.request");
    assert!(!req.propagate());
    assert_eq!(req.handlers()[0].level(), Level::INFO);
}

#[test]
fn hostile_input_is_refused_without_panicking() {
    let r = Registry::stock();
    // Deep nesting, in both formats.
    let deep_json = format!(
        "{{\"version\": 1, \"x\": {}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert_eq!(
        Config::from_json_str(&deep_json).unwrap_err().kind(),
        ErrorKind::Limit
    );
    let deep_toml = format!(
        "version = 1\nx = {}{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert!(Config::from_toml_str(&deep_toml).is_err());
    // A cfg:// cycle.
    let err = Config::from_value(json!({"version": 1, "a": "cfg://b", "b": "cfg://a", "loggers": {"x": {"level": "cfg://a"}}}))
        .unwrap()
        .check(&r)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit);
    // Wrong types everywhere.
    for v in [
        json!({"version": 1, "handlers": {"h": 5}}),
        json!({"version": 1, "handlers": {"h": {"class": 5}}}),
        json!({"version": 1, "handlers": {"h": {"class": "logging.StreamHandler", "filters": "f"}}}),
        json!({"version": 1, "loggers": {"a": {"handlers": [1]}}}),
        json!({"version": 1, "loggers": {"a": {"propagate": "no"}}}),
        json!({"version": 1, "loggers": {"a": {"level": [1]}}}),
        json!({"version": 1, "root": "cfg://root"}),
        json!({"version": 1, "settings": 3}),
        json!({"version": 1, "formatters": {"f": {"()": "x", ".": 3}}}),
    ] {
        let text = v.to_string();
        let err = Config::from_value(v).unwrap().check(&r).unwrap_err();
        assert!(!format!("{err:#}").is_empty(), "{text}");
    }
    // A large, flat configuration is fine.
    let mut loggers = serde_json::Map::new();
    for i in 0..20_000 {
        loggers.insert(format!("app.m{i}"), json!({"level": "INFO"}));
    }
    let m = Manager::new();
    Config::from_value(json!({"version": 1, "loggers": loggers}))
        .unwrap()
        .apply(&m, &r)
        .unwrap();
    assert_eq!(m.get_logger("app.m19999").level(), Level::INFO);
}

#[test]
fn reconfiguring_while_other_threads_log() {
    let lines = Lines::default();
    let r = registry(&lines);
    let m = Manager::new();
    // `disable_existing_loggers: false`: with Python's default (true) every apply
    // would, rightly, disable the workers' logger `w`, which no configuration names.
    let cfg = |tag: &str| {
        json!({"version": 1, "disable_existing_loggers": false,
               "handlers": {"a": {"class": "capture", "tag": tag}, "b": {"class": "capture", "tag": tag}},
               "root": {"level": "INFO", "handlers": ["a", "b"]}})
    };
    apply(&m, &r, cfg("one")).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0usize;
                while n < 1000 || !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    log(&m, "w", Level::INFO, "x");
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..50 {
        apply(&m, &r, cfg(if i % 2 == 0 { "two" } else { "one" })).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let logged: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    // Every record reached both handlers of one configuration: none lost, none
    // split between an old and a new configuration.
    let got = take(&lines);
    assert_eq!(got.len(), 2 * logged);
    let ones = got.iter().filter(|l| l.starts_with("one:")).count();
    let twos = got.len() - ones;
    assert_eq!(ones % 2, 0);
    assert_eq!(twos % 2, 0);
}

#[test]
fn stand_ins_for_tools_but_never_for_stock_names() {
    let cfg = Config::from_value(json!({"version": 1,
        "filters": {"special": {"()": "project.logging.SpecialFilter", "foo": "bar"}},
        "handlers": {"h": {"class": "project.Handler", "filters": ["special"], "anything": 1}},
        "root": {"handlers": ["h"]}}))
    .unwrap();
    let strict = Registry::stock();
    assert_eq!(cfg.check(&strict).unwrap_err().count(), 2);
    let mut lenient = Registry::stock();
    lenient.stand_in_unregistered();
    let checked = cfg.check(&lenient).unwrap();
    let warnings: Vec<String> = checked.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "filters.special.\"()\": 'project.logging.SpecialFilter' is not registered here: a stand-in is used and its arguments are not checked",
            "handlers.h.class: 'project.Handler' is not registered here: a stand-in is used and its arguments are not checked",
        ]
    );
    let m = cfg.preview(&lenient).unwrap();
    assert!(m.root().handlers()[0]
        .handler()
        .describe()
        .contains("project.Handler"));
    // A typo in a stock name is still an error.
    let typo = Config::from_value(
        json!({"version": 1, "handlers": {"h": {"class": "logging.StreamHandeler"}}}),
    )
    .unwrap();
    assert_eq!(typo.check(&lenient).unwrap_err().kind(), ErrorKind::Resolve);
}

#[test]
fn file_handlers_flush_option() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let m = Manager::new();
    Config::from_value(json!({"version": 1,
        "handlers": {"f": {"class": "logging.FileHandler", "filename": path.to_str().unwrap(), "flush": "every_record"}},
        "root": {"handlers": ["f"]}}))
    .unwrap()
    .apply(&m, &Registry::stock())
    .unwrap();
    log(&m, "a", Level::WARNING, "written at once");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "written at once\n");
    let err = Config::from_value(json!({"version": 1,
        "handlers": {"f": {"class": "logging.FileHandler", "filename": "x.log", "flush": "sometimes"}}}))
    .unwrap()
    .check(&Registry::stock())
    .unwrap_err();
    assert_eq!(err.path(), "handlers.f.flush");
    let ok = Config::from_value(json!({"version": 1,
        "handlers": {"f": {"class": "logging.FileHandler", "filename": "x.log", "delay": true,
                           "flush": {"capacity": 4096, "max_delay": 0.25, "flush_level": "WARNING"}}}}))
    .unwrap();
    ok.check(&Registry::stock()).unwrap();
}

/// A small deterministic generator (xorshift64*), so the run is repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Values that exercise every getter's error paths.
fn random_value(rng: &mut Rng, depth: u32) -> serde_json::Value {
    let leaves = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(u64::MAX),
        json!(""),
        json!("INFO"),
        json!("info"),
        json!("ext://sys.stdout"),
        json!("ext://os.environ"),
        json!("cfg://handlers"),
        json!("cfg://nope.x[0]"),
        json!("cfg://a"),
        json!("env://LOGTREE_FUZZ_UNSET"),
        json!("env://1x"),
        json!("%(message)s"),
        json!("{message"),
        json!("$"),
        json!("h"),
        json!("f"),
        json!("logging.StreamHandler"),
        json!("logging.handlers.MemoryHandler"),
    ];
    if depth > 3 || rng.next() % 3 != 0 {
        return rng.pick(&leaves).clone();
    }
    if rng.next() % 2 == 0 {
        let n = rng.next() % 4;
        serde_json::Value::Array((0..n).map(|_| random_value(rng, depth + 1)).collect())
    } else {
        let keys = [
            "class",
            "()",
            ".",
            "format",
            "style",
            "validate",
            "datefmt",
            "level",
            "filters",
            "handlers",
            "formatter",
            "stream",
            "filename",
            "mode",
            "delay",
            "target",
            "capacity",
            "flushLevel",
            "name",
            "propagate",
            "x-y",
            "terminator",
            "queue",
            "listener",
            "flush",
        ];
        let n = rng.next() % 5;
        let mut m = serde_json::Map::new();
        for _ in 0..n {
            m.insert((*rng.pick(&keys)).to_owned(), random_value(rng, depth + 1));
        }
        serde_json::Value::Object(m)
    }
}

#[test]
fn random_configurations_never_panic() {
    let r = registry(&Lines::default());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let dir = tempfile::tempdir().unwrap();
    let _cwd_is_not_used = dir.path();
    for _ in 0..3000 {
        let mut top = serde_json::Map::new();
        top.insert("version".into(), json!(1));
        top.insert("a".into(), json!("cfg://a"));
        for section in [
            "formatters",
            "filters",
            "handlers",
            "loggers",
            "root",
            "incremental",
            "settings",
        ] {
            if rng.next() % 2 == 0 {
                let mut m = serde_json::Map::new();
                for id in ["h", "f", "z"] {
                    if rng.next() % 2 == 0 {
                        m.insert(id.into(), random_value(&mut rng, 1));
                    }
                }
                top.insert(section.into(), serde_json::Value::Object(m));
            }
        }
        let v = serde_json::Value::Object(top);
        let text = v.to_string();
        // Through the text path too, so error lines are located.
        if let Ok(c) = Config::from_json_str(&text) {
            let _ = c.check(&r);
        }
        let _ = Config::from_value(v).map(|c| c.check(&r));
    }
}

#[test]
fn queue_and_memory_handlers_from_a_configuration() {
    let lines = Lines::default();
    let r = registry(&lines);
    let m = Manager::new();
    Config::from_value(json!({"version": 1,
        "handlers": {"q": {"class": "logging.handlers.QueueHandler", "handlers": ["z_sink"],
                           "respect_handler_level": true, "queue": {"()": "queue.Queue", "maxsize": 100}},
                     "a_mem": {"class": "logging.handlers.MemoryHandler", "capacity": 10, "target": "z_sink"},
                     "z_sink": {"class": "capture", "level": "WARNING"}},
        "loggers": {"queued": {"handlers": ["q"], "propagate": false},
                    "buffered": {"handlers": ["a_mem"], "propagate": false}},
        "root": {"level": "DEBUG"}}))
    .unwrap()
    .apply(&m, &r)
    .unwrap();
    log(
        &m,
        "queued",
        Level::INFO,
        "below the sink's level: skipped by the listener",
    );
    log(&m, "queued", Level::ERROR, "through the queue");
    log(
        &m,
        "buffered",
        Level::INFO,
        "buffered, then flushed past the sink's level",
    );
    m.flush();
    let mut got = take(&lines);
    got.sort();
    assert_eq!(
        got,
        [
            "z_sink:buffered:buffered, then flushed past the sink's level",
            "z_sink:queued:through the queue"
        ]
    );
    m.shutdown();
    for (v, text) in [
        (
            json!({"class": "logging.handlers.QueueHandler", "queue": "multiprocessing.Queue"}),
            "handlers.q.queue: Unable to configure handler 'q': Invalid queue specifier 'multiprocessing.Queue'",
        ),
        (
            json!({"class": "logging.handlers.QueueHandler", "listener": "my.Listener"}),
            "handlers.q.listener: Unable to configure handler 'q': Invalid listener specifier 'my.Listener': only logging.handlers.QueueListener",
        ),
        (
            json!({"class": "logging.handlers.MemoryHandler"}),
            "handlers.q: Unable to configure handler 'q': missing required argument 'capacity'",
        ),
    ] {
        let err = Config::from_value(json!({"version": 1, "handlers": {"q": v}})).unwrap().check(&r).unwrap_err();
        assert!(format!("{err:#}").starts_with(text), "{err:#}");
    }
}

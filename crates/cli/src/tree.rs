//! `logtree tree FILE`: the logger tree a configuration produces, drawn as
//! Python's `logging_tree` package draws it.
//!
//! ```text
//! <--""
//!    Level WARNING
//!    Handler Stream <stderr>
//!      Level INFO
//!      Formatter fmt='%(levelname)s %(message)s' datefmt=None
//!    |
//!    o<--"app"
//!        Level NOTSET so inherits level WARNING
//! ```
//!
//! The configuration is built as a dry run into a fresh tree: no file is created
//! and nothing is logged. Components the command does not know (an application's
//! own) are drawn as stand-ins, with a warning on stderr. Placeholders (dotted ancestors no one asked for) show
//! as `<--[name]`; a logger that does not propagate has no arrow.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use logtree_config::Config;
use logtree_core::{HandlerCell, Level, Logger, LoggerEntry, Manager};

fn level_line(logger: &Logger) -> String {
    let level = logger.level();
    if level == Level::NOTSET {
        format!(
            "Level NOTSET so inherits level {}",
            logger.effective_level().name()
        )
    } else {
        format!("Level {}", level.name())
    }
}

/// `FileHandler '/x'` -> `File '/x'`, as logging_tree names handlers.
fn short_handler(describe: &str) -> String {
    let (first, rest) = describe.split_once(' ').unwrap_or((describe, ""));
    let first = first
        .strip_suffix("Handler")
        .filter(|s| !s.is_empty())
        .unwrap_or(first);
    if rest.is_empty() {
        first.to_owned()
    } else {
        format!("{first} {rest}")
    }
}

fn describe_handler(cell: &HandlerCell, depth: usize) -> Vec<String> {
    let mut out = vec![format!(
        "Handler {}",
        short_handler(&cell.handler().describe())
    )];
    if depth > 8 {
        return out;
    }
    if let Some(name) = cell.name() {
        out.push(format!("  Name {name:?}"));
    }
    if cell.level() != Level::NOTSET {
        out.push(format!("  Level {}", cell.level().name()));
    }
    for f in cell.filters() {
        out.push(format!("  Filter {}", f.describe()));
    }
    if let Some(f) = cell.formatter() {
        let d = f.describe();
        if d.starts_with("Formatter") {
            out.push(format!("  {d}"));
        } else {
            out.push(format!("  Formatter {d}"));
        }
    }
    let targets = cell.handler().targets();
    if !targets.is_empty() {
        out.push("  Flushes output to:".to_owned());
        for t in targets {
            for line in describe_handler(&t, depth + 1) {
                out.push(format!("    {line}"));
            }
        }
    }
    out
}

struct Node {
    name: String,
    logger: Option<Arc<Logger>>,
    children: Vec<usize>,
}

fn describe_node(nodes: &[Node], i: usize, out: &mut Vec<String>) {
    let node = &nodes[i];
    match &node.logger {
        None => out.push(format!("<--[{}]", node.name)),
        Some(l) => {
            let arrow = if l.propagate() || l.parent().is_none() {
                "<--"
            } else {
                "   "
            };
            let shown = if l.parent().is_none() {
                ""
            } else {
                node.name.as_str()
            };
            out.push(format!("{arrow}{shown:?}"));
            out.push(format!("   {}", level_line(l)));
            if !l.propagate() && l.parent().is_some() {
                out.push("   Propagate OFF".to_owned());
            }
            if l.disabled() {
                out.push("   Disabled".to_owned());
            }
            for f in l.filters() {
                out.push(format!("   Filter {}", f.describe()));
            }
            for h in l.handlers() {
                for line in describe_handler(&h, 0) {
                    out.push(format!("   {line}"));
                }
            }
        }
    }
    if node.children.is_empty() {
        return;
    }
    let last = node.children.len() - 1;
    for (k, &c) in node.children.iter().enumerate() {
        let mut sub = Vec::new();
        describe_node(nodes, c, &mut sub);
        out.push("   |".to_owned());
        let prefix = if k == last { "    " } else { "   |" };
        for (j, line) in sub.into_iter().enumerate() {
            if j == 0 {
                out.push(format!("   o{line}"));
            } else {
                out.push(format!("{prefix}{line}"));
            }
        }
    }
}

/// The drawing of `manager`'s tree, one line per element.
pub(crate) fn draw(manager: &Manager) -> Vec<String> {
    let mut nodes = vec![Node {
        name: String::new(),
        logger: Some(manager.root().clone()),
        children: Vec::new(),
    }];
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for e in manager.entries() {
        let name = e.name().to_owned();
        let logger = match e {
            LoggerEntry::Logger(l) => Some(l),
            LoggerEntry::Placeholder(_) => None,
        };
        index.insert(name.clone(), nodes.len());
        nodes.push(Node {
            name,
            logger,
            children: Vec::new(),
        });
    }
    // Entries are sorted, so every parent is indexed before its children.
    for i in 1..nodes.len() {
        let name = nodes[i].name.clone();
        let mut parent = 0;
        let mut end = name.rfind('.');
        while let Some(j) = end {
            if let Some(&p) = index.get(&name[..j]) {
                parent = p;
                break;
            }
            end = name[..j].rfind('.');
        }
        nodes[parent].children.push(i);
    }
    let mut out = Vec::new();
    describe_node(&nodes, 0, &mut out);
    out
}

pub(crate) fn run(path: &str) -> ExitCode {
    let config = match Config::from_path(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(2);
        }
    };
    let mut registry = crate::registry();
    registry.stand_in_unregistered();
    let manager = match config.preview(&registry) {
        Ok(m) => m,
        Err(e) => {
            for err in e.errors() {
                eprintln!("{err:#}");
            }
            return ExitCode::from(2);
        }
    };
    for line in draw(&manager) {
        println!("{line}");
    }
    if let Ok(checked) = config.check(&registry) {
        for w in checked.warnings() {
            eprintln!("warning: {w}");
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_like_logging_tree() {
        let config = Config::from_json_str(
            r#"{"version": 1,
                "handlers": {"null": {"class": "logging.NullHandler", "level": "ERROR"}},
                "loggers": {"app.db": {"level": "DEBUG", "propagate": false, "handlers": ["null"]},
                            "web": {}},
                "root": {"level": "INFO"}}"#,
        )
        .unwrap();
        let m = config.preview(&crate::registry()).unwrap();
        let drawn = draw(&m).join("\n");
        let expected = r#"<--""
   Level INFO
   |
   o<--[app]
   |   |
   |   o   "app.db"
   |       Level DEBUG
   |       Propagate OFF
   |       Handler Null
   |         Name "null"
   |         Level ERROR
   |
   o<--"web"
       Level NOTSET so inherits level INFO"#;
        assert_eq!(drawn, expected);
    }

    #[test]
    fn short_names() {
        assert_eq!(short_handler("FileHandler '/x'"), "File '/x'");
        assert_eq!(short_handler("NullHandler"), "Null");
        assert_eq!(short_handler("Handler"), "Handler");
        assert_eq!(short_handler("custom thing"), "custom thing");
    }
}

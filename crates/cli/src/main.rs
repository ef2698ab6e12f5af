//! The `logtree` command.
//!
//! ```text
//! logtree check [--stand-ins] FILE   validate a configuration: "ok", or every error; exit 0 or 2
//! logtree tree FILE                  the logger tree a configuration produces
//! logtree replay --config FILE  the conformance driver (stdin: JSON lines; see PROTOCOL.md)
//! ```
//!
//! Every command uses the same registry: the stock components and Django's, so a
//! Django project's `LOGGING` dictionary saved as JSON checks and loads unchanged.
//! An application's own components are not known here: `tree` (and `check` with
//! `--stand-ins`) replaces them with inert stand-ins and says so, so that the rest
//! of the configuration is still checked.
//! Exit codes: 0 success, 2 a configuration was refused, 3 bad input to `replay`,
//! 64 bad usage.

use std::process::ExitCode;

use logtree_config::Registry;

mod replay;
mod tree;

const USAGE: &str = "usage:
  logtree check [--stand-ins] FILE
                                  validate a logging configuration (.toml or .json);
                                  --stand-ins accepts unregistered application components
  logtree tree FILE               print the logger tree the configuration produces
  logtree replay --config FILE    apply FILE, then feed stdin's JSON lines through the loggers
";

/// The registry every command uses: stock components, plus Django's.
pub(crate) fn registry() -> Registry {
    let mut r = Registry::stock();
    logtree_django::register(&mut r);
    r
}

fn check(path: &str, stand_ins: bool) -> ExitCode {
    let config = match logtree_config::Config::from_path(path) {
        Ok(c) => c,
        Err(e) => {
            println!("{e:#}");
            return ExitCode::from(2);
        }
    };
    let mut registry = registry();
    if stand_ins {
        registry.stand_in_unregistered();
    }
    match config.check(&registry) {
        Ok(checked) => {
            for w in checked.warnings() {
                println!("warning: {w}");
            }
            println!("ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            for err in e.errors() {
                println!("{err:#}");
            }
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["check", file] => check(file, false),
        ["check", "--stand-ins", file] | ["check", file, "--stand-ins"] => check(file, true),
        ["tree", file] => tree::run(file),
        ["replay", "--config", file] | ["replay", file] => replay::run(file),
        ["--help" | "-h" | "help"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{USAGE}");
            ExitCode::from(64)
        }
    }
}

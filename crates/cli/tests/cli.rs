//! The `logtree` command as a user meets it: `check`, `tree`, `replay`, their
//! output and exit codes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn logtree(args: &[&str], dir: &Path, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logtree"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn logtree");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(data.as_bytes());
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const GOOD: &str = r#"
version = 1

[formatters.simple]
format = "{levelname} {name}: {message}"
style = "{"

[handlers.out]
class = "logging.StreamHandler"
stream = "ext://sys.stdout"
formatter = "simple"

[handlers.file]
class = "logging.FileHandler"
filename = "app.log"

[loggers.app]
level = "DEBUG"
handlers = ["file"]

[root]
level = "INFO"
handlers = ["out"]
"#;

#[test]
fn check_says_ok_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logging.toml"), GOOD).unwrap();
    let out = logtree(&["check", "logging.toml"], dir.path(), "");
    assert_eq!(text(&out.stdout), "ok\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !dir.path().join("app.log").exists(),
        "check must not create the log file"
    );
}

#[test]
fn check_lists_every_error_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = GOOD
        .replace("formatter = \"simple\"", "formatter = \"simpel\"")
        .replace("level = \"DEBUG\"", "level = \"debug\"")
        .replace(
            "filename = \"app.log\"",
            "filename = \"no/such/dir/app.log\"",
        );
    std::fs::write(dir.path().join("logging.toml"), bad).unwrap();
    let out = logtree(&["check", "logging.toml"], dir.path(), "");
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("logging.toml:15: handlers.file.filename: Unable to configure handler 'file': cannot open '"), "{}", lines[0]);
    assert!(
        lines[0].ends_with("no/such/dir/app.log': No such file or directory (os error 2)"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "logging.toml:11: handlers.out.formatter: Unable to configure handler 'out': Unable to set formatter 'simpel': unknown formatter 'simpel'; did you mean 'simple'?"
    );
    assert_eq!(
        lines[2],
        "logging.toml:18: loggers.app.level: Unable to configure logger 'app': Unknown level: 'debug'; did you mean 'DEBUG'?"
    );
    assert!(!dir.path().join("no").exists());
}

#[test]
fn tree_draws_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logging.toml"), GOOD).unwrap();
    let out = logtree(&["tree", "logging.toml"], dir.path(), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let drawn = text(&out.stdout);
    let abs = std::fs::canonicalize(dir.path()).unwrap().join("app.log");
    let expected = format!(
        r#"<--""
   Level INFO
   Handler Stream <stdout>
     Name "out"
     Formatter('{{levelname}} {{name}}: {{message}}', style='{{')
   |
   o<--"app"
       Level DEBUG
       Handler File '{}'
         Name "file"
"#,
        abs.display()
    );
    assert_eq!(drawn, expected);
    assert!(
        !dir.path().join("app.log").exists(),
        "tree must not create the log file"
    );
}

#[test]
fn replay_runs_calls_and_control_ops() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logging.toml"), GOOD).unwrap();
    let calls = r#"{"logger": "app.db", "level": "DEBUG", "msg": "to the file only", "created": 1700000000.5}
{"logger": "web", "level": "INFO", "msg": "to stdout", "created": 1700000000.5, "extra": {"user": "ann"}}
{"op": "disable", "level": "INFO"}
{"logger": "web", "level": "INFO", "msg": "disabled", "created": 1700000000.5}
{"op": "disable", "level": "NOTSET"}
{"op": "configure", "config": {"version": 1, "incremental": true, "root": {"level": "ERROR"}}}
{"logger": "web", "level": "WARNING", "msg": "below ERROR now", "created": 1700000000.5}
{"logger": "", "level": 45, "msg": "custom level", "created": 1700000000.5}
"#;
    let out = logtree(&["replay", "--config", "logging.toml"], dir.path(), calls);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "DEBUG app.db: to the file only\nINFO web: to stdout\nLevel 45 root: custom level\n"
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.log")).unwrap(),
        "to the file only\n"
    );
}

#[test]
fn replay_refusals_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    // Configurations cannot run code: one line, exit 2, nothing spawned.
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"version": 1, "handlers": {"h": {"()": "os.system", "command": "touch pwned"}}}"#,
    )
    .unwrap();
    let out = logtree(&["replay", "--config", "config.json"], dir.path(), "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "configuration refused: config.json:1: handlers.h.\"()\": Unable to configure handler 'h': Cannot resolve 'os.system': not a registered handler class\n"
    );
    assert!(!dir.path().join("pwned").exists());
    // A refused configure op: exit 2.
    std::fs::write(dir.path().join("config.json"), r#"{"version": 1}"#).unwrap();
    let out = logtree(
        &["replay", "--config", "config.json"],
        dir.path(),
        "{\"op\": \"configure\", \"config\": {\"version\": 1, \"root\": {\"level\": \"LOUD\"}}}\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "configuration refused: root.level: Unable to configure root logger: Unknown level: 'LOUD'\n"
    );
    // A malformed line: exit 3, naming the line.
    let out = logtree(
        &["replay", "--config", "config.json"],
        dir.path(),
        "\n{\"logger\": \"a\"\n",
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).starts_with("calls line 2: "),
        "{}",
        text(&out.stderr)
    );
    // Usage.
    let out = logtree(&["frobnicate"], dir.path(), "");
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out.stderr).starts_with("usage:"));
}

//! `log::set_logger` is process-global, so this binary holds a single test that owns
//! the process (as env_logger's `tests/log-in-log.rs` does).

use std::any::Any;
use std::io;
use std::sync::Arc;

use logtree_core::{global, Handler, HandlerCell, Level, LogRecord};
use parking_lot::Mutex;

#[derive(Default)]
struct Lines(Mutex<Vec<String>>);
struct Cap(Arc<Lines>);
impl Handler for Cap {
    fn emit(&self, r: &LogRecord<'_>, text: &str) -> io::Result<()> {
        self.0
             .0
            .lock()
            .push(format!("{} {} {}", r.level, r.name, text));
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn install_keeps_max_level_exact_and_routes_records() {
    logtree_log::install().expect("first install");
    logtree_log::install().expect("second install is harmless");
    assert!(logtree_log::is_installed());
    assert_eq!(Level::TRACE.name(), "TRACE");
    assert_eq!(Level::from_name("TRACE"), Some(Level::TRACE));

    // Root defaults to WARNING: info! never reaches us.
    assert_eq!(log::max_level(), log::LevelFilter::Warn);

    let lines = Arc::new(Lines::default());
    global()
        .root()
        .add_handler(HandlerCell::builder(Cap(lines.clone())).build());
    global().get_logger("install.db").set_level(Level::DEBUG);
    assert_eq!(log::max_level(), log::LevelFilter::Debug);

    log::debug!(target: "install::db::pool", "pool {}", 3);
    log::debug!(target: "install::web", "filtered by the tree, not by max_level");
    log::info!("from the test module");
    log::warn!("kept");

    global().get_logger("install.db").set_level(Level::NOTSET);
    assert_eq!(log::max_level(), log::LevelFilter::Warn);
    global().disable(Level::CRITICAL);
    assert_eq!(log::max_level(), log::LevelFilter::Off);
    log::error!("disabled");
    global().disable(Level::NOTSET);

    let got = lines.0.lock().clone();
    assert_eq!(
        got,
        ["DEBUG install.db.pool pool 3", "WARNING install kept"]
    );
}

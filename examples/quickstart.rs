//! Builds a small logger tree in code and logs through `log` macros from two
//! modules, to the console and to a file.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! The tree:
//! - root: WARNING, console handler (`{levelname:<8} {name}: {message}`).
//! - `quickstart.db`: DEBUG, plus a file handler `quickstart.log` with the time.
//! - `quickstart.web`: inherits WARNING from the root.

use std::sync::Arc;

use logtree::format::{Style, TextFormatter};
use logtree::handlers::{FileHandler, StreamHandler};
use logtree::{HandlerCell, Level};

mod db {
    pub(crate) fn connect() {
        log::debug!("opening pool of {} connections", 4);
        log::info!(pool = 4, host = "db.internal"; "pool ready");
    }
}

mod web {
    pub(crate) fn serve() {
        log::info!("not shown: quickstart.web inherits WARNING from the root");
        log::warn!("slow request: {} took {} ms", "/cart", 1250);
        let err = std::io::Error::new(std::io::ErrorKind::TimedOut, "upstream timed out");
        log::error!(error:err = err; "checkout failed for {}", "order 42");
    }
}

fn main() {
    // Flushes and closes every handler when main returns.
    let _guard = logtree::ShutdownGuard::new();

    let console_format = TextFormatter::builder()
        .format("{levelname:<8} {name}: {message}")
        .style(Style::Brace)
        .build()
        .expect("a valid format");
    let console = HandlerCell::builder(StreamHandler::stderr())
        .name("console")
        .formatter(Arc::new(console_format))
        .build();

    let file_format = TextFormatter::builder()
        .format("%(asctime)s %(levelname)s [%(name)s] %(message)s")
        .build()
        .expect("a valid format");
    let file = HandlerCell::builder(
        FileHandler::builder("quickstart.log")
            .build()
            .expect("quickstart.log can be opened"),
    )
    .name("file")
    .formatter(Arc::new(file_format))
    .build();

    let root = logtree::get_logger("");
    root.set_level(Level::WARNING);
    root.add_handler(console);

    let db = logtree::get_logger("quickstart.db");
    db.set_level(Level::DEBUG);
    db.add_handler(file);

    logtree::install().expect("no other logger installed");

    db::connect();
    web::serve();
    eprintln!("(the quickstart.db records are also in quickstart.log)");
}

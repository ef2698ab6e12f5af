//! A panic hook that logs the panic as CRITICAL, so that a panic in production
//! reaches the admins like any other error.
//!
//! The record: logger `panic`, level CRITICAL, message `thread 'NAME' panicked at
//! FILE:LINE:COL: PAYLOAD`, `pathname`/`lineno` from the panic's location, the
//! payload as the record's error (type `panic`), a backtrace, and the request the
//! thread was serving ([`logtree_core::RequestScope`]). The previous hook runs
//! afterwards, so the usual message still reaches stderr.
//!
//! A panic on the main thread (or any panic under `panic = "abort"`) is about to end
//! the process, so the hook then flushes every handler: the admin e-mail handler
//! waits, within its shutdown time limit, until the e-mail is out. A panic inside
//! logging itself (a handler, filter or formatter) is not logged again: that
//! handler may be holding the very lock logging would need, and the handler cell
//! reports the panic anyway.

use std::backtrace::Backtrace;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use logtree_core::{current_request, in_dispatch, ErrorInfo, Level, LogRecord, Manager};

static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
}

/// Installs the hook, logging through [`logtree_core::global`] to the logger
/// `panic`. Returns `false` (and changes nothing) if a logtree panic hook is
/// already installed.
pub fn install_panic_hook() -> bool {
    install_panic_hook_for(logtree_core::global().clone(), "panic")
}

/// Installs the hook, logging through `manager` to `logger`. Returns `false` (and
/// changes nothing) if a logtree panic hook is already installed.
pub fn install_panic_hook_for(manager: Arc<Manager>, logger: &str) -> bool {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return false;
    }
    let logger = logger.to_owned();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // (The hook's argument type is named `PanicHookInfo` only since Rust 1.81.)
        let p = info.payload();
        let payload = if let Some(s) = p.downcast_ref::<&str>() {
            s
        } else if let Some(s) = p.downcast_ref::<String>() {
            s.as_str()
        } else {
            "Box<dyn Any>"
        };
        let location = info.location().map(|l| (l.file(), l.line(), l.column()));
        log_panic(&manager, &logger, payload, location);
        previous(info);
    }));
    true
}

fn log_panic(manager: &Manager, logger: &str, payload: &str, location: Option<(&str, u32, u32)>) {
    if in_dispatch() || IN_HOOK.try_with(|h| h.replace(true)).unwrap_or(true) {
        return;
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = IN_HOOK.try_with(|h| h.set(false));
        }
    }
    let _reset = Reset;

    let thread = std::thread::current();
    let thread_name = thread.name().unwrap_or("<unnamed>");
    let (file, line, col) = location.unwrap_or(("<unknown>", 0, 0));
    let message = format!("thread '{thread_name}' panicked at {file}:{line}:{col}: {payload}");
    let mut r = LogRecord::new(logger, Level::CRITICAL, message);
    r.pathname = file.into();
    r.lineno = line;
    r.func_name = "<panic>".into();
    r.error = Some(Arc::new(ErrorInfo {
        type_name: Some("panic".to_owned()),
        chain: vec![payload.to_owned()],
        debug: format!("{payload:?}"),
    }));
    r.backtrace = Some(Arc::new(Backtrace::force_capture()));
    r.request = current_request();
    manager.get_logger(logger).handle(&r);
    if thread.name() == Some("main") || cfg!(panic = "abort") {
        manager.flush();
    }
}

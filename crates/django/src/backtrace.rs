//! Backtraces in reports: captured cheaply on the logging thread, resolved and
//! trimmed on the e-mail worker.
//!
//! `std::backtrace::Backtrace::force_capture` only walks the stack; symbol names
//! and file positions are resolved when it is first displayed, which happens on the
//! worker thread, off the logging call. Stable Rust offers no frame iterator, so the
//! frames are read back from std's `Display` form (`N: symbol` then `at file:line`).
//!
//! Trimming: the frames of the logging machinery on top (`logtree_*`, `log`, the
//! panic runtime) and the runtime's frames below the thread's entry point
//! (`__rust_begin_short_backtrace` and under) say nothing about the failure and are
//! dropped. A frame is *the application's* when its symbol belongs to one of the
//! crates named with [`crate::AdminEmailHandlerBuilder::app_crates`] or to the crate
//! that logged, or when its source file lies outside the Rust toolchain and the
//! cargo registry; those frames are highlighted, as Django highlights "user" frames.

use std::backtrace::Backtrace;

/// At most this many frames are shown; the rest are counted.
pub const MAX_FRAMES: usize = 64;

/// One stack frame of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Frame {
    /// The function, demangled (`myapp::orders::save`).
    pub symbol: String,
    /// `file:line:column`, when debug info has it.
    pub location: Option<String>,
    /// Whether the frame is in the application's own code.
    pub app: bool,
}

/// The frames of a backtrace, trimmed, with how many were left out below.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frames {
    /// The frames shown, most recent first.
    pub frames: Vec<Frame>,
    /// Frames left out after [`MAX_FRAMES`] or below the entry point.
    pub omitted: usize,
    /// Whether a backtrace was captured at all.
    pub captured: bool,
}

impl Frames {
    /// Resolves and trims `bt`; `app_crates` names the application's crates.
    pub(crate) fn from_backtrace(bt: &Backtrace, app_crates: &[String]) -> Frames {
        use std::backtrace::BacktraceStatus;
        if bt.status() != BacktraceStatus::Captured {
            return Frames::default();
        }
        Frames::from_text(&bt.to_string(), app_crates)
    }

    pub(crate) fn from_text(text: &str, app_crates: &[String]) -> Frames {
        let raw = parse(text);
        let total = raw.len();
        // Drop the logging machinery on top.
        let start = raw
            .iter()
            .position(|f| !is_machinery(&f.symbol))
            .unwrap_or(0);
        // Drop the runtime below the thread's entry point.
        let end = raw
            .iter()
            .position(|f| f.symbol.contains("__rust_begin_short_backtrace"))
            .filter(|&e| e > start)
            .unwrap_or(total);
        let mut frames: Vec<Frame> = raw[start..end]
            .iter()
            .map(|f| Frame {
                app: is_app(f, app_crates),
                ..f.clone()
            })
            .collect();
        // The closure shims right above the entry point are runtime too.
        while frames.last().is_some_and(|f| is_runtime_shim(&f.symbol)) {
            frames.pop();
        }
        let mut omitted = total - start - frames.len();
        if frames.len() > MAX_FRAMES {
            omitted += frames.len() - MAX_FRAMES;
            frames.truncate(MAX_FRAMES);
        }
        Frames {
            frames,
            omitted,
            captured: true,
        }
    }
}

fn parse(text: &str) -> Vec<Frame> {
    let mut out: Vec<Frame> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(loc) = t.strip_prefix("at ") {
            if let Some(last) = out.last_mut() {
                if last.location.is_none() {
                    last.location = Some(loc.trim().to_owned());
                }
            }
            continue;
        }
        if let Some((n, sym)) = t.split_once(": ") {
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                out.push(Frame {
                    symbol: sym.trim().to_owned(),
                    location: None,
                    app: false,
                });
            }
        }
    }
    out
}

/// The crate a symbol belongs to: `myapp::orders::save` → `myapp`;
/// `<myapp::X as core::fmt::Display>::fmt` → `myapp` (the type's crate);
/// `<usize as core::slice::SliceIndex<[T]>>::index` → `core` (a primitive type
/// has no crate: the trait's).
fn crate_of(symbol: &str) -> String {
    let first = |s: &str| -> String {
        let s = s.trim_start_matches(['<', '&', '*', '(', '[']);
        let s = s.strip_prefix("mut ").unwrap_or(s);
        let s = s.strip_prefix("dyn ").unwrap_or(s);
        s.split("::").next().unwrap_or(s).to_owned()
    };
    let Some(inner) = symbol.strip_prefix('<') else {
        return first(symbol);
    };
    let ty = inner.split(" as ").next().unwrap_or(inner);
    if ty.contains("::") {
        first(ty)
    } else {
        match inner.split_once(" as ") {
            Some((_, tr)) => first(tr),
            None => first(ty),
        }
    }
}

const MACHINERY: &[&str] = &[
    "std",
    "core",
    "alloc",
    "log",
    "backtrace",
    "rust_begin_unwind",
    "rust_panic",
    "__rustc",
];

fn is_machinery(symbol: &str) -> bool {
    let c = crate_of(symbol);
    c.starts_with("logtree") || MACHINERY.contains(&c.as_str()) || c.starts_with("__rust")
}

fn is_runtime_shim(symbol: &str) -> bool {
    // `<fn() -> T as FnOnce<()>>::call_once` and the like: no crate of their own.
    matches!(crate_of(symbol).as_str(), "core" | "std" | "alloc")
        || symbol.starts_with("<fn(")
        || symbol.starts_with("<&dyn ")
}

fn is_app(f: &Frame, app_crates: &[String]) -> bool {
    let c = crate_of(&f.symbol);
    if app_crates.contains(&c) {
        return true;
    }
    if c.starts_with("logtree") || MACHINERY.contains(&c.as_str()) {
        return false;
    }
    match &f.location {
        Some(loc) => {
            !(loc.starts_with("/rustc/") || loc.contains("/.cargo/") || loc.contains("/rustlib/"))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGGED: &str = "   0: logtree_django::handler::AdminEmailHandler::capture
             at ./crates/django/src/handler.rs:10:5
   1: logtree_core::manager::Plan::dispatch
             at ./crates/core/src/manager.rs:700:9
   2: log::__private_api::log_impl
             at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/log-0.4.35/src/__private_api.rs:61:5
   3: shop::orders::save
             at ./src/orders.rs:12:5
   4: serde_json::de::from_str
             at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/serde_json-1.0.0/src/de.rs:1:1
   5: <shop::Handler as tower::Service>::call
             at ./src/main.rs:40:9
   6: shop::main
   7: <fn() -> core::result::Result<(), alloc::string::String> as core::ops::function::FnOnce<()>>::call_once
             at /rustc/abc/library/core/src/ops/function.rs:250:5
   8: core::ops::function::FnOnce::call_once
             at /rustc/abc/library/core/src/ops/function.rs:250:5
   9: std::sys::backtrace::__rust_begin_short_backtrace
             at /rustc/abc/library/std/src/sys/backtrace.rs:166:18
  10: std::rt::lang_start
  11: main
  12: _start
";

    #[test]
    fn machinery_and_runtime_are_trimmed_and_app_frames_marked() {
        let f = Frames::from_text(LOGGED, &["shop".to_owned()]);
        let got: Vec<(&str, bool)> = f
            .frames
            .iter()
            .map(|f| (f.symbol.as_str(), f.app))
            .collect();
        assert_eq!(
            got,
            vec![
                ("shop::orders::save", true),
                ("serde_json::de::from_str", false),
                ("<shop::Handler as tower::Service>::call", true),
                ("shop::main", true),
            ]
        );
        assert_eq!(
            f.frames[0].location.as_deref(),
            Some("./src/orders.rs:12:5")
        );
        assert_eq!(f.frames[3].location, None);
        assert_eq!(f.omitted, 6);
        assert!(f.captured);
    }

    #[test]
    fn app_frames_without_names_are_found_by_path() {
        let f = Frames::from_text(LOGGED, &[]);
        assert!(f.frames[0].app);
        assert!(!f.frames[1].app);
        // No location, no name: not known to be the application's.
        assert!(!f.frames[3].app);
    }

    #[test]
    fn crates_of_symbols() {
        for (sym, want) in [
            ("shop::orders::save", "shop"),
            ("<shop::Handler as tower::Service>::call", "shop"),
            (
                "<usize as core::slice::index::SliceIndex<[T]>>::index",
                "core",
            ),
            (
                "<alloc::vec::Vec<T,A> as core::ops::index::Index<I>>::index",
                "alloc",
            ),
            (
                "core::slice::index::<impl core::ops::index::Index<I> for [T]>::index",
                "core",
            ),
            ("<&mut shop::Cart as core::fmt::Debug>::fmt", "shop"),
            ("main", "main"),
        ] {
            assert_eq!(crate_of(sym), want, "{sym}");
        }
    }

    #[test]
    fn long_stacks_are_cut() {
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(&format!(
                "  {i}: app::f{i}\n             at ./src/lib.rs:{i}:1\n"
            ));
        }
        let f = Frames::from_text(&text, &[]);
        assert_eq!(f.frames.len(), MAX_FRAMES);
        assert_eq!(f.omitted, 200 - MAX_FRAMES);
    }

    #[test]
    fn a_real_capture_parses() {
        #[inline(never)]
        fn here() -> Backtrace {
            Backtrace::force_capture()
        }
        let bt = here();
        let raw = parse(&bt.to_string());
        assert!(
            raw.iter()
                .any(|fr| fr.symbol.contains("a_real_capture_parses")),
            "{raw:?}"
        );
        // Our own crate counts as logging machinery, so its frames are trimmed.
        let f = Frames::from_backtrace(&bt, &[]);
        assert!(f.captured);
        assert!(
            f.frames
                .iter()
                .all(|fr| !fr.symbol.starts_with("logtree_django::")),
            "{f:?}"
        );
    }
}

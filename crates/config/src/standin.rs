//! Stand-ins for components a tool does not know.
//!
//! An application registers its own components (`project.logging.SpecialFilter`)
//! before loading its configuration; `logtree check` and `logtree tree` run without
//! them. With [`crate::Registry::stand_in_unregistered`], a name the registry does
//! not know is replaced by an inert stand-in (a filter that passes everything, a
//! handler that writes nothing, the message-only formatter) and a warning, instead
//! of an error, so the rest of the configuration can still be checked and drawn.
//! Names under `logging.` and `django.` must still resolve: a typo in a stock name
//! stays an error.

use std::any::Any;
use std::io;
use std::sync::Arc;

use logtree_core::{Filter, Formatter, Handler, LogRecord, MessageFormatter};

use crate::registry::{Entry, FilterFactory, FormatterFactory, HandlerFactory};

/// Whether `name` may be stood in for.
pub(crate) fn may_stand_in(name: &str) -> bool {
    !(name.starts_with("logging.") || name.starts_with("django."))
}

/// A handler that writes nothing, named after the class it stands for.
#[derive(Debug)]
pub(crate) struct StandInHandler(String);

impl Handler for StandInHandler {
    fn emit(&self, _: &LogRecord<'_>, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn needs_text(&self) -> bool {
        false
    }
    fn class_name(&self) -> &'static str {
        "StandIn"
    }
    fn describe(&self) -> String {
        format!("StandIn for {:?} (not registered here)", self.0)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A filter that passes everything, named after the class it stands for.
#[derive(Debug)]
struct StandInFilter(String);

impl Filter for StandInFilter {
    fn filter(&self, _: &LogRecord<'_>) -> bool {
        true
    }
    fn describe(&self) -> String {
        format!("StandIn for {:?} (not registered here)", self.0)
    }
}

pub(crate) fn handler(name: &str) -> Entry<HandlerFactory> {
    let n = name.to_owned();
    Entry {
        canonical: Arc::from(name),
        factory: Arc::new(move |args: &mut crate::Args<'_>| {
            args.ignore_all();
            Ok(Box::new(StandInHandler(n.clone())) as Box<dyn Handler>)
        }),
    }
}

pub(crate) fn filter(name: &str) -> Entry<FilterFactory> {
    let n = name.to_owned();
    Entry {
        canonical: Arc::from(name),
        factory: Arc::new(move |args: &mut crate::Args<'_>| {
            args.ignore_all();
            Ok(Arc::new(StandInFilter(n.clone())) as Arc<dyn Filter>)
        }),
    }
}

pub(crate) fn formatter(name: &str) -> Entry<FormatterFactory> {
    Entry {
        canonical: Arc::from(name),
        factory: Arc::new(|args: &mut crate::Args<'_>| {
            args.ignore_all();
            Ok(Arc::new(MessageFormatter) as Arc<dyn Formatter>)
        }),
    }
}

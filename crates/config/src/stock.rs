//! The stock registry: `logging`'s components under their Python names and short
//! native names.
//!
//! | Python name | native name | builds |
//! | --- | --- | --- |
//! | `logging.NullHandler` | `null` | [`logtree_core::NullHandler`] |
//! | `logging.Filter` | `filter` | [`logtree_core::NameFilter`] (`name`) |
//! | `ext://sys.stdout`, `ext://sys.stderr` | | [`crate::StdStream`] |
//!
//! Each entry reads exactly the keyword arguments of the Python constructor it
//! stands for, so a key Python would refuse is refused here too.

use std::sync::Arc;

use logtree_core::{NameFilter, NullHandler};

use crate::registry::{Registry, StdStream};

pub(crate) fn register(r: &mut Registry) {
    r.add_ext_object("sys.stdout", Arc::new(StdStream::Stdout));
    r.add_ext_object("sys.stderr", Arc::new(StdStream::Stderr));

    r.add_handler(&["logging.NullHandler", "null"], |_args| {
        Ok(Box::new(NullHandler))
    });

    r.add_filter(&["logging.Filter", "filter"], |args| {
        let name = args.str("name")?.unwrap_or_default();
        Ok(Arc::new(NameFilter::new(name)))
    });
}

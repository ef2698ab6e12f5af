//! logtree

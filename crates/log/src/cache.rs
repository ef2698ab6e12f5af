//! The per-thread, per-target plan cache: what makes a disabled call cost nanoseconds.
//!
//! `log` hands us a target string per call (by default the caller's `module_path!()`,
//! a `&'static str`). Hashing and looking that string up in a shared map on every
//! call would cost tens of nanoseconds and a lock; instead each thread keeps a small
//! direct-mapped table keyed by the target's *address*: one multiply-shift of the
//! pointer picks the slot, and the slot is a hit when the stored address and length
//! match and the bytes compare equal (the byte compare keeps it correct when a
//! non-static target string is freed and its address reused). A hit yields the
//! logger's threshold and its [`Plan`]; a different manager epoch empties the table.
//! Misses (first call per target per thread per epoch) go to the manager, which
//! computes plans under its own cache.

use std::sync::Arc;

use logtree_core::{Manager, Plan};

/// Slots per thread. Services rarely log from more than a few dozen modules on one
/// thread; a collision only costs a refill.
const SLOTS: usize = 64;

pub(crate) struct Entry {
    addr: usize,
    target: Box<str>,
    pub(crate) plan: Arc<Plan>,
}

pub(crate) struct Cache {
    manager: usize,
    epoch: u64,
    slots: [Option<Entry>; SLOTS],
}

impl Cache {
    pub(crate) const fn new() -> Cache {
        Cache {
            manager: 0,
            epoch: 0,
            slots: [const { None }; SLOTS],
        }
    }

    #[inline]
    fn slot(addr: usize) -> usize {
        // Fibonacci hashing of the address; the top bits pick one of 64 slots.
        (addr.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> (usize::BITS - 6)) & (SLOTS - 1)
    }

    /// The cached entry for `target`, if it is valid for this manager and epoch.
    #[inline]
    pub(crate) fn get(&self, manager: &Manager, epoch: u64, target: &str) -> Option<&Entry> {
        if self.epoch != epoch || self.manager != manager as *const Manager as usize {
            return None;
        }
        let addr = target.as_ptr() as usize;
        match &self.slots[Self::slot(addr)] {
            Some(e) if e.addr == addr && *e.target == *target => Some(e),
            _ => None,
        }
    }

    #[cold]
    pub(crate) fn insert(&mut self, manager: &Manager, epoch: u64, target: &str, plan: Arc<Plan>) {
        let m = manager as *const Manager as usize;
        if self.epoch != epoch || self.manager != m {
            self.slots = [const { None }; SLOTS];
            self.epoch = epoch;
            self.manager = m;
        }
        let addr = target.as_ptr() as usize;
        self.slots[Self::slot(addr)] = Some(Entry {
            addr,
            target: target.into(),
            plan,
        });
    }
}

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

/// Equality of two byte strings of the same length, inline: targets are short, and a
/// call to libc's `memcmp` cost 18 instructions of the ~150 a filtered-out call took.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if n < 8 {
        // Inline too: libc's `bcmp` was the one call left on `log`'s hit path for
        // short targets, and made it save registers.
        if n >= 4 {
            let half =
                |s: &[u8], i: usize| u32::from_ne_bytes(s[i..i + 4].try_into().unwrap_or([0; 4]));
            return half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4);
        }
        // 0 to 3 bytes: the first, middle and last cover them all.
        return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
    }
    let word = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    if n <= 16 {
        // The first and the last, overlapping, word: no loop for the usual dotted
        // names (callgrind, the `format` scenario with an 11-byte target: 1,958 ->
        // 1,951 instructions a call).
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    let mut i = 0;
    while i + 8 <= n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    // The last, overlapping word covers the tail.
    i == n || word(a, n - 8) == word(b, n - 8)
}

/// `target` is the target's text, its length the target's: no separate length to
/// store and compare (callgrind: `log` 65 -> 63 instructions a call, `format`
/// 1,640 -> 1,638, `file` 1,655 -> 1,653).
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
    /// `module_path`: the caller's `module_path!()`, the default target; when
    /// `target` is that very string (same address and length), it is `'static`, so
    /// a matching address and length is a hit without comparing the bytes (saves the
    /// `memcmp`, ~25 instructions of the ~140 a call the tree filters out costs).
    /// It is only looked at once the address matched (no flag to compute and keep
    /// across the look-up for every call).
    #[inline]
    pub(crate) fn get(
        &self,
        manager: &Manager,
        epoch: u64,
        target: &str,
        module_path: Option<&'static str>,
    ) -> Option<&Entry> {
        if self.epoch != epoch || self.manager != manager as *const Manager as usize {
            return None;
        }
        let addr = target.as_ptr() as usize;
        match &self.slots[Self::slot(addr)] {
            Some(e)
                if e.addr == addr
                    && e.target.len() == target.len()
                    && (module_path.is_some_and(|m| std::ptr::eq(m, target))
                        || same_bytes(e.target.as_bytes(), target.as_bytes())) =>
            {
                Some(e)
            }
            _ => None,
        }
    }

    /// Puts `entry` (made by [`Cache::entry`]) in its slot, emptying the table
    /// first when `epoch` or `manager` changed. What it replaces is handed back, to
    /// be dropped once the caller no longer holds the table: dropping a plan can
    /// drop handlers, which may log. Runs no other code (no allocation, no drop).
    #[cold]
    pub(crate) fn insert(&mut self, manager: &Manager, epoch: u64, entry: Entry) -> Evicted {
        let m = manager as *const Manager as usize;
        let slot = Self::slot(entry.addr);
        if self.epoch != epoch || self.manager != m {
            self.epoch = epoch;
            self.manager = m;
            let all = std::mem::replace(&mut self.slots, [const { None }; SLOTS]);
            // Over a `None`: nothing is dropped.
            self.slots[slot] = Some(entry);
            return Evicted::All(all);
        }
        Evicted::One(self.slots[slot].replace(entry))
    }

    /// The entry `insert` takes: made first, since making it allocates.
    pub(crate) fn entry(target: &str, plan: Arc<Plan>) -> Entry {
        Entry {
            addr: target.as_ptr() as usize,
            target: target.into(),
            plan,
        }
    }
}

/// What [`Cache::insert`] replaced, to drop after.
#[allow(clippy::large_enum_variant)] // Not boxed: boxing allocates.
pub(crate) enum Evicted {
    One(#[allow(dead_code)] Option<Entry>),
    All(#[allow(dead_code)] [Option<Entry>; SLOTS]),
}

#[cfg(test)]
mod tests {
    use super::same_bytes;

    #[test]
    fn same_bytes_is_equality() {
        let cases = [
            "",
            "a",
            "app.db",
            "app.db.p",
            "app.db.pool",
            "a.b.c.d.e.f.g.h.i",
            "xxxxxxxxxxxxxxxxxxxxxxxxy",
        ];
        for a in cases {
            for b in cases {
                assert_eq!(
                    same_bytes(a.as_bytes(), b.as_bytes()),
                    a == b,
                    "{a:?} {b:?}"
                );
            }
        }
        // Every length, with the difference at every position.
        let base: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=base.len() {
            let copy = base[..n].to_vec();
            assert!(same_bytes(&base[..n], &copy));
            for at in 0..n {
                let mut other = base[..n].to_vec();
                other[at] ^= 1;
                assert!(!same_bytes(&base[..n], &other), "{n} {at}");
            }
        }
        assert!(!same_bytes(b"app.db.pool", b"app.db.poo1"));
        assert!(!same_bytes(b"Xpp.db.pool", b"app.db.pool"));
        assert!(!same_bytes(b"app.dX.pool.worker", b"app.db.pool.worker"));
    }
}

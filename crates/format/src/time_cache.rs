//! The per-thread table of recently formatted seconds, behind `asctime`.
//!
//! Everything in `asctime` but the milliseconds depends only on the whole second,
//! and records come in bursts within a second, so the text of the last second
//! seen is kept per formatter and per thread: no lock, no atomic, and a record in
//! the same second as the one before costs a probe and a copy.
//!
//! The table is a `const`-initialised `thread_local!` of [`Cell`]s: no lazy
//! initialisation check, no `RefCell` borrow flag. A slot's text is a `String`
//! moved out of its cell, copied and moved back; nothing runs in between that
//! could look at the same slot.
//!
//! Measured with callgrind (release build, `%(asctime)s` with a `datefmt`, one
//! second): the `RefCell` table with `try_borrow_mut` and a fallible probe cost 77
//! instructions per record before the copy; this one costs 27.

use std::cell::Cell;

/// One formatter's text for one second.
struct Slot {
    /// The formatter's id; 0 is never given out, so it marks an empty slot.
    id: Cell<u64>,
    secs: Cell<i64>,
    text: Cell<String>,
}

const SLOTS: usize = 4;

struct Table {
    slots: [Slot; SLOTS],
    /// The slot that answered last: tried first.
    last: Cell<usize>,
    /// The slot a new formatter takes next (round robin).
    next: Cell<usize>,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    id: Cell::new(0),
    secs: Cell::new(0),
    text: Cell::new(String::new()),
};

thread_local! {
    static TABLE: Table = const {
        Table {
            slots: [EMPTY; SLOTS],
            last: Cell::new(0),
            next: Cell::new(0),
        }
    };
}

/// Appends formatter `id`'s text for second `secs`: from the table, or written
/// by `fill` (which appends it to the string it is given) and kept. An error from
/// `fill` is returned and nothing is kept or appended.
#[inline]
pub(crate) fn append(
    id: u64,
    secs: i64,
    out: &mut String,
    fill: impl Fn(&mut String) -> Result<(), String>,
) -> Result<(), String> {
    // `try_with` fails only while the thread is being torn down (a record
    // formatted by another thread-local's destructor): then nothing is cached.
    match TABLE.try_with(|t| t.append(id, secs, out, &fill)) {
        Ok(r) => r,
        Err(_) => uncached(out, &fill),
    }
}

#[cold]
fn uncached(
    out: &mut String,
    fill: &dyn Fn(&mut String) -> Result<(), String>,
) -> Result<(), String> {
    let start = out.len();
    fill(out).inspect_err(|_| out.truncate(start))
}

impl Table {
    #[inline]
    fn append(
        &self,
        id: u64,
        secs: i64,
        out: &mut String,
        fill: &impl Fn(&mut String) -> Result<(), String>,
    ) -> Result<(), String> {
        let last = &self.slots[self.last.get() % SLOTS];
        if last.id.get() == id && last.secs.get() == secs {
            last.copy_to(out);
            return Ok(());
        }
        self.miss(id, secs, out, fill)
    }

    #[inline(never)]
    fn miss(
        &self,
        id: u64,
        secs: i64,
        out: &mut String,
        fill: &impl Fn(&mut String) -> Result<(), String>,
    ) -> Result<(), String> {
        if let Some(i) = self
            .slots
            .iter()
            .position(|s| s.id.get() == id && s.secs.get() == secs)
        {
            self.last.set(i);
            self.slots[i].copy_to(out);
            return Ok(());
        }
        // Refill this formatter's own slot if it has one, so that one formatter
        // does not evict the others as its seconds go by.
        let i = match self.slots.iter().position(|s| s.id.get() == id) {
            Some(i) => i,
            None => {
                let i = self.next.get() % SLOTS;
                self.next.set((i + 1) % SLOTS);
                i
            }
        };
        let slot = &self.slots[i];
        let mut text = slot.text.take();
        text.clear();
        slot.id.set(0);
        let r = fill(&mut text);
        if r.is_ok() {
            out.push_str(&text);
            slot.id.set(id);
            slot.secs.set(secs);
            self.last.set(i);
        }
        slot.text.set(text);
        r
    }
}

impl Slot {
    #[inline]
    fn copy_to(&self, out: &mut String) {
        let text = self.text.take();
        out.push_str(&text);
        self.text.set(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(id: u64, secs: i64, calls: &Cell<u32>) -> String {
        let mut out = String::from(">");
        append(id, secs, &mut out, |s| {
            calls.set(calls.get() + 1);
            s.push_str(&format!("{id}@{secs}"));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn keeps_one_second_per_formatter() {
        let calls = Cell::new(0);
        assert_eq!(get(101, 5, &calls), ">101@5");
        assert_eq!(get(101, 5, &calls), ">101@5");
        assert_eq!(get(102, 5, &calls), ">102@5");
        assert_eq!(get(101, 5, &calls), ">101@5");
        assert_eq!(calls.get(), 2);
        assert_eq!(get(101, 6, &calls), ">101@6");
        assert_eq!(get(102, 5, &calls), ">102@5", "101 refilled its own slot");
        assert_eq!(calls.get(), 3);
        // More formatters than slots: every one is still right.
        for round in 0..3 {
            for id in 200..207 {
                assert_eq!(get(id, round, &calls), format!(">{id}@{round}"));
            }
        }
    }

    #[test]
    fn a_failed_fill_keeps_and_appends_nothing() {
        let mut out = String::from("x");
        let r = append(300, 1, &mut out, |s| {
            s.push_str("partial");
            Err("boom".to_owned())
        });
        assert_eq!(r, Err("boom".to_owned()));
        assert_eq!(out, "x");
        let calls = Cell::new(0);
        assert_eq!(get(300, 1, &calls), ">300@1");
        assert_eq!(calls.get(), 1);
    }
}

//! The per-thread table of recently formatted seconds, behind `asctime`.
//!
//! Everything in `asctime` but the milliseconds depends only on the whole second,
//! and records come in bursts within a second, so the text of the last second
//! seen is kept per formatter and per thread: no lock, no atomic, and a record in
//! the same second as the one before costs a probe and a copy.
//!
//! The table is a `const`-initialised `thread_local!` of [`Cell`]s holding plain
//! data (keys, and texts inline in fixed arrays): no lazy initialisation, no
//! destructor to register, no `RefCell` borrow flag, so that reading it compiles
//! to a few loads from the thread's own memory and is inlined into the
//! formatter's loop. Texts longer than [`INLINE`] bytes (a `datefmt` that long
//! is rare) are kept in a second, heap-backed slot per thread.
//!
//! Measured with callgrind (release build, `examples/format_cost.rs`, the
//! format `%(asctime)s` with a `datefmt` less the format `%(message)s`, one
//! second): `asctime` cost 161 instructions per record with the previous
//! `RefCell` table of `String`s, and costs 57 with this one (and the `Stamp`),
//! 34 with the text copied whole from its slot, unchecked, under the record's
//! reservation ([`put`]). (A table of
//! `Cell<String>` slots, moved out and back, left `LocalKey::with` a call of 57
//! instructions.)

use std::cell::{Cell, RefCell};

/// The longest text kept inline.
pub(crate) const INLINE: usize = 47;

/// A text of at most [`INLINE`] bytes, stored inline.
#[derive(Clone, Copy)]
struct Text {
    /// At most `INLINE` ([`Text::new`]; nothing else sets it): [`put_at`]
    /// relies on it.
    len: u8,
    bytes: [u8; INLINE],
}

impl Text {
    const EMPTY: Text = Text {
        len: 0,
        bytes: [0; INLINE],
    };

    /// The text of `s`, if it fits.
    fn new(s: &str) -> Option<Text> {
        let mut t = Text::EMPTY;
        t.bytes.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        t.len = s.len() as u8;
        Some(t)
    }
}

const SLOTS: usize = 4;

/// A slot: the key, `(formatter id, second)`, and its text, in one 64-byte
/// line, so that a probe computes one address for both.
// Callgrind (`benches/compare`, the `format` scenario): against a key array
// and a text array indexed apart, 1,807 -> 1,803 instructions a call (`file`
// 1,825 -> 1,821).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    /// `(formatter id, second)`; id 0 is never given out: an empty slot.
    key: (u64, i64),
    text: Text,
}

// The key (16 bytes) and a `Text` (48) fill the line.
const _: () = assert!(std::mem::size_of::<Slot>() == 64);

/// The per-thread table: formatter ids and seconds, and their texts.
struct Table {
    slots: [Cell<Slot>; SLOTS],
    /// The slot that answered last: tried first.
    last: Cell<usize>,
    /// The slot a new formatter takes next (round robin).
    next: Cell<usize>,
}

#[allow(clippy::declare_interior_mutable_const)]
const NO_SLOT: Cell<Slot> = Cell::new(Slot {
    key: (0, 0),
    text: Text::EMPTY,
});

thread_local! {
    static TABLE: Table = const {
        Table {
            slots: [NO_SLOT; SLOTS],
            last: Cell::new(0),
            next: Cell::new(0),
        }
    };
    /// A text too long for the table: `(formatter id, second, text)`.
    static LONG: RefCell<(u64, i64, String)> = const { RefCell::new((0, 0, String::new())) };
}

/// Appends formatter `id`'s text for second `secs` if the table holds it, and
/// says whether it did. `id` is not 0.
pub(crate) fn copy(id: u64, secs: i64, out: &mut String) -> bool {
    out.reserve(INLINE);
    // SAFETY: room for `INLINE` bytes, just reserved.
    unsafe { put(id, secs, out) }
}

/// [`copy`] without the capacity check.
///
/// # Safety
/// `out` must have room for [`INLINE`] more bytes.
#[inline(always)]
pub(crate) unsafe fn put(id: u64, secs: i64, out: &mut String) -> bool {
    let len = out.len();
    // SAFETY: the caller's contract: `INLINE` bytes of spare capacity at `len`.
    // What `put_at` writes there is, in its first `n` bytes, a whole `str`
    // (its contract), so `out` stays UTF-8 with its length grown by `n`.
    unsafe {
        let v = out.as_mut_vec();
        match put_at(id, secs, v.as_mut_ptr().add(len)) {
            Some(n) => {
                v.set_len(len + n);
                true
            }
            None => false,
        }
    }
}

/// Writes formatter `id`'s text for second `secs` at `dst` if the table holds
/// it, and returns its length: the first that many bytes at `dst` are then a
/// whole `str` (all [`INLINE`] bytes are written, whatever the length). For the
/// fast steps, which keep the end of their output in a register.
///
/// # Safety
/// `dst` must be valid for writing [`INLINE`] bytes, outside the table.
// The text is copied from its slot, not out of the `Cell` first (a 48-byte copy
// onto the stack, then the append from there).
#[inline(always)]
pub(crate) unsafe fn put_at(id: u64, secs: i64, dst: *mut u8) -> Option<usize> {
    // `try_with`: the table has no destructor, so it is never gone; this only
    // makes sure nothing here can panic.
    let hit = TABLE.try_with(|t| {
        // SAFETY: the table belongs to this thread (`Cell` is not `Sync`) and
        // nothing sets this slot while the reference lives: only `dst`, which
        // is not the table, is written, and nothing is called.
        let slot = unsafe { &*t.slots[t.last.get() % SLOTS].as_ptr() };
        if slot.key != (id, secs) {
            return None;
        }
        let text = &slot.text;
        // All `INLINE` bytes are copied, whatever the text's length: three
        // 16-byte moves, with no branch on the length (callgrind, the comparison
        // layout: 315 -> 305 instructions per record, against the short copy of
        // `text.as_str()`); the length then covers the text alone.
        // SAFETY: the caller's contract: `dst` takes `INLINE` bytes. The first
        // `len` bytes of a `Text` are a whole `str` (`Text::new`).
        unsafe { std::ptr::copy_nonoverlapping(text.bytes.as_ptr(), dst, INLINE) };
        // At most `INLINE`: `Text::new` made it so, and nothing else sets it.
        // (Clamping it again cost 4 instructions a record: callgrind,
        // `examples/format_cost.rs`, the comparison layout 257 -> 253; the
        // `format` scenario 1,883 -> 1,879.)
        Some(usize::from(text.len))
    });
    match hit {
        Ok(Some(n)) => Some(n),
        // SAFETY: the caller's contract, passed on.
        _ => unsafe { put_searched(id, secs, dst) },
    }
}

/// [`put_at`] when the slot that answered last does not hold the text.
///
/// # Safety
/// As for [`put_at`].
#[cold]
#[inline(never)]
unsafe fn put_searched(id: u64, secs: i64, dst: *mut u8) -> Option<usize> {
    let text = search(id, secs)?;
    // SAFETY: the caller's contract: `dst` takes `INLINE` bytes; `text` is a
    // copy on the stack.
    unsafe { std::ptr::copy_nonoverlapping(text.bytes.as_ptr(), dst, INLINE) };
    Some(usize::from(text.len).min(INLINE))
}

/// [`copy`] when the slot that answered last does not hold the text.
#[cold]
#[inline(never)]
fn search(id: u64, secs: i64) -> Option<Text> {
    TABLE
        .try_with(|t| {
            let i = t.slots.iter().position(|k| k.get().key == (id, secs))?;
            t.last.set(i);
            Some(t.slots[i].get().text)
        })
        .ok()
        .flatten()
}

/// Appends formatter `id`'s text for second `secs`, written by `write` (which
/// appends it to the string it is given) unless it is the long text kept, and
/// keeps it for [`copy`]. An error from `write` is returned, and then nothing is
/// kept or appended. `id` is not 0.
#[cold]
pub(crate) fn fill(
    id: u64,
    secs: i64,
    out: &mut String,
    write: impl FnOnce(&mut String) -> Result<(), String>,
) -> Result<(), String> {
    let long = LONG.try_with(|l| match l.try_borrow() {
        Ok(l) if l.0 == id && l.1 == secs => {
            out.push_str(&l.2);
            true
        }
        _ => false,
    });
    if long == Ok(true) {
        return Ok(());
    }
    let start = out.len();
    if let Err(e) = write(out) {
        out.truncate(start);
        return Err(e);
    }
    let text = &out[start..];
    match Text::new(text) {
        Some(t) => {
            // `try_with` fails only while the thread is being torn down (a record
            // formatted by another thread-local's destructor): nothing is kept.
            let _ = TABLE.try_with(|table| table.keep(id, secs, t));
        }
        None => {
            let _ = LONG.try_with(|l| {
                if let Ok(mut l) = l.try_borrow_mut() {
                    l.0 = id;
                    l.1 = secs;
                    l.2.clear();
                    l.2.push_str(text);
                }
            });
        }
    }
    Ok(())
}

impl Table {
    fn keep(&self, id: u64, secs: i64, text: Text) {
        // This formatter's own slot if it has one, so that one formatter does
        // not evict the others as its seconds go by.
        let i = match self.slots.iter().position(|k| k.get().key.0 == id) {
            Some(i) => i,
            None => {
                let i = self.next.get() % SLOTS;
                self.next.set((i + 1) % SLOTS);
                i
            }
        };
        self.slots[i].set(Slot {
            key: (id, secs),
            text,
        });
        self.last.set(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(id: u64, secs: i64, calls: &Cell<u32>, text: &str) -> String {
        let mut out = String::from(">");
        if copy(id, secs, &mut out) {
            return out;
        }
        fill(id, secs, &mut out, |s| {
            calls.set(calls.get() + 1);
            s.push_str(&format!("{id}@{secs}{text}"));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn keeps_one_second_per_formatter() {
        let calls = Cell::new(0);
        assert_eq!(get(101, 5, &calls, ""), ">101@5");
        assert_eq!(get(101, 5, &calls, ""), ">101@5");
        assert_eq!(get(102, 5, &calls, "é"), ">102@5é");
        assert_eq!(get(101, 5, &calls, ""), ">101@5");
        assert_eq!(calls.get(), 2);
        assert_eq!(get(101, 6, &calls, ""), ">101@6");
        assert_eq!(
            get(102, 5, &calls, "é"),
            ">102@5é",
            "101 refilled its own slot"
        );
        assert_eq!(calls.get(), 3);
        // More formatters than slots: every one is still right.
        for round in 0..3 {
            for id in 200..207 {
                assert_eq!(get(id, round, &calls, ""), format!(">{id}@{round}"));
            }
        }
    }

    #[test]
    fn long_texts_are_kept_apart() {
        let calls = Cell::new(0);
        let long = "x".repeat(INLINE);
        let fits = "y".repeat(INLINE - 6);
        assert_eq!(get(400, 9, &calls, &long), format!(">400@9{long}"));
        assert_eq!(get(400, 9, &calls, &long), format!(">400@9{long}"));
        assert_eq!(calls.get(), 1);
        assert_eq!(get(401, 9, &calls, &fits), format!(">401@9{fits}"));
        assert_eq!(get(401, 9, &calls, &fits), format!(">401@9{fits}"));
        assert_eq!(get(400, 9, &calls, &long), format!(">400@9{long}"));
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn a_failed_fill_keeps_and_appends_nothing() {
        let mut out = String::from("x");
        let r = fill(300, 1, &mut out, |s| {
            s.push_str("partial");
            Err("boom".to_owned())
        });
        assert_eq!(r, Err("boom".to_owned()));
        assert_eq!(out, "x");
        assert!(!copy(300, 1, &mut out));
        let calls = Cell::new(0);
        assert_eq!(get(300, 1, &calls, ""), ">300@1");
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn texts_round_trip() {
        for s in ["", "a", "2025-01-31 12:00:00,", &"é".repeat(23)] {
            let t = Text::new(s).unwrap();
            assert_eq!(&t.bytes[..usize::from(t.len)], s.as_bytes());
        }
        assert!(Text::new(&"é".repeat(24)).is_none());
    }
}

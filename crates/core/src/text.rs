//! Appending short text to a `String`, cheaply.
//!
//! A record's line is assembled from a dozen short pieces: the cached date-time
//! text, the level name, the logger name, and every piece `core::fmt` writes for the
//! message (`"user "`, `"42"`, `" did "`, ...). `String::push_str` spends more on
//! each than the copy itself: a capacity check, then a call into the C library's
//! `memcpy`, which dispatches on the length before copying 8 bytes. [`push_str`]
//! copies pieces of up to 32 bytes inline, as two overlapping loads and stores, and
//! leaves longer ones to `memcpy`. [`Writer`] is the same for `core::fmt`.
//!
//! Measured with callgrind (`benches/compare`, the `format` scenario): rendering the
//! message through [`push_fmt`] instead of `write!(buf, "{}", args)` into a
//! `String` took the whole call from 2,422 to 2,220 instructions (one level of
//! `core::fmt` less, and `memcpy` 217 -> 82; the short path here is ~18
//! instructions a piece).

use std::fmt;

/// Appends `s` to `out`, as [`String::push_str`] does.
///
/// ```
/// let mut s = String::new();
/// for piece in ["", "a", "bc", "defg", "hijklmnopq", "rstuvwxyz0123456789ABCDEFGHIJKLMNOP"] {
///     logtree_core::text::push_str(&mut s, piece);
/// }
/// assert_eq!(s, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP");
/// ```
#[inline(always)]
pub fn push_str(out: &mut String, s: &str) {
    let n = s.len();
    let len = out.len();
    if n > 32 || out.capacity() - len < 32 {
        return push_str_slow(out, s);
    }
    // SAFETY: `out` has room for 32 more bytes (checked above) and `n <= 32`; every
    // load below reads inside `s` and every store writes inside the spare capacity.
    // The bytes appended are exactly `s`'s (the overlapping copies write the same
    // bytes twice), so `out` stays valid UTF-8; the length grows by `n`.
    unsafe {
        let v = out.as_mut_vec();
        copy_short(s.as_ptr(), v.as_mut_ptr().add(len), n);
        v.set_len(len + n);
    }
}

/// Appends `s` to `out` without checking the capacity, for writers that reserve
/// once for several pieces (the formatter's fast steps do, once per record).
///
/// ```
/// let mut s = String::with_capacity(16);
/// // SAFETY: 16 bytes of room, 11 appended.
/// unsafe { logtree_core::text::push_str_unchecked(&mut s, "hello world") };
/// assert_eq!(s, "hello world");
/// ```
///
/// # Safety
/// `out` must have room for `s`: `out.capacity() - out.len() >= s.len()`.
#[inline(always)]
pub unsafe fn push_str_unchecked(out: &mut String, s: &str) {
    let n = s.len();
    let len = out.len();
    debug_assert!(
        out.capacity() - len >= n,
        "push_str_unchecked beyond the room"
    );
    // SAFETY: the caller's contract: the spare capacity holds `n` bytes. The bytes
    // appended are `s`'s, so `out` stays UTF-8.
    unsafe {
        let v = out.as_mut_vec();
        write_str_at(v.as_mut_ptr().add(len), s);
        v.set_len(len + n);
    }
}

/// Copies `s`'s bytes to `dst`, short ones inline, for writers that keep the end
/// of their buffer in a register (the formatter's fast steps do).
///
/// ```
/// let mut buf = [0u8; 8];
/// // SAFETY: `buf` takes 8 bytes, 5 written.
/// unsafe { logtree_core::text::write_str_at(buf.as_mut_ptr(), "hello") };
/// assert_eq!(&buf[..5], b"hello");
/// ```
///
/// # Safety
/// `dst` must be valid for writing `s.len()` bytes, which do not overlap `s`.
#[inline(always)]
pub unsafe fn write_str_at(dst: *mut u8, s: &str) {
    let n = s.len();
    // SAFETY: the caller's contract.
    unsafe {
        if n <= 32 {
            copy_short_large_first(s.as_ptr(), dst, n);
        } else {
            std::ptr::copy_nonoverlapping(s.as_ptr(), dst, n);
        }
    }
}

/// Long pieces and a full buffer: out of line, so that the short path above keeps
/// no registers to save (a leaf: ~15 instructions a piece instead of ~28).
#[cold]
#[inline(never)]
fn push_str_slow(out: &mut String, s: &str) {
    out.reserve(s.len().max(32));
    out.push_str(s);
}

/// Copies `n <= 32` bytes from `src` to `dst` without a call: two loads and two
/// stores that may overlap, of the widest size that fits.
///
/// # Safety
/// `src` must be readable and `dst` writable for `n` bytes, and they must not
/// overlap.
// The sizes are tested from small to large: most pieces `core::fmt` writes for a
// message are 1 to 5 bytes (`"user "`, `"42"`, `" did "`, ...). Callgrind
// (`benches/compare`, the `format` scenario, 9 pieces a message):
// `<Writer as fmt::Write>::write_str` 246 -> 218 instructions a call, the
// scenario 1,911 -> 1,883. The formatter's pieces keep the other order
// ([`copy_short_large_first`]): with this one it cost 6 more a record.
#[inline(always)]
unsafe fn copy_short(src: *const u8, dst: *mut u8, n: usize) {
    debug_assert!(n <= 32);
    // SAFETY: the caller's contract, and `n <= 32`, so the copy is made.
    unsafe {
        copy_up_to_32(src, dst, n);
    }
}

/// [`copy_short`] for any `n`: copies and returns true when `n <= 32`, else copies
/// nothing and returns false (the check folded into the last step of the ladder,
/// where [`Cursor`]'s `write_str` needs it).
///
/// # Safety
/// When `n <= 32`: `src` must be readable and `dst` writable for `n` bytes, and
/// they must not overlap.
#[inline(always)]
unsafe fn copy_up_to_32(src: *const u8, dst: *mut u8, n: usize) -> bool {
    use std::ptr::{read_unaligned as rd, write_unaligned as wr};
    // SAFETY: the caller's contract; each access below is within the first `n`
    // bytes, and none is made when `n > 32`.
    unsafe {
        if n < 4 {
            // 2 or 3 bytes: two 2-byte words that may overlap; 1: a byte. Where the
            // first, middle and last byte were copied one by one (callgrind:
            // `<Cursor as fmt::Write>::write_str` 155 -> 134 instructions a call, 5
            // of its 9 pieces are 1 to 3 bytes; `format` 1,664 -> 1,643, `file`
            // 1,679 -> 1,658).
            if n >= 2 {
                let a = rd(src as *const u16);
                let b = rd(src.add(n - 2) as *const u16);
                wr(dst as *mut u16, a);
                wr(dst.add(n - 2) as *mut u16, b);
            } else if n == 1 {
                *dst = *src;
            }
        } else if n < 8 {
            let a = rd(src as *const u32);
            let b = rd(src.add(n - 4) as *const u32);
            wr(dst as *mut u32, a);
            wr(dst.add(n - 4) as *mut u32, b);
        } else if n < 16 {
            let a = rd(src as *const u64);
            let b = rd(src.add(n - 8) as *const u64);
            wr(dst as *mut u64, a);
            wr(dst.add(n - 8) as *mut u64, b);
        } else if n <= 32 {
            copy_16_to_32(src, dst, n);
        } else {
            return false;
        }
    }
    true
}

/// Copies `16 <= n <= 32` bytes: the first 16 and the last 16, which may overlap.
///
/// On x86-64 through SSE2 registers (part of the architecture's baseline): two
/// `[u8; 16]` values were kept in a stack slot between the loads and the stores
/// in the formatter (a store and a load more a string; callgrind: the
/// formatter 181 -> 179 instructions a call, `format` 1,643 -> 1,641, `file`
/// 1,658 -> 1,656).
///
/// # Safety
/// `src` must be readable and `dst` writable for `n` bytes, `16 <= n <= 32`, and
/// they must not overlap.
#[inline(always)]
unsafe fn copy_16_to_32(src: *const u8, dst: *mut u8, n: usize) {
    debug_assert!((16..=32).contains(&n));
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the caller's contract: both 16-byte ranges, at 0 and at `n - 16`,
    // lie within the first `n` bytes of `src` and of `dst`. The unaligned load and
    // store intrinsics need SSE2 only, which every x86-64 processor has (it is in
    // the target's baseline features, so no run-time check is needed).
    unsafe {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_storeu_si128};
        let a = _mm_loadu_si128(src as *const __m128i);
        let b = _mm_loadu_si128(src.add(n - 16) as *const __m128i);
        _mm_storeu_si128(dst as *mut __m128i, a);
        _mm_storeu_si128(dst.add(n - 16) as *mut __m128i, b);
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: as above.
    unsafe {
        use std::ptr::{read_unaligned as rd, write_unaligned as wr};
        let a = rd(src as *const [u8; 16]);
        let b = rd(src.add(n - 16) as *const [u8; 16]);
        wr(dst as *mut [u8; 16], a);
        wr(dst.add(n - 16) as *mut [u8; 16], b);
    }
}

/// [`copy_short`] testing the sizes from large to small, for the formatter's
/// pieces (the record's strings: a logger name, a message), longer than most
/// that `core::fmt` writes.
///
/// # Safety
/// As for [`copy_short`].
#[inline(always)]
unsafe fn copy_short_large_first(src: *const u8, dst: *mut u8, n: usize) {
    use std::ptr::{read_unaligned as rd, write_unaligned as wr};
    // SAFETY: the caller's contract; each access below is within the first `n` bytes.
    unsafe {
        if n >= 16 {
            copy_16_to_32(src, dst, n);
        } else if n >= 8 {
            let a = rd(src as *const u64);
            let b = rd(src.add(n - 8) as *const u64);
            wr(dst as *mut u64, a);
            wr(dst.add(n - 8) as *mut u64, b);
        } else if n >= 4 {
            let a = rd(src as *const u32);
            let b = rd(src.add(n - 4) as *const u32);
            wr(dst as *mut u32, a);
            wr(dst.add(n - 4) as *mut u32, b);
        } else if n >= 2 {
            // 2 or 3 bytes: two 2-byte words that may overlap.
            let a = rd(src as *const u16);
            let b = rd(src.add(n - 2) as *const u16);
            wr(dst as *mut u16, a);
            wr(dst.add(n - 2) as *mut u16, b);
        } else if n == 1 {
            *dst = *src;
        }
    }
}

/// A `core::fmt` writer appending to a `String` with [`push_str`].
///
/// ```
/// use std::fmt::Write;
/// let mut s = String::new();
/// write!(logtree_core::text::Writer(&mut s), "user {} did {} in {} ms", 42, "login", 3.5).unwrap();
/// assert_eq!(s, "user 42 did login in 3.5 ms");
/// ```
#[derive(Debug)]
pub struct Writer<'a>(pub &'a mut String);

impl fmt::Write for Writer<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_str(self.0, s);
        Ok(())
    }

    #[inline]
    fn write_char(&mut self, c: char) -> fmt::Result {
        self.0.push(c);
        Ok(())
    }
}

/// The writer [`push_fmt`] renders through: [`Writer`] with the end of the text
/// and the last position that has 32 bytes of room after it held in itself, so that
/// each piece `core::fmt` writes costs a compare of two words it holds instead of
/// loads through the `String` and a capacity subtraction. The `String`'s length is
/// set from the cursor when the writer drops (also when a `Display` impl panics
/// mid-way: what was written stays, whole pieces only) and before every change to
/// the `String` (the slow path).
///
/// Callgrind (`benches/compare`, the `format` scenario, 9 pieces a message):
/// `write_str` 218 -> 155 instructions a call (the slow path a tail call, so the
/// fast one sets up no frame), the bridge's `dispatch`, which sets the cursor up
/// and syncs it, 210 -> 225; the scenario 1,824 -> 1,776 (`file` 1,842 -> 1,794).
struct Cursor<'a> {
    /// The end of the text: the `String`'s buffer plus the length it will have.
    pos: *mut u8,
    /// The buffer plus its capacity minus 32: while `pos <= limit`, a piece of up
    /// to 32 bytes fits.
    limit: *mut u8,
    out: &'a mut String,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn new(out: &'a mut String) -> Cursor<'a> {
        if out.capacity() - out.len() < 32 {
            out.reserve(32);
        }
        let mut c = Cursor {
            pos: std::ptr::null_mut(),
            limit: std::ptr::null_mut(),
            out,
        };
        c.rebase();
        c
    }

    /// [`Cursor::new`] on `out` emptied: the cursor starts at the buffer itself,
    /// where `new` added the length, unknown after the room check's `reserve`
    /// (callgrind: `dispatch` 204 -> 202 instructions a call, `format` 1,627 ->
    /// 1,625, `file` 1,642 -> 1,640).
    #[inline]
    fn new_empty(out: &'a mut String) -> Cursor<'a> {
        out.clear();
        if out.capacity() < 32 {
            out.reserve(32);
        }
        let cap = out.capacity();
        // SAFETY: `cap >= 32`: `limit` stays inside the buffer's allocation. The
        // `String` is empty (cleared above; `reserve` keeps the length), so its
        // text ends at the buffer's start, `pos`. `as_mut_vec` is
        // only used to reach the pointer; nothing is written.
        unsafe {
            let base = out.as_mut_vec().as_mut_ptr();
            Cursor {
                pos: base,
                limit: base.add(cap - 32),
                out,
            }
        }
    }

    /// Points the cursor at the end of the `String`'s text, which has room for
    /// at least 32 more bytes.
    #[inline]
    fn rebase(&mut self) {
        let len = self.out.len();
        let cap = self.out.capacity();
        debug_assert!(cap - len >= 32);
        // SAFETY: `len <= cap - 32 <= cap`: both offsets stay inside (or one past
        // the end of) the buffer's allocation. `as_mut_vec` is only used to reach
        // the pointer; nothing is written.
        unsafe {
            let base = self.out.as_mut_vec().as_mut_ptr();
            self.pos = base.add(len);
            self.limit = base.add(cap - 32);
        }
    }

    /// Sets the `String`'s length to the cursor's.
    #[inline]
    fn sync(&mut self) {
        // SAFETY: `pos` points into the `String`'s current buffer (set by
        // `rebase` after its last change, and moved only forward over bytes copied
        // there, never past its capacity); every byte before it is initialized and
        // the text is whole `&str` pieces appended to valid UTF-8, so valid UTF-8.
        unsafe {
            let v = self.out.as_mut_vec();
            let len = self.pos as usize - v.as_ptr() as usize;
            debug_assert!(len <= v.capacity());
            v.set_len(len);
        }
    }

    /// Sets the `String`'s length and returns its text, ending the cursor.
    #[inline]
    fn finish(self) -> &'a str {
        let mut c = std::mem::ManuallyDrop::new(self);
        c.sync();
        // SAFETY: `c` is never used again (and not dropped), so moving `out` out of
        // it leaves no second reference behind.
        let out: &'a mut String = unsafe { std::ptr::read(&c.out) };
        out
    }

    /// A piece longer than 32 bytes, or less than 32 bytes of room left.
    #[cold]
    #[inline(never)]
    fn write_slow(&mut self, s: &str) -> fmt::Result {
        self.sync();
        // Room for the piece and 32 bytes more, for the fast path after it. A
        // panic here (capacity overflow) leaves the buffer, and so `pos`, as it was.
        self.out.reserve(s.len() + 32);
        self.out.push_str(s);
        self.rebase();
        Ok(())
    }
}

impl Drop for Cursor<'_> {
    #[inline]
    fn drop(&mut self) {
        self.sync();
    }
}

impl fmt::Write for Cursor<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len();
        let (src, dst) = (s.as_ptr(), self.pos);
        if dst > self.limit {
            // A tail call: no frame to set up on the fast path.
            return self.write_slow(s);
        }
        // SAFETY: `dst <= limit`: the buffer has at least 32 bytes of room at `dst`;
        // the copy is made only when `n <= 32`, reading inside `s` and writing its
        // `n` bytes at `dst`. `pos` then moves past exactly those bytes.
        unsafe {
            if !copy_up_to_32(src, dst, n) {
                return self.write_slow(s);
            }
            self.pos = dst.add(n);
        }
        Ok(())
    }

    #[inline]
    fn write_char(&mut self, c: char) -> fmt::Result {
        self.write_str(c.encode_utf8(&mut [0; 4]))
    }
}

/// Renders `args` onto the end of `out` (what `write!(out, "{}", args)` does, without
/// the extra level of `core::fmt` that costs ~60 instructions a call).
///
/// ```
/// let mut s = String::from("> ");
/// logtree_core::text::push_fmt(&mut s, format_args!("{}-{}", 1, "two"));
/// assert_eq!(s, "> 1-two");
/// ```
#[inline]
pub fn push_fmt(out: &mut String, args: fmt::Arguments<'_>) {
    match args.as_str() {
        Some(s) => push_str(out, s),
        None => {
            // A `Display` impl may fail; what it wrote stays, as with `to_string`
            // minus the panic. The cursor sets `out`'s length when it drops.
            let _ = fmt::write(&mut Cursor::new(out), args);
        }
    }
}

/// Replaces `out`'s text with `args` rendered, and returns it: [`push_fmt`] onto
/// an empty `String`, for a reused buffer. The text comes from the cursor that
/// wrote it, without reading the `String` back (with the `log` bridge's buffer
/// no longer optional, callgrind, the `format` scenario: 1,710 -> 1,699
/// instructions a call).
///
/// ```
/// let mut s = String::from("old");
/// assert_eq!(logtree_core::text::set_fmt(&mut s, format_args!("{}-{}", 1, "two")), "1-two");
/// assert_eq!(s, "1-two");
/// ```
#[inline]
pub fn set_fmt<'s>(out: &'s mut String, args: fmt::Arguments<'_>) -> &'s str {
    out.clear();
    match args.as_str() {
        Some(s) => {
            push_str(out, s);
            out
        }
        None => {
            let mut c = Cursor::new_empty(out);
            let _ = fmt::write(&mut c, args);
            c.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_and_capacity() {
        let source: String = (0..100u8).map(|i| char::from(b'!' + i % 90)).collect();
        for cap in [0usize, 1, 31, 32, 33, 64, 100] {
            for start in 0..40usize {
                for n in 0..=40usize {
                    let mut out = String::with_capacity(cap);
                    out.push_str(&source[..start.min(source.len())]);
                    let piece = &source[start..start + n];
                    let mut want = out.clone();
                    want.push_str(piece);
                    push_str(&mut out, piece);
                    assert_eq!(out, want, "cap {cap} start {start} n {n}");
                }
            }
        }
    }

    /// Both size ladders, and the unchecked appends built on them, copy exactly
    /// the `n` bytes for every `n`, and write nothing around them.
    #[test]
    fn both_ladders_copy_every_length() {
        let source: Vec<u8> = (0..64u8).map(|i| b'A' + i % 26).collect();
        for n in 0..=32usize {
            for copy in [copy_short, copy_short_large_first] {
                let mut dst = [b'.'; 40];
                // SAFETY: `n <= 32` bytes from `source` (64) to `dst[4..]` (36).
                unsafe { copy(source.as_ptr(), dst.as_mut_ptr().add(4), n) };
                assert_eq!(&dst[4..4 + n], &source[..n], "n {n}");
                assert!(
                    dst[..4].iter().chain(&dst[4 + n..]).all(|&b| b == b'.'),
                    "n {n}"
                );
            }
        }
        let text = std::str::from_utf8(&source).unwrap();
        for n in 0..=64usize {
            let mut out = String::with_capacity(n + 3);
            out.push_str("ab");
            // SAFETY: room for `n` bytes, reserved above.
            unsafe { push_str_unchecked(&mut out, &text[..n]) };
            assert_eq!(out, format!("ab{}", &text[..n]), "n {n}");
        }
    }

    #[test]
    fn multibyte_text_stays_whole() {
        let mut out = String::with_capacity(64);
        for piece in ["é", "日本", "🎉x", "añb", "ü"] {
            push_str(&mut out, piece);
        }
        assert_eq!(out, "é日本🎉xañbü");
    }

    /// `Display` pieces of every length (empty, short, across the 32-byte fast
    /// path, longer), starting from every capacity and length, land whole.
    #[test]
    fn cursor_every_piece_and_capacity() {
        struct Piece<'a>(&'a str);
        impl fmt::Display for Piece<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
        let source: String = (0..200u32)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        for cap in [0usize, 1, 31, 32, 33, 40, 64, 100] {
            for start in [0usize, 1, 7, 30, 31, 32, 33] {
                for n in 0..=70usize {
                    let mut out = String::with_capacity(cap);
                    out.push_str(&source[..start]);
                    let p = &source[start..start + n];
                    let mut want = out.clone();
                    // Several pieces, so the room runs out somewhere in between.
                    push_fmt(&mut out, format_args!("{}{}-{}", Piece(p), Piece(p), n));
                    want.push_str(&format!("{p}{p}-{n}"));
                    assert_eq!(out, want, "cap {cap} start {start} n {n}");
                }
            }
        }
        // Many pieces: the buffer grows several times mid-message.
        let mut out = String::new();
        let words: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
        push_fmt(&mut out, format_args!("{}", Join(&words)));
        assert_eq!(out, words.concat());

        struct Join<'a>(&'a [String]);
        impl fmt::Display for Join<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|w| f.write_str(w))
            }
        }
    }

    #[test]
    fn cursor_multibyte_and_chars() {
        let mut out = String::from("é");
        let n = std::hint::black_box(3);
        push_fmt(
            &mut out,
            format_args!("日本{}🎉{:?}{}añb{}", 'ü', 'ß', n, "x".repeat(40) + "€"),
        );
        assert_eq!(out, format!("é日本ü🎉'ß'3añb{}€", "x".repeat(40)));
    }

    /// A `Display` impl that panics mid-way leaves the `String` whole: valid UTF-8,
    /// its length covering exactly the pieces written before the panic.
    #[test]
    fn cursor_panic_midway_leaves_the_text_whole() {
        struct Boom;
        impl fmt::Display for Boom {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("ok ")?;
                f.write_str("ñ")?;
                panic!("boom")
            }
        }
        let long = "l".repeat(50);
        for cap in [0usize, 8, 40, 200] {
            let mut out = String::with_capacity(cap);
            out.push('x');
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                push_fmt(&mut out, format_args!("a{}{}{}", long, Boom, 1))
            }));
            assert!(r.is_err());
            assert_eq!(out, format!("xa{long}ok ñ"), "cap {cap}");
            assert!(std::str::from_utf8(out.as_bytes()).is_ok());
            // The string is still usable.
            out.push('!');
            assert!(out.ends_with("ñ!"));
        }
    }

    /// A `Display` impl that renders (into another `String`) while the cursor is
    /// out, as a nested logging call does.
    #[test]
    fn cursor_nested_rendering() {
        struct Nested;
        impl fmt::Display for Nested {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut inner = String::new();
                push_fmt(&mut inner, format_args!("in{}", std::hint::black_box(1)));
                f.write_str(&inner)
            }
        }
        let mut out = String::new();
        push_fmt(&mut out, format_args!("<{}{}>", Nested, Nested));
        assert_eq!(out, "<in1in1>");
    }

    #[test]
    fn writer_matches_format() {
        let mut out = String::new();
        push_fmt(
            &mut out,
            format_args!("{:>6}|{:<4}|{:.3}|{:?}", 42, "ab", 1.0 / 3.0, "q\""),
        );
        assert_eq!(
            out,
            format!("{:>6}|{:<4}|{:.3}|{:?}", 42, "ab", 1.0 / 3.0, "q\"")
        );
    }

    #[test]
    fn set_fmt_replaces_the_text_and_returns_it() {
        let long = "x".repeat(70);
        for cap in [0usize, 5, 31, 32, 33, 100] {
            for old in ["", "old text", long.as_str()] {
                let mut out = String::with_capacity(cap);
                out.push_str(old);
                let got = set_fmt(&mut out, format_args!("a{}b{}", 1, long)).to_owned();
                assert_eq!(got, format!("a1b{long}"));
                assert_eq!(out, got);
                assert_eq!(set_fmt(&mut out, format_args!("lit")), "lit");
                assert_eq!(set_fmt(&mut out, format_args!("{}", 2.5)), "2.5");
                assert_eq!(out, "2.5");
            }
        }
    }
}

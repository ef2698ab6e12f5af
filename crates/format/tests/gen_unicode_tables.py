#!/usr/bin/env python3
"""Writes crates/format/src/unicode_tables.rs from CPython 3.11's own tables.

    python3 crates/format/tests/gen_unicode_tables.py > crates/format/src/unicode_tables.rs
    python3 crates/format/tests/gen_unicode_tables.py --core > crates/core/src/printable_table.rs

(`--core` writes the `str.isprintable` table, which lives in logtree-core because
every crate's Python `repr()` goes through `logtree_core::write_str_repr`.)

The formatter must classify characters exactly as CPython 3.11 (Unicode 14.0)
does in three places: the `re` module's `\\w` and `\\d` (logging's validation
patterns), `Py_UNICODE_TODECIMAL` (field indexes and widths in str.format), and
`str.isprintable` (repr()).  It also needs the attribute names of the value
types a record holds, to tell a missing attribute from a method.
"""
import sys
import unicodedata

assert sys.version_info[:2] == (3, 11), "run with CPython 3.11"
import re


def ranges(pred):
    out = []
    for i in range(0x110000):
        if pred(chr(i)):
            if out and out[-1][1] == i - 1:
                out[-1][1] = i
            else:
                out.append([i, i])
    return out


def emit(name, doc, rs):
    print("/// %s" % doc)
    print("pub(crate) static %s: &[(u32, u32)] = &[" % name)
    line = "   "
    for a, b in rs:
        item = " (0x%x, 0x%x)," % (a, b)
        if len(line) + len(item) > 96:
            print(line)
            line = "   "
        line += item
    print(line)
    print("];")
    print()


word = ranges(lambda c: re.fullmatch(r"\w", c) is not None)
decimal = ranges(lambda c: c.isdecimal())
for a, b in decimal:
    assert unicodedata.decimal(chr(a)) == 0 and (b - a + 1) % 10 == 0
nonprintable = ranges(lambda c: not c.isprintable())

if sys.argv[1:] == ["--core"]:
    print("//! `str.isprintable`'s table, generated from CPython %s (Unicode %s) by" % (sys.version.split()[0], unicodedata.unidata_version))
    print("//! `crates/format/tests/gen_unicode_tables.py --core`; do not edit by hand.")
    print("//!")
    print("//! Sorted, non-overlapping, inclusive code point ranges, searched by binary search.")
    print()
    emit("NONPRINTABLE", "Characters `str.isprintable` rejects (repr() escapes them).", nonprintable)
    sys.exit(0)

print("//! Character tables generated from CPython %s (Unicode %s) by" % (sys.version.split()[0], unicodedata.unidata_version))
print("//! `crates/format/tests/gen_unicode_tables.py`; do not edit by hand.")
print("//!")
print("//! Sorted, non-overlapping, inclusive code point ranges, searched by binary search.")
print()
emit("WORD", "Characters Python's `re` matches with `\\w` in a str pattern.", word)
emit("DECIMAL", "Decimal digits (`str.isdecimal`); every range starts at a zero and holds whole runs of ten.", decimal)
types = [("INT", 5), ("BOOL", True), ("FLOAT", 1.5), ("STR", "s"), ("NONE", None), ("TUPLE", ())]
for name, v in types:
    names = sorted(dir(v))
    print("/// `dir(%s)` in CPython 3.11." % type(v).__name__)
    print("pub(crate) static ATTRS_%s: &[&str] = &[" % name)
    line = "   "
    for n in names:
        item = ' "%s",' % n
        if len(line) + len(item) > 96:
            print(line)
            line = "   "
        line += item
    print(line)
    print("];")
    print()

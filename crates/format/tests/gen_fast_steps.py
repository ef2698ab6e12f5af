#!/usr/bin/env python3
"""CPython 3.11's output for the formats logtree-format writes through fast steps.

    TZ=UTC python3 crates/format/tests/gen_fast_steps.py

The formatter compiles the usual fields (`%(asctime)s.%(msecs)03d`,
`{msecs:03.0f}`, `%(levelname)-8s`, `{lineno:05d}`, ...) into steps that write
straight from the record and the per-second `asctime` cache, falling back to the
general path for the values they do not cover (`msecs` before 1970, for one).
This records Python's output for those formats, their near misses (specs that
must take the general path) and records chosen for the edges (the first and last
millisecond of a second, 1970, before 1970, far ahead), in the format of
gen_corpus.py:

  fast_steps_records.json   the records
  fast_steps.jsonl          the formats

The Rust test (tests/corpus.rs) replays them.
"""
import json
import os

import gen_corpus as g

DATE = "%Y-%m-%d %H:%M:%S"

BASE = dict(g.RECORDS[0], extra={})
RECORDS = [
    dict(BASE, created=1738324800.123),
    dict(BASE, created=0.0, lineno=0, levelno=25, process=2**40 + 7, name="root"),
    dict(BASE, created=-0.5, levelno=10),
    dict(BASE, created=1709251199.9990234, lineno=123456, levelno=50),
    dict(BASE, created=946684800.0005, levelno=40, thread=1),
    dict(BASE, created=-1.25, levelno=30),
    dict(BASE, created=1e12 + 0.5, levelno=5),
    dict(BASE, created=1700000000.0, name="app.\u00fc", msg="m\u00e9ss {x} %(y)s $z"),
]

PERCENT = [
    ("%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s", DATE),
    ("%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s", None),
    ("%(asctime)s %(levelname)s %(name)s %(message)s", None),
    ("[%(asctime)s] %(levelname)-8s %(name)s: %(message)s", DATE),
    ("%(asctime)s.%(msecs)03d", "%H:%M:%S"),
    ("%(asctime)s %(msecs)03d|%(msecs)03.0f|%(msecs)d|%(msecs)3d|%(msecs)03.0F|%(msecs)04d|%(msecs)-03d", DATE),
    ("%(asctime)s%(asctime)s.%(msecs)03d", DATE),
    ("%(asctime)s.%(msecs)03d%(msecs)03d|%(asctime)s", DATE),
    ("%(asctime)s", "%d/%b/%Y:%H:%M:%S +0000 and a long tail of literal text"),
    ("%(asctime)s.%(msecs)03d", "%d/%b/%Y:%H:%M:%S and a long tail of literal text"),
    ("%(levelname)-8s|%(levelname)8s|%(levelname)-3s|%(name)20s|%(name)-20s|%(message)s", None),
    ("%(lineno)d|%(lineno)5d|%(lineno)-5d|%(lineno)05d|%(lineno)-05d|%(lineno)s|%(lineno)5s|%(lineno)-5s|%(lineno)i|%(lineno)u", None),
    ("%(lineno)+d|%(lineno) d|%(lineno).3d|%(lineno)#d|%(lineno)05s|%(lineno)x", None),
    ("%(process)d %(thread)d %(levelno)d %(levelno)03d %(process)12d %(levelno)s", None),
    ("%(filename)s:%(lineno)d %(module)s.%(funcName)s %(pathname)s %(processName)s %(threadName)s", None),
    ("%(asctime)-30s|%(message)s", DATE),
    ("%(asctime)s|%(asctime)5s|%(msecs)03d", DATE),
    ("%(msecs)03d %(message)s", None),
    ("%(created)f %(msecs)03d", None),
]

BRACE = [
    ("{asctime}.{msecs:03.0f} {levelname} {name} {message}", DATE),
    ("{asctime}.{msecs:03.0f} {levelname} {name} {message}", None),
    ("{asctime} {levelname:<8} {name}: {message}", None),
    ("{asctime}|{msecs:03.0f}|{msecs:0>3.0f}|{msecs:03.0F}|{msecs:<03.0f}|{msecs:03.1f}|{msecs:04.0f}", DATE),
    ("{msecs:03}|{msecs:3.0f}|{msecs:+03.0f}|{msecs: 03.0f}|{msecs:=03.0f}|{msecs:z03.0f}|{msecs:#03.0f}", None),
    ("{levelname:<8}|{levelname:8}|{levelname:>8}|{levelname:^9}|{levelname:3}|{name:>20}|{levelname:s}", None),
    ("{lineno:d}|{lineno:5d}|{lineno:<5}|{lineno:05d}|{lineno:<05}|{lineno:*^7}|{lineno:=5}|{lineno:x<5d}", None),
    ("{lineno:-d}|{lineno:+d}|{lineno:#d}|{lineno:,d}|{lineno:_d}|{lineno:5}|{lineno:0}|{lineno:00}|{lineno: d}", None),
    ("{lineno:^06}|{lineno:0<6}|{lineno:0=6}|{lineno:x}|{lineno:n}|{lineno:s}", None),
    ("{process:d} {thread:d} {levelno:d} {levelno:03d} {process:>12} {levelno}", None),
    ("{asctime}{msecs:03.0f}", None),
    ("{asctime}.{msecs:03.0f}{asctime}", "%H:%M:%S"),
    ("{asctime:>30}|{message}", DATE),
    ("{msecs:03.0f} {message}", None),
]

DOLLAR = [
    ("${asctime} ${levelname} ${name} ${message}", DATE),
    ("${asctime} ${levelname} ${name} ${message}", None),
    ("$asctime.$msecs $levelname $lineno $process", None),
]

MSEC_FORMATS = [None, "%s.%03d", "", "%s%%%03d", "%s,%06.2f"]


def cases():
    for style, formats in (("%", PERCENT), ("{", BRACE), ("$", DOLLAR)):
        for fmt, datefmt in formats:
            base = {"fmt": fmt, "style": style, "validate": True}
            if datefmt is not None:
                base["datefmt"] = datefmt
            yield base
            yield dict(base, utc=True)
            if datefmt is None and "asctime" in fmt:
                for m in MSEC_FORMATS[1:]:
                    yield dict(base, default_msec_format=m)
                yield dict(base, default_time_format="%H:%M:%S")


def main():
    g.RECORDS = RECORDS
    with open(os.path.join(g.OUT, "fast_steps_records.json"), "w", encoding="utf-8", newline="\n") as fh:
        json.dump([g.rust_view(r) for r in RECORDS], fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    g.write("fast_steps.jsonl", cases())


if __name__ == "__main__":
    main()

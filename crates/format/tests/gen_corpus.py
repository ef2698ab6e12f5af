#!/usr/bin/env python3
"""Differential corpus for logtree-format, recorded from CPython 3.11's logging.

    TZ=UTC python3 crates/format/tests/gen_corpus.py

Writes, under crates/format/tests/data/:

  records.json    the fixed records every case is formatted with
  percent.jsonl   generated '%'-style formats
  brace.jsonl     generated '{'-style formats
  dollar.jsonl    generated '$'-style formats
  datefmt.jsonl   generated datefmt patterns (time.strftime on glibc), with
                  default_time_format / default_msec_format / converter variants

Each line is one formatter: its options, then either the error building it
raised ("build_error") or, per record, the formatted text ("ok") or the error
formatting raised ("err", str(exception); "etype" is informational).  A line
whose output depends on something logtree deliberately does differently is
tagged "deliberate" with the reason (see the crate docs); the replay test
checks that logtree refuses those instead.

Everything is generated from a fixed seed, so the files are reproducible; the
Rust test (tests/corpus.rs) replays them offline.
"""
import json
import logging
import os
import random
import sys
import time

assert sys.version_info[:2] == (3, 11), "record with CPython 3.11"
assert os.environ.get("TZ") == "UTC", "record with TZ=UTC"
time.tzset()

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SEED = 20240611

# ---------------------------------------------------------------- records

RECORDS = [
    {
        "name": "app.db", "levelno": 20, "msg": "pool ready",
        "pathname": "/srv/app/db/pool.py", "lineno": 42, "funcName": "connect",
        "created": 1700000000.125, "thread": 140000000000001, "threadName": "MainThread",
        "process": 4242, "processName": "MainProcess", "exc_text": None, "stack_info": None,
        "extra": {"user": "ann", "count": 1234567, "ratio": 0.4567, "flag": True,
                  "none": None, "width": 12, "neg": -42, "big": 2 ** 70,
                  "uni": "\u00fcn\u00ef \u2713", "empty": "", "pi": 3.14159},
    },
    {
        "name": "root", "levelno": 25, "msg": "with {braces} %s $dollar %(name)s",
        "pathname": "main.py", "lineno": 7, "funcName": "<module>",
        "created": 946684800.0, "thread": 1, "threadName": "worker-1",
        "process": 1, "processName": "proc", "exc_text": "Traceback:\nValueError: x",
        "stack_info": None,
        "extra": {"user": "bob", "count": -7, "flag": False, "none": None, "width": 3,
                  "neg": 0, "big": -1, "empty": "x", "pi": -0.0},
    },
    {
        "name": "a", "levelno": 40, "msg": "line1\nline2\n",
        "pathname": "rel/dir/my.module.py", "lineno": 0, "funcName": "f",
        "created": 1709251199.9990234, "thread": 99, "threadName": "T",
        "process": 77, "processName": "P", "exc_text": "E",
        "stack_info": "Stack:\n  x",
        "extra": {"user": "it's \"q\"", "count": 0, "ratio": 1e16, "flag": True, "none": None,
                  "width": 0, "neg": -1e-07, "big": 5, "uni": "\U0001f600\t\x07", "empty": "",
                  "pi": 1e-05},
    },
]


def make_record(spec):
    r = logging.LogRecord(spec["name"], spec["levelno"], spec["pathname"], spec["lineno"],
                          spec["msg"], (), None, func=spec["funcName"])
    r.created = spec["created"]
    r.msecs = int((r.created - int(r.created)) * 1000) + 0.0
    r.relativeCreated = 0.0
    r.thread = spec["thread"]
    r.threadName = spec["threadName"]
    r.process = spec["process"]
    r.processName = spec["processName"]
    r.exc_text = spec["exc_text"]
    r.stack_info = spec["stack_info"]
    for k, v in spec["extra"].items():
        setattr(r, k, v)
    return r


# ---------------------------------------------------------------- running

DELIBERATE_MARKS = [
    ("record_dict", "'processName': "),   # '%s' without a key formatted record.__dict__
    ("method", " object at 0x"),
    ("method", "<built-in method"),
    ("method", "<class '"),
    ("method", "<method-wrapper"),
]


def tag(v):
    """A value as [type, text], so that the Rust side parses it exactly."""
    if v is None:
        return ["none", ""]
    if isinstance(v, bool):
        return ["bool", str(v)]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["float", repr(v)]
    return ["str", v]


def rust_view(spec):
    """A record for records.json: numbers as text, extras tagged."""
    out = dict(spec)
    out["created"] = repr(spec["created"])
    out["extra"] = [[k] + tag(v) for k, v in spec["extra"].items()]
    return out


class _Probe(dict):
    """record.__dict__ whose repr is recognisable: '@' never occurs otherwise."""

    def __repr__(self):
        return "@" * 64

    __str__ = __repr__


def whole_record_used(case, record):
    """Whether a keyless %-conversion printed (part of) repr(record.__dict__)."""
    values = _Probe(dict(case.get("defaults") or {}) | record.__dict__)
    try:
        return "@" in case["fmt"] % values
    except Exception:  # noqa: BLE001
        return False


def run_case(case):
    """Builds the formatter a case describes and formats every record."""
    kwargs = {}
    if case.get("defaults") is not None:
        kwargs["defaults"] = case["defaults"]

    class F(logging.Formatter):
        pass

    if "default_time_format" in case:
        F.default_time_format = case["default_time_format"]
    if "default_msec_format" in case:
        F.default_msec_format = case["default_msec_format"] or None
    if case.get("utc"):
        F.converter = time.gmtime
    try:
        f = F(case["fmt"], case.get("datefmt"), case["style"], case["validate"], **kwargs)
    except Exception as e:  # noqa: BLE001 - any refusal is the recorded result
        case["build_error"] = str(e)
        return case
    results = []
    for spec in RECORDS:
        try:
            record = make_record(spec)
            text = f.format(record)
            text.encode("utf-8")
            results.append({"ok": text})
            if case["style"] == "%" and whole_record_used(case, record):
                case["deliberate"] = "record_dict"
        except UnicodeEncodeError:
            return None  # a lone surrogate: not representable in Rust strings
        except Exception as e:  # noqa: BLE001
            results.append({"err": str(e), "etype": type(e).__name__})
    if case.get("defaults") is not None:
        case["defaults"] = [[k] + tag(v) for k, v in case["defaults"].items()]
    for reason, mark in DELIBERATE_MARKS:
        if any(mark in r.get("ok", "") for r in results):
            case["deliberate"] = reason
    case["results"] = results
    return case


def write(name, cases):
    path = os.path.join(OUT, name)
    seen = set()
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for c in cases:
            key = json.dumps({k: c.get(k) for k in ("fmt", "style", "validate", "datefmt", "defaults",
                                                    "default_time_format", "default_msec_format", "utc")},
                             sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            done = run_case(c)
            if done is None:
                continue
            fh.write(json.dumps(done, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    print("%s: %d cases, %d bytes" % (name, n, os.path.getsize(path)))


# ---------------------------------------------------------------- generators

STANDARD = ["name", "levelname", "levelno", "message", "msg", "args", "asctime", "created",
            "msecs", "pathname", "filename", "module", "lineno", "funcName", "process",
            "processName", "thread", "threadName", "exc_info", "exc_text", "stack_info"]
EXTRAS = ["user", "count", "ratio", "flag", "none", "width", "neg", "big", "uni", "empty", "pi"]
MISSING = ["nope", "Name", "NAME", "x1"]
LITERALS = ["", "", " ", " ", "|", "abc", "[", "]", ": ", "\u00e9", "\t", "\n", "-", "x", "==",
            "\u65e5\u672c", "\U0001f600", "(", ")", "#", "0"]


def pick_name(rng, extra_weird=()):
    r = rng.random()
    if r < 0.5:
        return rng.choice(STANDARD)
    if r < 0.8:
        return rng.choice(EXTRAS)
    if r < 0.92:
        return rng.choice(MISSING)
    return rng.choice(list(extra_weird) or MISSING)


def rand_digits(rng, hi=25):
    return str(rng.randint(0, hi))


def gen_percent(rng):
    def conv():
        s = "%"
        if rng.random() < 0.93:
            s += "(" + pick_name(rng, ["a b", "", "\u00e9", "a(b)", "message)s %(name"]) + ")"
        s += "".join(rng.choice("-+ #0") for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])))
        r = rng.random()
        if r < 0.35:
            s += rand_digits(rng)
        elif r < 0.38:
            s += "*"
        r = rng.random()
        if r < 0.25:
            s += "." + rand_digits(rng, 12)
        elif r < 0.27:
            s += "."
        elif r < 0.29:
            s += ".*"
        if rng.random() < 0.04:
            s += rng.choice("hlL")
        r = rng.random()
        if r < 0.9:
            s += rng.choice("sssssrradddiuoxXeEfFgGc")
        elif r < 0.97:
            s += rng.choice(["%", "q", "D", "y", "I", "\u0131", "\u017f", "z", " "])
        return s

    def literal():
        r = rng.random()
        if r < 0.08:
            return "%%"
        if r < 0.1:
            return rng.choice(["%", "%(", "%(a", "%5", "%s", "% d"])
        return rng.choice(LITERALS)

    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 5])):
        parts.append(conv() if rng.random() < 0.6 else literal())
    return "".join(parts)


def gen_spec(rng):
    """A format spec built from the mini-language's parts, sometimes broken."""
    if rng.random() < 0.08:
        return rng.choice(["q", "xx", "5z", ",,", "__", "_,", ",_", ".", ".x", "=#", "+=", "z",
                           "99999999999999999999", "{w}", "\u0663", "5\n", "\n<5", "c", "n", "%",
                           "<<", "0=", "0<5", " ^9", "#", "-", "+", " ", ".0", "{width}"])
    s = ""
    if rng.random() < 0.3:
        if rng.random() < 0.5:
            s += rng.choice("*0x-_ .\u00e9")
        s += rng.choice("<>=^")
    if rng.random() < 0.2:
        s += rng.choice("+- ")
    if rng.random() < 0.05:
        s += "z"
    if rng.random() < 0.12:
        s += "#"
    if rng.random() < 0.15:
        s += "0"
    r = rng.random()
    if r < 0.45:
        s += rand_digits(rng, 20)
    elif r < 0.5:
        s += "{width}"
    if rng.random() < 0.12:
        s += rng.choice(",_")
    r = rng.random()
    if r < 0.25:
        s += "." + rand_digits(rng, 10)
    elif r < 0.27:
        s += ".{width}"
    if rng.random() < 0.6:
        s += rng.choice("sdfeEgGxXob%ncF")
    elif rng.random() < 0.05:
        s += rng.choice("qDS\u017fa")
    return s


def gen_brace(rng):
    def field():
        r = rng.random()
        if r < 0.04:
            name = rng.choice(["", "0", "1", " name", "name ", "a-b", "\u0663", "99999999999999999999"])
        else:
            name = pick_name(rng)
        while rng.random() < 0.12:
            name += rng.choice(["[0]", "[1]", "[x]", ".real", ".imag", ".numerator", ".denominator",
                                ".x", "[99]", "[-1]", "[\u0661]", "[]", ".", "[0", "[0]x", "[a b]"])
        s = "{" + name
        r = rng.random()
        if r < 0.1:
            s += rng.choice(["!r", "!s", "!a"])
        elif r < 0.12:
            s += rng.choice(["!x", "!", "!rr", "!\u00e9"])
        if rng.random() < 0.55:
            s += ":" + gen_spec(rng)
        if rng.random() > 0.02:
            s += "}"
        return s

    def literal():
        r = rng.random()
        if r < 0.1:
            return rng.choice(["{{", "}}", "{{x}}"])
        if r < 0.13:
            return rng.choice(["{", "}", "{!", "{:", "{a:{b:{c}}}", "{x:{{}}}"])
        return rng.choice(LITERALS + ["%s", "$x"])

    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 5])):
        parts.append(field() if rng.random() < 0.6 else literal())
    return "".join(parts)


def gen_dollar(rng):
    def field():
        name = pick_name(rng)
        if not name.isidentifier() or not name.isascii():
            name = "user"
        r = rng.random()
        if r < 0.45:
            return "$" + name
        if r < 0.9:
            return "${" + name + "}"
        return rng.choice(["$" + name.upper(), "${" + name, "${" + name + " }", "$" + name + "x"])

    def literal():
        r = rng.random()
        if r < 0.1:
            return "$$"
        if r < 0.15:
            return rng.choice(["$", "$ ", "$1", "${", "${}", "${1}", "$-", "$\u00e9"])
        return rng.choice(LITERALS + ["\r\n", "\u2028", "%s", "{x}"])

    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 5])):
        parts.append(field() if rng.random() < 0.6 else literal())
    return "".join(parts)


VALUE_FIELDS = ["levelno", "created", "msecs", "lineno", "count", "ratio", "neg", "big", "flag",
                "none", "user", "uni", "pi", "width", "name", "empty", "exc_text", "args"]


def gen_one_brace(rng):
    """One field with a spec that usually parses: the mini-language per type."""
    spec = gen_spec(rng)
    while spec.startswith(("q", "xx")) and rng.random() < 0.8:
        spec = gen_spec(rng)
    conv = rng.choice(["", "", "", "", "", "!r", "!s", "!a"])
    return "{%s%s:%s}" % (rng.choice(VALUE_FIELDS), conv, spec)


def gen_one_percent(rng):
    """One conversion of one value: printf semantics per type."""
    s = "%(" + rng.choice(VALUE_FIELDS) + ")"
    s += "".join(rng.choice("-+ #0") for _ in range(rng.choice([0, 0, 1, 1, 2, 3])))
    if rng.random() < 0.5:
        s += rand_digits(rng, 24)
    if rng.random() < 0.4:
        s += "." + rand_digits(rng, 14)
    s += rng.choice("sraddiuoxXeEfFgGc")
    return s


def gen_datefmt(rng):
    letters = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ" * 3 + "EOQfiJKLNoqv%+:1"
    parts = []
    for _ in range(rng.choice([1, 1, 2, 3, 4, 6])):
        if rng.random() < 0.75:
            s = "%"
            if rng.random() < 0.15:
                s += "".join(rng.choice("_-0^#") for _ in range(rng.choice([1, 1, 2])))
            if rng.random() < 0.12:
                s += str(rng.choice([0, 1, 2, 3, 5, 8, 12, 20]))
            if rng.random() < 0.1:
                s += rng.choice("EO")
            if rng.random() < 0.03:
                return "".join(parts) + s  # cut short at the end
            s += rng.choice(letters)
            parts.append(s)
        else:
            parts.append(rng.choice([" ", "-", ":", "T", ",", "\u00e9", "%%", "x", ".", "\u65e5"]))
    return "".join(parts)


TZ_DST = "EST5EDT,M3.2.0,M11.1.0"
CREATED_DST = [1710053999.5, 1710054000.25, 1730613599.0, 1730613600.0, 1730617200.75,
               1700000000.125, 0.0]

CREATED = [1700000000.125, -1.5, 951782400.5, 253402300799.0, -62135596800.0,
           1230768000.0, 1293753600.25, 1104537600.0, 1709251199.9990234]


def datefmt_cases(rng, n):
    cases = []
    fixed = ["%Q %Y", "%", "a%", "%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S%z", "%c", "%x %X", "%D %T",
             "%G-W%V-%u", "%C%y", "%s", "%-d/%-m/%Y", "%_H|%-H|%0H", "%^a %#b %#Z %^Z", "%10Z",
             "%010z", "%-z", "%_z", "%Ez", "%Oy %EY %OY", "%5%", "%E%", "%e %k %l", "%j %U %W",
             "%P %p %#p %^P", "%n%t", "%h", "%r %R", "%F", "%g", "%5n", "%2000Y", "%1023d", "\u00e9%\u00e9"]
    for d in fixed:
        cases.append({"datefmt": d})
    while len(cases) < n:
        cases.append({"datefmt": gen_datefmt(rng)})
    out = []
    for c in cases:
        c.update({"fmt": "%(asctime)s", "style": "%", "validate": True})
        out.append(c)
    # Defaults: default_time_format and default_msec_format variants, and gmtime.
    variants = [
        {}, {"utc": True}, {"default_msec_format": "%s.%03d"}, {"default_msec_format": ""},
        {"default_msec_format": "%s"}, {"default_msec_format": "%s %s %s"},
        {"default_msec_format": "%(a)s"}, {"default_msec_format": "[%s|%06.2f|%d]"},
        {"default_msec_format": "%s,%03d", "default_time_format": "%d/%b/%Y %H:%M:%S"},
        {"default_time_format": "%Y %Z", "utc": True}, {"default_time_format": ""},
        {"default_time_format": "%Q%"}, {"datefmt": ""}, {"datefmt": "%Z", "utc": True},
        {"default_msec_format": "%s,%-3d"}, {"default_msec_format": "%s,%3d"},
    ]
    for v in variants:
        c = {"fmt": "%(asctime)s|%(msecs)s", "style": "%", "validate": True}
        c.update(v)
        out.append(c)
    return out


def main():
    global RECORDS
    rng = random.Random(SEED)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "records.json"), "w", encoding="utf-8", newline="\n") as fh:
        json.dump([rust_view(r) for r in RECORDS], fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    defaults_choices = [None, None, None, None, {"nope": "DEF", "user": "shadow", "width": 4},
                        {"NAME": 5, "x1": None, "asctime": "never"}]
    for style, gens, name in (("%", [(gen_percent, 1700), (gen_one_percent, 1900)], "percent.jsonl"),
                              ("{", [(gen_brace, 2000), (gen_one_brace, 2200)], "brace.jsonl"),
                              ("$", [(gen_dollar, 1600)], "dollar.jsonl")):
        cases = []
        for gen, n in gens:
            for _ in range(n):
                fmt = gen(rng)
                case = {"fmt": fmt, "style": style, "validate": rng.random() < 0.7}
                d = rng.choice(defaults_choices)
                if d is not None:
                    case["defaults"] = d
                if "asctime" in fmt and rng.random() < 0.5:
                    case["datefmt"] = rng.choice(["%H:%M:%S", "%Y", "", "%Q"])
                cases.append(case)
        write(name, cases)
    # datefmt: each pattern against every created time (a record per time).
    base = RECORDS[0]
    RECORDS = [dict(base, created=c, extra={}) for c in CREATED]
    with open(os.path.join(OUT, "datefmt_records.json"), "w", encoding="utf-8", newline="\n") as fh:
        json.dump([rust_view(r) for r in RECORDS], fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    write("datefmt.jsonl", datefmt_cases(rng, 3300))

    # Local time in a zone with daylight saving, given as a POSIX TZ string so
    # that no tzdata files are needed: %z, %Z, %s and the hours around both
    # transitions of 2024, and the gmtime converter (whose %s is mktime of UTC
    # fields read as local time).
    os.environ["TZ"] = TZ_DST
    time.tzset()
    RECORDS = [dict(base, created=c, extra={}) for c in CREATED_DST]
    with open(os.path.join(OUT, "datefmt_dst_records.json"), "w", encoding="utf-8", newline="\n") as fh:
        json.dump([rust_view(r) for r in RECORDS], fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    cases = []
    for d in ["%Y-%m-%d %H:%M:%S %z %Z", "%s", "%c %Z", "%z|%-z|%_z|%010z|%Ez", "%Z|%#Z|%^Z|%8Z",
              "%H %I %p %j %U %W %V %G %u", ""]:
        for utc in (False, True):
            cases.append({"fmt": "%(asctime)s", "style": "%", "validate": True, "datefmt": d, "utc": utc})
    for _ in range(300):
        cases.append({"fmt": "%(asctime)s", "style": "%", "validate": True,
                      "datefmt": gen_datefmt(rng), "utc": rng.random() < 0.3})
    write("datefmt_dst.jsonl", cases)


if __name__ == "__main__":
    main()

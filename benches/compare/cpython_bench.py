#!/usr/bin/env python3
"""The comparison workload on CPython's logging: the reference logtree reproduces.

Same scenarios, same line, same verification and the same JSON result line as the
Rust peer binaries (see harness/src/lib.rs), so the runner (`compare`) treats it as
one more column. Standard library only; run it with the CPython to compare against
(3.11 here):

    python3 benches/compare/cpython_bench.py --scenario file --calls 20000

Scenarios:
  disabled              log.debug(...) with the tree at INFO
  disabled-other-debug  the same while logger "app.other" runs at DEBUG
  format                StreamHandler into a stream that counts and discards
  file                  FileHandler (flushes every record, as CPython does), 1 thread
  file-2threads         the same from 2 threads; wall time / calls per thread
  async                 QueueHandler -> QueueListener -> FileHandler: the call site,
                        and until listener.stop() has written and flushed everything
"""

import argparse
import json
import logging
import logging.handlers
import os
import queue
import re
import resource
import statistics
import sys
import tempfile
import threading
import time

TARGET = "app.db.pool"
OTHER_TARGET = "app.other"
MESSAGE = "user 42 did login in 3.5 ms"
FMT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s"
DATEFMT = "%Y-%m-%d %H:%M:%S"
SCENARIOS = ["disabled", "disabled-other-debug", "format", "file", "file-2threads", "async"]
LINE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\.(\d{3}) (\S+) (\S+) (.*)$")
HEAD_BYTES = 4096


class Sink:
    """A stream that discards what it gets, counting characters and keeping the first 4 KiB."""

    def __init__(self):
        self.chars = 0
        self.head = []
        self.head_len = 0

    def write(self, s):
        self.chars += len(s)
        if self.head_len < HEAD_BYTES:
            self.head.append(s)
            self.head_len += len(s)
        return len(s)

    def flush(self):
        pass


def info_calls(log, n):
    a, b, c = 42, "login", 3.5
    for _ in range(n):
        log.info("user %s did %s in %s ms", a, b, c)


def debug_calls(log, n):
    a, b, c = 42, "login", 3.5
    for _ in range(n):
        log.debug("user %s did %s in %s ms", a, b, c)


def per_call(ns, n):
    return ns / n if n else 0.0


class TimeCache:
    def __init__(self):
        self.last = None

    def epoch(self, text):
        if self.last and self.last[0] == text:
            return self.last[1]
        s = time.mktime(time.strptime(text, DATEFMT))
        self.last = (text, s)
        return s


def check_line(line, level, target, cache, window):
    m = LINE.match(line)
    if not m or m.group(3) != level or m.group(4) != target or m.group(5) != MESSAGE:
        raise ValueError(f'expected "<time> {level} {target} {MESSAGE}", got {line!r}')
    t = cache.epoch(m.group(1)) + int(m.group(2)) / 1000.0
    if not window[0] <= t <= window[1]:
        raise ValueError(f"timestamp outside the run: {line!r}")
    return t


def verify_file(path, expected, monotonic, window):
    cache = TimeCache()
    last = float("-inf")
    count = 0
    with open(path, encoding="utf-8", newline="") as f:
        for raw in f:
            if not raw.endswith("\n"):
                raise ValueError("the file does not end with a newline")
            line = raw[:-1]
            count += 1
            t = check_line(line, "INFO", TARGET, cache, window)
            if monotonic and t < last:
                raise ValueError(f"line {count}: time goes backwards: {line!r}")
            last = max(last, t)
    if count != expected:
        raise ValueError(f"expected {expected} lines, found {count}")
    return f"{count} lines checked"


def head_lines(sink):
    text = "".join(sink.head)
    i = text.rfind("\n")
    return text[:i].splitlines() if i >= 0 else []


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, choices=SCENARIOS)
    p.add_argument("--calls", type=int)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1000)
    p.add_argument("--dir", default=tempfile.gettempdir())
    p.add_argument("--no-verify", action="store_true")
    a = p.parse_args()
    s = a.scenario
    n = a.calls if a.calls is not None else (1_000_000 if s.startswith("disabled") else 20_000)
    reps = 1 if s == "async" else max(1, a.reps)
    path = os.path.join(a.dir, f"cpython-{s}-{os.getpid()}.log")
    started = time.time()

    formatter = logging.Formatter(FMT, DATEFMT)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    log = logging.getLogger(TARGET)
    sink = None
    listener = None
    if s in ("file", "file-2threads", "async"):
        handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    else:
        sink = Sink()
        handler = logging.StreamHandler(sink)
    handler.setFormatter(formatter)
    if s == "async":
        q = queue.Queue()  # QueueHandler's documented set-up; unbounded
        root.addHandler(logging.handlers.QueueHandler(q))
        listener = logging.handlers.QueueListener(q, handler)
        listener.start()
    else:
        root.addHandler(handler)
    if s == "disabled-other-debug":
        logging.getLogger(OTHER_TARGET).setLevel(logging.DEBUG)

    ns, done_ns = [], []
    clock = time.perf_counter_ns
    if s.startswith("disabled"):
        debug_calls(log, a.warmup)
        for _ in range(reps):
            t = clock()
            debug_calls(log, n)
            ns.append(per_call(clock() - t, n))
        if s == "disabled-other-debug":
            logging.getLogger(OTHER_TARGET).debug("user %s did %s in %s ms", 42, "login", 3.5)
    elif s == "format":
        info_calls(log, a.warmup)
        for _ in range(reps):
            t = clock()
            info_calls(log, n)
            ns.append(per_call(clock() - t, n))
    elif s == "file":
        info_calls(log, a.warmup)
        handler.flush()
        for _ in range(reps):
            t = clock()
            info_calls(log, n)
            handler.flush()
            ns.append(per_call(clock() - t, n))
    elif s == "file-2threads":
        start, done = threading.Barrier(3), threading.Barrier(3)

        def worker():
            info_calls(log, a.warmup)
            for _ in range(reps):
                start.wait()
                info_calls(log, n)
                done.wait()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for th in threads:
            th.start()
        for _ in range(reps):
            start.wait()
            t = clock()
            done.wait()
            handler.flush()
            ns.append(per_call(clock() - t, n))
        for th in threads:
            th.join()
    else:  # async
        info_calls(log, a.warmup)
        time.sleep(0.1)
        t = clock()
        info_calls(log, n)
        ns.append(per_call(clock() - t, n))
        listener.stop()  # drains the queue and joins the thread
        handler.flush()
        done_ns.append(per_call(clock() - t, n))
    handler.close()
    ended = time.time()
    peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before verifying

    threads = 2 if s == "file-2threads" else 1
    expected = a.warmup * threads + reps * n * threads
    window = (started - 1.0, ended + 1.0)
    verified, check = True, "not verified"
    if not a.no_verify:
        try:
            if s == "disabled":
                if sink.chars:
                    raise ValueError(f"DEBUG records were written ({sink.chars} characters)")
                check = "nothing written"
            elif s == "disabled-other-debug":
                lines = head_lines(sink)
                if len(lines) != 1:
                    raise ValueError(f"expected exactly the one DEBUG line of {OTHER_TARGET}, got {lines!r}")
                check_line(lines[0], "DEBUG", OTHER_TARGET, TimeCache(), window)
                check = f"no {TARGET} DEBUG line; the {OTHER_TARGET} DEBUG line came out"
            elif s == "format":
                line_len = 24 + len("INFO") + 1 + len(TARGET) + 1 + len(MESSAGE) + 1
                if sink.chars != expected * line_len:
                    raise ValueError(f"expected {expected * line_len} characters, got {sink.chars}")
                cache = TimeCache()
                lines = head_lines(sink)
                for line in lines:
                    check_line(line, "INFO", TARGET, cache, window)
                check = f"{sink.chars} characters = {expected} lines; first {len(lines)} checked"
            else:
                check = verify_file(path, expected, threads == 1, window)
        except ValueError as e:
            verified, check = False, str(e)
    try:
        os.remove(path)
    except OSError:
        pass

    result = {
        "peer": "CPython " + ".".join(map(str, sys.version_info[:2])),
        "scenario": s,
        "supported": True,
        "calls": n,
        "reps": reps,
        "threads": threads,
        "ns": [round(x, 3) for x in ns],
        "median_ns": round(statistics.median(ns), 3),
    }
    if done_ns:
        result["done_ns"] = [round(x, 3) for x in done_ns]
        result["median_done_ns"] = round(statistics.median(done_ns), 3)
    result["peak_rss_kb"] = peak_rss_kb
    result["verified"] = verified and not a.no_verify
    result["check"] = check
    print(json.dumps(result, separators=(",", ":")))
    sys.exit(0 if verified else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Where the instructions of one call go: the difference of two callgrind profiles.

    python3 benches/compare/callgrind_diff.py BASE.out RUN.out CALLS [--inclusive] [--top N]

`compare --callgrind` leaves, per crate and scenario, a profile of the warm-up alone
(`<crate>.<scenario>.0.out`) and one of the warm-up plus CALLS calls
(`<crate>.<scenario>.<CALLS>.out`) in target/results/callgrind/. This runs
`callgrind_annotate` on both and prints, per function, (Ir in RUN − Ir in BASE) /
CALLS: the function's instructions per call with start-up, set-up and shutdown
cancelled out. `--inclusive` counts callees too (a function's whole subtree).
"""

import argparse
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$")


def costs(path, inclusive):
    out = subprocess.run(
        ["callgrind_annotate", "--auto=no", f"--inclusive={'yes' if inclusive else 'no'}", "--threshold=100", path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = {}
    started = False
    for line in out.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started or line.startswith("-") or not line.strip():
            continue
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(2)
        # Drop the binary in brackets and the source file before the colon.
        name = re.sub(r"\s*\[[^\]]*\]\s*$", "", name)
        if ":" in name and not name.startswith("<"):
            head, _, tail = name.partition(":")
            if "/" in head or head.startswith("???"):
                name = tail
        result[name] = result.get(name, 0) + int(m.group(1).replace(",", ""))
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("base")
    p.add_argument("run")
    p.add_argument("calls", type=int)
    p.add_argument("--inclusive", action="store_true")
    p.add_argument("--top", type=int, default=30)
    a = p.parse_args()
    base = costs(a.base, a.inclusive)
    run = costs(a.run, a.inclusive)
    rows = []
    for name, ir in run.items():
        d = (ir - base.get(name, 0)) / a.calls
        if abs(d) >= 0.5:
            rows.append((d, name))
    rows.sort(reverse=True)
    total = sum(d for d, _ in rows) if not a.inclusive else None
    print(f"instructions per call ({'inclusive' if a.inclusive else 'self'})")
    for d, name in rows[: a.top]:
        print(f"{d:9.1f}  {name}")
    if total is not None:
        print(f"{total:9.1f}  total (self costs summed)")


if __name__ == "__main__":
    sys.exit(main())

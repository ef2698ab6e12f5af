#!/usr/bin/env python3
"""Draws the comparison's results as a PNG: one panel per scenario, one bar per crate.

    python3 benches/compare/plot.py [results.json] [out.png]

Defaults: benches/compare/target/results/results.json -> benches/compare/results.png.
Needs matplotlib (Debian: apt-get install python3-matplotlib, then run it with
/usr/bin/python3). The time axis is logarithmic: CPython is two orders of magnitude
slower than the Rust crates, which are within a factor of a few of each other.
"""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LOGTREE = "logtree"
COLORS = {"logtree": "#d9480f", "CPython 3.11": "#495057"}
PEER_COLOR = "#4c6ef5"


def fmt_ns(x):
    if x < 10:
        return f"{x:.2f} ns"
    if x < 100:
        return f"{x:.1f} ns"
    return f"{x:,.0f} ns"


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "target", "results", "results.json")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "results.png")
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    cells = {(c["scenario"], c["impl"]): c for c in doc["cells"]}
    scenarios = [s for s in doc["scenarios"] if any(k[0] == s["name"] for k in cells)]
    fig, axes = plt.subplots(len(scenarios), 1, figsize=(9, 2.0 + 1.9 * len(scenarios)))
    if len(scenarios) == 1:
        axes = [axes]
    for ax, sc in zip(axes, scenarios):
        rows = []
        for impl in doc["impls"]:
            c = cells.get((sc["name"], impl))
            if not c or c["unsupported"] or c["errors"]:
                continue
            # Async: the bar is the time until on disk, the mark the call site.
            value = c["done_ns"] if c.get("done_ns") is not None else c["ns"]
            if value is None:
                continue
            rows.append((value, impl, c["ns"] if c.get("done_ns") is not None else None))
        rows.sort()
        names = [r[1] for r in rows]
        values = [r[0] for r in rows]
        colors = [COLORS.get(n, PEER_COLOR) for n in names]
        y = range(len(rows))
        ax.barh(list(y), values, color=colors, height=0.7)
        for i, (v, _, call) in enumerate(rows):
            label = fmt_ns(v) if call is None else f"{fmt_ns(call)} call / {fmt_ns(v)} on disk"
            ax.text(v * 1.08, i, label, va="center", fontsize=8)
            if call is not None:
                ax.plot([call], [i], marker="|", color="black", markersize=14)
        ax.set_yticks(list(y))
        ax.set_yticklabels(names, fontsize=9)
        for t in ax.get_yticklabels():
            if t.get_text() == LOGTREE:
                t.set_fontweight("bold")
        ax.set_xscale("log")
        if values:
            ax.set_xlim(min(values) / 2, max(values) * 12)
        ax.invert_yaxis()
        ax.set_title(sc["title"].replace("`", ""), fontsize=10, loc="left")
        ax.grid(axis="x", which="major", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    axes[-1].set_xlabel("median ns per call (log scale; shorter is faster)", fontsize=9)
    fig.suptitle(
        f"logtree and its peers, same workload and format ({doc['rounds']} interleaved rounds)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

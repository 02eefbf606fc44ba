#!/usr/bin/env python3
"""Turns a JMH JSON result (-rf json) into the Markdown tables of benchmarks/README.md.

Usage: jmh_table.py RESULT.json ANCHOR_METHOD
Prints, per parameter combination, each method's score, its gc.alloc.rate.norm (B/op) and its
ratio to ANCHOR_METHOD's score in the same run: for times (ns/op) below 1 is faster than the anchor,
for throughputs (ops/s) above 1 is.
"""
import json
import sys
from collections import defaultdict


def main():
    path, anchor = sys.argv[1], sys.argv[2]
    rows = defaultdict(dict)
    unit = ""
    for result in json.load(open(path)):
        method = result["benchmark"].rsplit(".", 1)[1]
        params = ", ".join(f"{k}={v}" for k, v in sorted((result.get("params") or {}).items()))
        primary = result["primaryMetric"]
        unit = primary["scoreUnit"]
        alloc = result.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        rows[params][method] = (primary["score"], primary["scoreError"], alloc)
    better = "higher is faster" if unit.endswith("/s") else "lower is faster"
    print(f"| params | method | score ({unit}) | ± error | B/op | ratio to {anchor} ({better}) |")
    print("|---|---|---|---|---|---|")
    for params in sorted(rows, key=lambda p: [int(x) if x.isdigit() else x for x in p.replace("=", " ").split()]):
        methods = rows[params]
        base = methods.get(anchor, (None,))[0]
        for method, (score, error, alloc) in sorted(methods.items(), key=lambda kv: (kv[0] != anchor, kv[0])):
            ratio = f"{score / base:.2f}" if base else "n/a"
            alloc_text = "n/a" if alloc is None else f"{alloc:.0f}" if alloc >= 0.5 else "0"
            print(f"| {params} | {method} | {score:.1f} | {error:.1f} | {alloc_text} | {ratio} |")


if __name__ == "__main__":
    main()

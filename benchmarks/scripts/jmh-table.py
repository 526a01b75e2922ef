#!/usr/bin/env python3
"""Prints a Markdown table (score ± error, B/op) from JMH JSON result files (-rf json)."""
import json, sys

print("| benchmark | params | threads | score | ± (99.9%) | unit | B/op |")
print("| --- | --- | ---: | ---: | ---: | --- | ---: |")
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 2)
        name = name[-2] + "." + name[-1]
        params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
        pm = r["primaryMetric"]
        norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        norm = "–" if norm is None else f"{norm:.3f}"
        print(f"| {name} | {params} | {r['threads']} | {pm['score']:.1f} | {pm['scoreError']:.1f} | {pm['scoreUnit']} "
              f"| {norm} |")

#!/usr/bin/env python3
"""Summarises the simulator's JSON reports in this folder into summary.md (standard library only)."""
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
settings = [("k10-eps0.1", 10, 0.1), ("k10-eps0.02", 10, 0.02), ("k100-eps0.1", 100, 0.1), ("k100-eps0.02", 100, 0.02)]
lines = ["# Regret: Chapelle & Li (2011), Figure 1 settings", "",
         "Mean cumulative expected regret ± standard error over the runs (see each setting's .md for every checkpoint, "
         "the .svg for the plot). Bound = Lai-Robbins asymptotic lower bound at that t.", "",
         "| K | EPS | runs | t | bound | thompson | ucb1 | egreedy (0.1) | random | TS / bound | TS / UCB1 |",
         "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for name, k, eps in settings:
    path = os.path.join(here, name + ".json")
    if not os.path.exists(path):
        lines.append(f"| {k} | {eps} | – | (not run) | | | | | | | |")
        continue
    data = json.load(open(path))
    rows = data["rows"]
    for t in (10**5, 10**6, 10**7):
        if t > data["horizon"]:
            continue
        cell = {}
        for r in rows:
            if r.get("t") == t and "policy" in r:
                cell[r["policy"]] = (r["regret"], r["stderr"])
            if r.get("t") == t and "lowerBound" in r:
                bound = r["lowerBound"]
        f = lambda p: f"{cell[p][0]:.0f} ± {cell[p][1]:.0f}" if p in cell else "–"
        ts, ucb = cell["thompson"][0], cell["ucb1"][0]
        lines.append(f"| {k} | {eps} | {data['runs']} | 10^{len(str(t)) - 1} | {bound:.0f} | {f('thompson')} | "
                     f"{f('ucb1')} | {f('egreedy')} | {f('random')} | {ts / bound:.2f} | {ts / ucb:.2f} |")
drift = os.path.join(here, "drift.md")
if os.path.exists(drift):
    lines += ["", "## Drift (best arm changes at T/2)", "", "From `drift.md` (K = 10, EPS = 0.1, T = 200,000, half-life "
              "10,000 steps, 50 runs): regret accrued after the change, and the plot `drift.svg`.", "", "```"]
    text = open(drift).read()
    lines += text[text.index("Regret accrued"):].strip().splitlines()
    lines += ["```"]
open(os.path.join(here, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))

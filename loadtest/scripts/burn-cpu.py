#!/usr/bin/env python3
"""Takes a given fraction of one core for a while: busy for fraction x 10 ms, then asleep for the rest of each 10 ms.

    nice -n 19 python3 loadtest/scripts/burn-cpu.py FRACTION SECONDS

A stand-in for background work of a known CPU cost (bench-evaluation-load.sh's "burn" runs), so a latency change can
be told apart from the CPU it takes.
"""
import sys
import time

fraction = max(0.0, min(1.0, float(sys.argv[1])))
end = time.monotonic() + float(sys.argv[2])
period = 0.010
while True:
    start = time.monotonic()
    if start >= end:
        break
    busy_until = start + fraction * period
    while time.monotonic() < busy_until:
        pass
    rest = start + period - time.monotonic()
    if rest > 0:
        time.sleep(rest)

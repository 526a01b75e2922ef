#!/usr/bin/env python3
"""Server-side latency percentiles for one run, from two scrapes of Arbiter's /metrics.

    curl -s localhost:8080/metrics > before.txt; <run the load>; curl -s localhost:8080/metrics > after.txt
    python3 loadtest/scripts/metrics-percentiles.py before.txt after.txt [endpoint] [status]

Takes the difference of the arbiter_http_requests_seconds buckets (cumulative counts) between the two scrapes, so
only the requests of the run count, and prints for each endpoint and status the request count and the bucket upper
bound at p50, p90, p99, p99.9 and p99.99 (a percentile is reported as "<= bound": the histogram's resolution).
"""
import re
import sys
from collections import defaultdict

LINE = re.compile(r'^arbiter_http_requests_seconds_bucket\{(?P<labels>[^}]*)\} (?P<count>\S+)$')


def read(path):
    series = defaultdict(dict)
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if not m:
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group('labels')))
            le = labels.pop('le')
            key = (labels.get('endpoint', '?'), labels.get('status', '?'))
            series[key][float('inf') if le == '+Inf' else float(le)] = float(m.group('count'))
    return series


def fmt(seconds):
    if seconds == float('inf'):
        return 'inf'
    micros = seconds * 1e6
    return f'{micros:.0f} µs' if micros < 1000 else f'{micros / 1000:.2f} ms'


def main():
    before, after = read(sys.argv[1]), read(sys.argv[2])
    want_endpoint = sys.argv[3] if len(sys.argv) > 3 else None
    want_status = sys.argv[4] if len(sys.argv) > 4 else None
    quantiles = [0.5, 0.9, 0.99, 0.999, 0.9999]
    print('endpoint status requests ' + ' '.join(f'p{q * 100:g}' for q in quantiles))
    for key in sorted(after):
        if (want_endpoint and key[0] != want_endpoint) or (want_status and key[1] != want_status):
            continue
        bounds = sorted(after[key])
        counts = [after[key][b] - before.get(key, {}).get(b, 0.0) for b in bounds]
        total = counts[-1]
        if total <= 0:
            continue
        row = []
        for q in quantiles:
            rank = q * total
            row.append(next(('<= ' + fmt(b) for b, c in zip(bounds, counts) if c >= rank), 'inf'))
        print(f'{key[0]} {key[1]} {int(total)} ' + ' | '.join(row))


if __name__ == '__main__':
    main()

package io.arbiter.bandits.sim;

import io.arbiter.bandits.random.SplitMix64;

/**
 * The fixed segment scenario of {@code bandits.jar contextual segments}: three attributes, 4 x 3 x 5 = 60 cells with
 * skewed traffic, 5 variants whose click rates depend on the cell.
 *
 * <pre>
 *   device  mobile 0.55, desktop 0.30, tablet 0.12, tv 0.03
 *   visitor new 0.60, returning 0.30, loyal 0.10
 *   country DE 0.40, FR 0.25, US 0.20, JP 0.10, BR 0.05          (independent: a cell's share is the product)
 *
 *   rate(v | d, u, c) = 0.10 + 0.06 [v = d] + 0.035 [v = (u + 2) mod 5] + 0.02 [v = (c + 1) mod 5]
 *                       + jitter(cell, v)
 *                       + 0.08 [v = (d + u + c + 3) mod 5, in the 11 cells with (7d + 3u + 5c) mod 6 = 0]
 * </pre>
 * Device, visitor and country each favour a variant (the device most), so coarser levels say something about finer
 * ones, as back-off assumes; eleven cells have an exception of their own that only the cell level can learn;
 * {@code jitter} is a fixed pseudo-random 0..0.01 per (cell, variant) (SplitMix64 of the indices). A cell's best
 * variant is therefore set by its device, visitor and country together, and sometimes by the cell alone. The
 * busiest cell (mobile, new, DE) gets 13.2% of the traffic, the rarest (tv, loyal, BR) 0.015% (150 visits in 10^6);
 * "rare" cells are those below 0.4% each: 23 cells, 4.2% of the traffic. The per-segment oracle plays each cell's
 * best variant.
 */
final class SegmentScenario {
    static final String[] DEVICES = {"mobile", "desktop", "tablet", "tv"};
    static final String[] VISITORS = {"new", "returning", "loyal"};
    static final String[] COUNTRIES = {"DE", "FR", "US", "JP", "BR"};
    static final double[] DEVICE_SHARE = {0.55, 0.30, 0.12, 0.03};
    static final double[] VISITOR_SHARE = {0.60, 0.30, 0.10};
    static final double[] COUNTRY_SHARE = {0.40, 0.25, 0.20, 0.10, 0.05};
    static final int VARIANTS = 5;
    static final int CELLS = DEVICES.length * VISITORS.length * COUNTRIES.length;
    static final double RARE_SHARE = 0.004;
    static final double DEVICE_LIFT = 0.06;
    static final double VISITOR_LIFT = 0.035;
    static final double COUNTRY_LIFT = 0.02;
    static final double EXCEPTION_LIFT = 0.08;

    final double[] share = new double[CELLS];
    final double[] cumulative = new double[CELLS];
    final double[][] rate = new double[CELLS][VARIANTS];
    final double[] best = new double[CELLS];
    final boolean[] rare = new boolean[CELLS];

    SegmentScenario() {
        double total = 0;
        for (int cell = 0; cell < CELLS; cell++) {
            final int d = device(cell);
            final int u = visitor(cell);
            final int c = country(cell);
            share[cell] = DEVICE_SHARE[d] * VISITOR_SHARE[u] * COUNTRY_SHARE[c];
            total += share[cell];
            cumulative[cell] = total;
            rare[cell] = share[cell] < RARE_SHARE;
            for (int v = 0; v < VARIANTS; v++) {
                double p = 0.10 + (v == d ? DEVICE_LIFT : 0) + (v == (u + 2) % 5 ? VISITOR_LIFT : 0)
                    + (v == (c + 1) % 5 ? COUNTRY_LIFT : 0)
                    + 0.01 * ((SplitMix64.mix(cell * 31L + v) >>> 11) * 0x1.0p-53);
                if (exception(d, u, c) && v == (d + u + c + 3) % 5) {
                    p += EXCEPTION_LIFT;
                }
                rate[cell][v] = p;
                best[cell] = Math.max(best[cell], p);
            }
        }
        cumulative[CELLS - 1] = 1.0;
    }

    /** The cells with a best variant of their own. */
    static boolean exception(int d, int u, int c) {
        return (7 * d + 3 * u + 5 * c) % 6 == 0;
    }

    static int device(int cell) {
        return cell / (VISITORS.length * COUNTRIES.length);
    }

    static int visitor(int cell) {
        return cell / COUNTRIES.length % VISITORS.length;
    }

    static int country(int cell) {
        return cell % COUNTRIES.length;
    }

    /** The cell of a uniform draw {@code u} in [0, 1). */
    int cell(double u) {
        int lo = 0;
        int hi = CELLS - 1;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (u < cumulative[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    int rareCells() {
        int n = 0;
        for (final boolean r : rare) {
            n += r ? 1 : 0;
        }
        return n;
    }

    double rareTraffic() {
        double s = 0;
        for (int cell = 0; cell < CELLS; cell++) {
            s += rare[cell] ? share[cell] : 0;
        }
        return s;
    }
}

package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.table.PosteriorTable;

/**
 * Snapshots of every arm's decision counter taken at a fixed interval, so "share of recent traffic" is the increase
 * over the last {@code slots} snapshots. Written by one background thread; read by admin requests. A reader may see
 * a snapshot being overwritten; the shares it reports are then slightly off for one interval, which is acceptable
 * for a report.
 */
public final class RecentTraffic {
    private final PosteriorTable table;
    private final long[][] snapshots;
    private volatile int newest = -1;
    private volatile int taken;

    public RecentTraffic(PosteriorTable table, int slots) {
        this.table = table;
        this.snapshots = new long[slots][];
    }

    /** Takes a snapshot of every allocated arm's decisions (background thread only). */
    public void snapshot() {
        final int next = (newest + 1) % snapshots.length;
        final long[] counts = new long[table.armsAllocated()];
        for (int arm = 0; arm < counts.length; arm++) {
            counts[arm] = table.decisions(arm);
        }
        snapshots[next] = counts;
        newest = next;
        taken = Math.min(taken + 1, snapshots.length);
    }

    /** Decisions for {@code arm} since the oldest snapshot kept (all decisions if none was taken yet). */
    public long recentDecisions(int arm) {
        final long now = table.decisions(arm);
        if (taken == 0) {
            return now;
        }
        final int oldest = taken < snapshots.length ? 0 : (newest + 1) % snapshots.length;
        final long[] old = snapshots[oldest];
        return old == null || arm >= old.length ? now : now - old[arm];
    }
}

package io.arbiter.server.bid.budget;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pacing across nodes, simulated over one day on one thread: two nodes share a campaign's daily budget through leases
 * (the lease rounds played once a simulated second against an in-memory pool, as {@code BudgetLeaseKeeper} plays them
 * against Postgres), and the load balancer sends one node 80% of the requests. With the other node's spend in each
 * node's pacing (what the lease round reads), the two together follow the even schedule of the one budget. Without
 * it, each node paces as if it alone spent the budget, and the cluster runs out of budget by about midday.
 */
class ClusterPacingTest {
    private static final long SEED = Long.getLong("clusterPacing.seed", 2026L);
    private static final long DAY = LocalDate.of(2026, 12, 6).toEpochDay();
    private static final long START = DAY * Pacing.DAY_MILLIS;
    private static final long HOUR = 3_600_000L;
    private static final int REQUESTS = 200_000;
    private static final long DAILY = 100_000_000L; // 100 units; buying every cheaper impression would cost ~5x that
    private static final double VALUE_CPM = 6.0;
    private static final long MAX_BID = 6_000L;
    private static final long SLICE = DAILY / 100;
    private static final long CONTROL_INTERVAL = 60_000L;

    @Test
    void twoNodesWithUnevenTrafficFollowOneScheduleTogether() {
        final double[] spendAtHour = simulate(true);
        System.out.println("cluster pacing (seed " + SEED + "), spend by hour: " + Arrays.toString(spendAtHour));
        for (int h = 2; h <= 24; h++) {
            final double schedule = DAILY * h / 24.0;
            assertTrue(Math.abs(spendAtHour[h] - schedule) <= 0.1 * schedule, "hour " + h + ": spent "
                + spendAtHour[h] + " against a schedule of " + schedule + " (seed " + SEED + ")");
        }
        assertTrue(spendAtHour[24] <= DAILY, "over budget: " + spendAtHour[24]);
    }

    /** The control: pacing on each node's own spend only runs the cluster ahead of the schedule. */
    @Test
    void withoutTheOtherNodesSpendTheClusterRunsAhead() {
        final double[] spendAtHour = simulate(false);
        System.out.println("per-node pacing (seed " + SEED + "), spend by hour: " + Arrays.toString(spendAtHour));
        assertTrue(spendAtHour[12] > 0.75 * DAILY, "at noon: " + spendAtHour[12]);
    }

    /** Spend of the two nodes together at the end of each hour (index 1..24). */
    private static double[] simulate(boolean othersInPacing) {
        final SplittableRandom random = new SplittableRandom(SEED);
        final long[] times = new long[REQUESTS];
        for (int k = 0; k < REQUESTS; k++) {
            times[k] = START + random.nextLong(Pacing.DAY_MILLIS);
        }
        Arrays.sort(times);
        final Node[] nodes = {new Node(), new Node()};
        final long[] pool = {0}; // committed of the day over both nodes
        final double[] spendAtHour = new double[25];
        int hour = 1;
        long nextRound = START;
        for (int k = 0; k < REQUESTS; k++) {
            final long now = times[k];
            while (hour <= 24 && now >= START + hour * HOUR) {
                spendAtHour[hour++] = nodes[0].ledger.dailySpent(0) + nodes[1].ledger.dailySpent(0);
            }
            while (now >= nextRound) {
                for (int n = 0; n < 2; n++) {
                    nodes[n].round(nodes[1 - n], pool, nextRound, othersInPacing);
                }
                nextRound += 1_000;
            }
            final Node node = nodes[random.nextDouble() < 0.8 ? 0 : 1];
            final double price = 3.0 * Math.exp(0.5 * gaussian(random)); // market price, CPM
            final double bid = VALUE_CPM * node.pacing.modifier(0, DAILY, now);
            final long micros = (long) Math.ceil(bid * 1000);
            if (!node.ledger.reserve(0, micros, node.pacing.cap(0, DAILY, MAX_BID, now))) {
                continue;
            }
            if (bid > price) {
                node.ledger.settle(0, micros, Math.round(price * 1000)); // second price
            } else {
                node.ledger.release(0, micros);
            }
        }
        while (hour <= 24) {
            spendAtHour[hour++] = nodes[0].ledger.dailySpent(0) + nodes[1].ledger.dailySpent(0);
        }
        return spendAtHour;
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** One node: its ledger, its leases and its pacing on them. */
    private static final class Node {
        final BudgetLedger ledger = BudgetLedger.allocateDirect(1);
        final BudgetLeases leases = new BudgetLeases(1);
        final Pacing pacing = new Pacing(ledger, CONTROL_INTERVAL, 0.002, leases);

        Node() {
            ledger.allocateSlot();
            ledger.configure(0, DAILY, 0);
            leases.enforce();
        }

        /** The lease round: takes a slice when less than one is left, reports and reads spend. */
        void round(Node other, long[] pool, long now, boolean othersInPacing) {
            ledger.rollDay(0, DAY);
            final BudgetLeases.Lease lease = leases.get(0);
            long leased = lease == null ? 0 : lease.leasedMicros();
            if (leased - ledger.dailyExposure(0) < SLICE) {
                final long granted = Math.max(0, Math.min(SLICE, DAILY - pool[0]));
                pool[0] += granted;
                leased += granted;
            }
            final long others = othersInPacing ? other.ledger.dailySpent(0) : 0;
            leases.set(0, new BudgetLeases.Lease(DAY, leased, others, now + 30_000, ledger.dailySpent(0),
                true));
        }
    }
}

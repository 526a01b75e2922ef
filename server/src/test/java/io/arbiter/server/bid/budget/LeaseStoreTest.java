package io.arbiter.server.bid.budget;

import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease table against the embedded Postgres: concurrent takers never lease more than the budget, a lapsed lease
 * stays committed in full until its node returns, a heartbeat keeps a lease, a give-back frees the rest.
 */
class LeaseStoreTest {
    private static final long DAY = LocalDate.of(2026, 12, 6).toEpochDay();
    private static final long TIMEOUT = 30_000;

    private Vertx vertx;
    private Pool pool;

    @BeforeEach
    void database() throws Exception {
        vertx = Vertx.vertx();
        pool = TestPostgres.pool(vertx, TestPostgres.freshDatabase(vertx, TestPostgres.shared()), 8);
        Migrations.migrate(pool).await(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        pool.close().await(10, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /**
     * Eight nodes, each on its own connection, take slices of one campaign's day as fast as they can until refused.
     * The leases add up to exactly the budget (the last slice is cut to what is left) and every grant was in the
     * budget.
     * Without the row lock ({@code FOR UPDATE} in the take) takers read the same sum and grant the same money twice:
     * this test then finds the leases above the budget.
     */
    @Test
    void concurrentTakersNeverLeaseMoreThanTheBudget() throws Exception {
        final long budget = 10_000_000;
        final long slice = 37_003; // not a divisor: the last grant is partial
        final int nodes = 8;
        final ExecutorService threads = Executors.newFixedThreadPool(nodes);
        final CountDownLatch go = new CountDownLatch(1);
        try {
            final List<Future<Long>> granted = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                final LeaseStore store = new LeaseStore(pool, "node-" + n, TIMEOUT);
                granted.add(threads.submit(() -> {
                    go.await();
                    long sum = 0;
                    while (true) {
                        final LeaseStore.Grant grant = store.take("c1", DAY, budget, slice, 0, 60_000);
                        assertTrue(grant.grantedMicros() >= 0 && grant.grantedMicros() <= slice);
                        if (grant.grantedMicros() == 0) {
                            return sum;
                        }
                        sum += grant.grantedMicros();
                        assertEquals(sum, grant.leasedMicros(), "the node's lease is the sum of its grants");
                    }
                }));
            }
            go.countDown();
            long total = 0;
            for (final Future<Long> f : granted) {
                total += f.get(120, TimeUnit.SECONDS);
            }
            assertEquals(budget, total, "grants add up to the budget, no more");
            assertEquals(budget, committed("c1"), "the lease rows add up to the budget");
            assertEquals(nodes, (long) query("SELECT count(*) FROM budget_leases WHERE campaign = 'c1'").getLong(0));
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * A lease whose heartbeat stopped stays committed in full: its node may have spent more than it last reported, so
     * no taker gets its unspent part (reported as {@code lapsedMicros}); the node, back, finds it as it left it.
     */
    @Test
    void aLapsedLeaseStaysCommittedInFullUntilItsNodeReturns() throws Exception {
        final LeaseStore dead = new LeaseStore(pool, "dead", TIMEOUT);
        final LeaseStore live = new LeaseStore(pool, "live", TIMEOUT);
        assertEquals(600_000, dead.take("c2", DAY, 1_000_000, 600_000, 0, 60_000).grantedMicros());
        dead.heartbeat(DAY, List.of("c2"), new long[] {150_000}, 300); // reports its spend, then is heard of no more
        assertEquals(400_000, live.take("c2", DAY, 1_000_000, 600_000, 0, 60_000).grantedMicros(),
            "while the dead node's lease runs, only the rest is free");
        Thread.sleep(400);
        final LeaseStore.Grant grant = live.take("c2", DAY, 1_000_000, 600_000, 0, 60_000);
        assertEquals(0, grant.grantedMicros(), "the lapsed lease's unspent part is not leased again");
        assertEquals(450_000, grant.lapsedMicros(), "the dead node's unspent 450,000 are held back");
        assertEquals(150_000, grant.othersSpentMicros());
        assertEquals(400_000, grant.leasedMicros());
        assertEquals(1_000_000, committed("c2"));
        assertEquals(600_000, query("SELECT leased FROM budget_leases WHERE node = 'dead'").getLong(0));
        final Map<String, LeaseStore.Held> seen = live.heartbeat(DAY, List.of("c2"), new long[] {400_000}, 60_000);
        assertEquals(450_000, seen.get("c2").othersLapsedMicros(), "heartbeats read it too");
        final Map<String, LeaseStore.Held> back = dead.heartbeat(DAY, List.of("c2"), new long[] {380_000}, 60_000);
        assertEquals(600_000, back.get("c2").leasedMicros(), "a node that comes back keeps its lease");
        assertEquals(0, back.get("c2").othersLapsedMicros());
        assertEquals(0, live.take("c2", DAY, 1_000_000, 600_000, 400_000, 60_000).lapsedMicros(),
            "renewed, it is not lapsed any more");
        assertEquals(1_000_000, committed("c2"));
    }

    /**
     * A dead node's lapsed lease released by the operator ({@link LeaseStore#release}): everything above its reported
     * spend is free for the others at once, its spend stays committed. Refused while its lease runs and for the node
     * itself. The cost, shown at the end: had the node charged bills after its last report and come back, they count
     * on top of the budget.
     */
    @Test
    void aReleasedDeadNodesLeaseFreesAllButItsReportedSpend() throws Exception {
        final LeaseStore dead = new LeaseStore(pool, "dead", TIMEOUT);
        final LeaseStore live = new LeaseStore(pool, "live", TIMEOUT);
        assertEquals(600_000, dead.take("c5", DAY, 1_000_000, 600_000, 0, 60_000).grantedMicros());
        dead.heartbeat(DAY, List.of("c5"), new long[] {150_000}, 300);
        assertEquals(400_000, live.take("c5", DAY, 1_000_000, 600_000, 0, 60_000).grantedMicros());
        final Exception running = assertThrows(Exception.class,
            () -> live.release("dead").await(10, TimeUnit.SECONDS));
        assertInstanceOf(LeaseStore.NodeAliveException.class, running, "refused while its lease runs");
        assertInstanceOf(LeaseStore.NodeAliveException.class, assertThrows(Exception.class,
            () -> live.release("live").await(10, TimeUnit.SECONDS)), "a node does not release itself");
        Thread.sleep(400);
        assertEquals(0, live.take("c5", DAY, 1_000_000, 600_000, 0, 60_000).grantedMicros(), "lapsed: held back");
        assertEquals(List.of(), live.release("nobody").await(10, TimeUnit.SECONDS), "an unknown node holds nothing");

        assertEquals(List.of(new LeaseStore.Released("c5", DAY, 450_000)),
            live.release("dead").await(10, TimeUnit.SECONDS));
        final LeaseStore.Grant grant = live.take("c5", DAY, 1_000_000, 600_000, 0, 60_000);
        assertEquals(450_000, grant.grantedMicros(), "the released part is leased again");
        assertEquals(0, grant.lapsedMicros());
        assertEquals(1_000_000, committed("c5"), "its reported spend stays committed");
        assertEquals(List.of(), live.release("dead").await(10, TimeUnit.SECONDS), "released once");
        final List<LeaseStore.Lease> rows = live.list(DAY).await(10, TimeUnit.SECONDS);
        assertEquals(List.of(new LeaseStore.Lease("c5", DAY, "dead", 150_000, 150_000, false),
            new LeaseStore.Lease("c5", DAY, "live", 850_000, 0, true)), rows);

        dead.heartbeat(DAY, List.of("c5"), new long[] {380_000}, 60_000); // it was not dead: 230,000 unreported
        assertEquals(1_230_000, committed("c5"), "the cost of releasing a node that comes back");
    }

    /**
     * Bills a dead node shipped after its last report (its journal ships every flush interval, its report comes once
     * a lease round) stay committed when it is released: its known spend is the larger of the two. Bills of another
     * node, of another campaign or of another day do not count. Without them the release frees 500,000 here.
     */
    @Test
    void aReleaseKeepsTheBillsTheDeadNodeShippedAfterItsLastReport() throws Exception {
        final LeaseStore dead = new LeaseStore(pool, "gone", TIMEOUT);
        final LeaseStore live = new LeaseStore(pool, "here", TIMEOUT);
        dead.take("c6", DAY, 1_000_000, 600_000, 0, 60_000);
        dead.heartbeat(DAY, List.of("c6"), new long[] {100_000}, 200);
        final String day = LocalDate.ofEpochDay(DAY) + "T12:00:00Z";
        final String before = LocalDate.ofEpochDay(DAY) + "T00:00:00Z";
        bill("gone", "b1", "c6", 120.0, day); // 120,000 micros
        bill("gone", "b2", "c6", 60.0004, day); // 60,000 (rounded as the ledger does)
        bill("gone", "b3", "c7", 500.0, day); // another campaign
        bill("gone", "b4", "c6", 500.0, LocalDate.ofEpochDay(DAY - 1) + "T23:59:59Z"); // the day before
        bill("here", "b5", "c6", 500.0, before); // another node
        Thread.sleep(300);
        assertEquals(List.of(new LeaseStore.Released("c6", DAY, 420_000)),
            live.release("gone").await(10, TimeUnit.SECONDS), "600,000 leased, 180,000 billed");
        assertEquals(180_000, query("SELECT spent FROM budget_leases WHERE node = 'gone'").getLong(0));
        assertEquals(820_000, live.take("c6", DAY, 1_000_000, 900_000, 0, 60_000).grantedMicros());
    }

    private void bill(String node, String id, String campaign, double cpm, String time) throws Exception {
        pool.preparedQuery("INSERT INTO rtb_events (kind, id, campaign, creative, value, time, node) "
            + "VALUES (3, $1, $2, 'cr', $3, $4, $5)").execute(Tuple.of(id, campaign, cpm,
                java.time.OffsetDateTime.parse(time), node)).await(10, TimeUnit.SECONDS);
    }

    /** A renewed lease is not lapsed; a given-back one frees everything above its spend at once. */
    @Test
    void aHeartbeatKeepsTheLeaseAndAGiveBackFreesTheRest() throws Exception {
        final LeaseStore a = new LeaseStore(pool, "a", TIMEOUT);
        final LeaseStore b = new LeaseStore(pool, "b", TIMEOUT);
        a.take("c3", DAY, 1_000_000, 700_000, 0, 300);
        for (int i = 0; i < 4; i++) {
            Thread.sleep(150);
            final Map<String, LeaseStore.Held> held = a.heartbeat(DAY, List.of("c3"), new long[] {100_000L * i}, 300);
            assertEquals(700_000, held.get("c3").leasedMicros());
        }
        final LeaseStore.Grant grant = b.take("c3", DAY, 1_000_000, 700_000, 0, 60_000);
        assertEquals(0, grant.lapsedMicros(), "a renewed lease is not lapsed");
        assertEquals(300_000, grant.grantedMicros());
        assertEquals(300_000, grant.othersSpentMicros());
        a.giveBack("c3", DAY, 320_000);
        final LeaseStore.Grant after = b.take("c3", DAY, 1_000_000, 700_000, 0, 60_000);
        assertEquals(380_000, after.grantedMicros(), "what a gave back above its spend is free");
        assertEquals(1_000_000, committed("c3"));
    }

    /** A node whose spend passed its lease (bills for other nodes' bids) counts with its spend. */
    @Test
    void spendBeyondALeaseIsCommittedToo() throws Exception {
        final LeaseStore a = new LeaseStore(pool, "a", TIMEOUT);
        final LeaseStore b = new LeaseStore(pool, "b", TIMEOUT);
        a.take("c4", DAY, 1_000_000, 200_000, 0, 60_000);
        a.heartbeat(DAY, List.of("c4"), new long[] {260_000}, 60_000);
        assertEquals(740_000, b.take("c4", DAY, 1_000_000, 900_000, 0, 60_000).grantedMicros());
    }

    private long committed(String campaign) throws Exception {
        return pool.preparedQuery("SELECT coalesce(sum(greatest(leased, spent)), 0)::int8 FROM budget_leases "
            + "WHERE campaign = $1").execute(Tuple.of(campaign)).await(10, TimeUnit.SECONDS).iterator().next()
            .getLong(0);
    }

    private Row query(String sql) throws Exception {
        return pool.query(sql).execute().await(10, TimeUnit.SECONDS).iterator().next();
    }

    /**
     * A node whose reported spend passed its lease (it bid on its own ledger while Postgres was away) takes again: its
     * lease becomes its spend plus the grant, the grant is cut to what the others left, and the lease rows never hold
     * more than the budget. Without raising the lease to the spend it stays below the spend (1.2 of 9.5 units here)
     * and the node cannot bid the rest. A take and a heartbeat also tell whether another node holds a live lease.
     */
    @Test
    void aTakeAfterSpendingBeyondTheLeaseGrantsOnlyTheRestOnTopOfTheSpend() throws Exception {
        final long budget = 10_000_000;
        final LeaseStore alone = new LeaseStore(pool, "node-alone", TIMEOUT);
        final LeaseStore.Grant first = alone.take("c4", DAY, budget, 1_000_000, 0, 60_000);
        assertEquals(false, first.othersLive(), "nobody else on the campaign");
        final LeaseStore late = new LeaseStore(pool, "node-late", TIMEOUT);
        final LeaseStore.Grant other = late.take("c4", DAY, budget, 300_000, 0, 60_000);
        assertEquals(true, other.othersLive(), "node-alone holds a live lease");
        late.giveBack("c4", DAY, 0);
        assertEquals(false, alone.heartbeat(DAY, List.of("c4"), new long[] {9_500_000}, 60_000).get("c4")
            .othersLive(), "a given-back lease is not live");
        final LeaseStore.Grant back = alone.take("c4", DAY, budget, 1_000_000, 9_500_000, 60_000);
        assertEquals(500_000, back.grantedMicros(), "only the rest of the budget");
        assertEquals(10_000_000, back.leasedMicros(), "the spend plus the grant");
        assertEquals(0, late.take("c4", DAY, budget, 1_000_000, 0, 60_000).grantedMicros(), "nothing left");
        final long committed = pool.preparedQuery("SELECT sum(greatest(leased, spent))::int8 FROM budget_leases "
            + "WHERE campaign = $1").execute(Tuple.of("c4")).await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
        assertEquals(budget, committed);
    }
}

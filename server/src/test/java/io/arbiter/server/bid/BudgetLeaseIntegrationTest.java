package io.arbiter.server.bid;

import io.arbiter.server.bid.budget.LeaseStore;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several bidder nodes (bid modules in one JVM, each with its own ledger, reservations and lease thread) sharing one
 * campaign's daily budget through the lease table of one embedded Postgres. The clock stands at 23:59 UTC, so pacing's
 * schedule allows the whole day's budget and only the budget binds.
 */
class BudgetLeaseIntegrationTest {
    private static final long DAY_START = LocalDate.of(2026, 12, 6).toEpochDay() * 86_400_000L;
    private static final long LATE = DAY_START + 86_340_000L; // 23:59:00Z
    private static final double DAILY = 10.0; // currency units: about 2,000 impressions at 5 CPM
    private static final long DAILY_MICROS = 10_000_000L;
    private static final long MAX_BID_MICROS = 5_000L; // maxCpm 5
    private static final long TTL_MILLIS = 2_000;
    private static final String REQUEST = "{\"id\":\"r\",\"at\":2,\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
        + "\"h\":250}}],\"site\":{\"domain\":\"news.example\"}}";

    private Vertx vertx;
    private PgConnectOptions database;
    private final List<Pool> pools = new ArrayList<>();
    private final List<BidFixture> nodes = new ArrayList<>();

    @BeforeEach
    void database() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.freshDatabase(vertx, TestPostgres.shared());
        Migrations.migrate(pool()).await(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        for (final BidFixture node : nodes) {
            node.module.close();
        }
        for (final Pool pool : pools) {
            pool.close().await(10, TimeUnit.SECONDS);
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /**
     * Three nodes bid and bill as fast as they can on one campaign until none can bid any more. Together they spend
     * the budget and no more: at most the budget, at least the budget less one maximum bid per node (what each can be
     * left holding, too little for its next bid). Without leases each node spends the whole budget (about three
     * times it: {@link #withoutLeasesEveryNodeSpendsTheWholeBudget}); this test then fails.
     */
    @Test
    void threeNodesTogetherSpendTheBudgetAndNoMore() throws Exception {
        for (int n = 0; n < 3; n++) {
            node("node-" + n, true);
        }
        final long total = bidUntilSpent(nodes);
        System.out.println("three nodes with leases spent " + total + " micros of " + DAILY_MICROS);
        assertTrue(total <= DAILY_MICROS, "spent " + total + " of a budget of " + DAILY_MICROS);
        assertTrue(total >= DAILY_MICROS - 3 * MAX_BID_MICROS, "spent only " + total + " of " + DAILY_MICROS);
        for (final BidFixture node : nodes) {
            assertTrue(node.ledger.dailySpent(slot(node)) > 0, "every node bid");
        }
        assertEquals(DAILY_MICROS, committed(), "the lease rows hold the whole budget");
    }

    /** The control: the same three nodes without leases each spend the whole budget. */
    @Test
    void withoutLeasesEveryNodeSpendsTheWholeBudget() throws Exception {
        for (int n = 0; n < 3; n++) {
            node("node-" + n, false);
        }
        final long total = bidUntilSpent(nodes);
        System.out.println("three nodes without leases spent " + total + " micros of " + DAILY_MICROS);
        assertTrue(total > 2.9 * DAILY_MICROS, "spent " + total);
    }

    /**
     * A node takes 30% of the budget, reports 4% spent and dies without giving its lease back, having spent 10% (the
     * bills after its last report). The two live nodes spend the rest and, past the lease's lapse ({@code leaseTtl}
     * after the dead node's last heartbeat), nothing more: the lapsed lease stays committed in full (reported by
     * {@code arbiter.bid.lease.lapsed}), so the dead node's unreported bills are not spent a second time. When the
     * node comes back and reports its true spend, it bids on with the rest of its lease: the budget, no more. Fails if
     * a lapsed lease is recovered down to its reported spend: the live nodes then spend the dead node's 6% of
     * unreported bills again.
     */
    @Test
    void aDeadNodesLeaseStaysCommittedUntilItReturns() throws Exception {
        final long day = LocalDate.of(2026, 12, 6).toEpochDay();
        final LeaseStore dead = new LeaseStore(pool(), "node-dead", 10_000);
        assertEquals(3_000_000, dead.take("c", day, DAILY_MICROS, 3_000_000, 0, TTL_MILLIS).grantedMicros());
        final long deadReported = 400_000;
        final long deadSpent = 1_000_000;
        dead.heartbeat(day, List.of("c"), new long[] {deadReported}, TTL_MILLIS);
        final long heartbeatAt = System.nanoTime();
        final List<BidFixture> live = List.of(node("node-1", true), node("node-2", true));
        long total = bidUntilSpent(live);
        // Past the lapse and the live nodes' next takes (a third of the TTL after a short one): they find nothing.
        final long lapsedAt = heartbeatAt + TimeUnit.MILLISECONDS.toNanos(TTL_MILLIS + TTL_MILLIS / 3 + 300);
        Thread.sleep(Math.max(0, (lapsedAt - System.nanoTime()) / 1_000_000));
        for (final BidFixture node : live) {
            node.module.leaseRound();
        }
        total = bidUntilSpent(live);
        System.out.println("two live nodes spent " + total + " micros; the dead node reported " + deadReported
            + " and spent " + deadSpent + "; bidding ended " + (System.nanoTime() - heartbeatAt) / 1e9
            + " s after its last heartbeat");
        assertTrue(total + deadSpent <= DAILY_MICROS, "spent " + (total + deadSpent) + " of " + DAILY_MICROS
            + ": the dead node's unreported bills were spent again");
        assertTrue(total >= DAILY_MICROS - 3_000_000 - 2 * MAX_BID_MICROS, "the live nodes spent only " + total);
        for (final BidFixture node : live) {
            assertEquals((3_000_000 - deadReported) / 1e6,
                gauge(node, "arbiter.bid.lease.lapsed"), 1e-9,
                "arbiter.bid.lease.lapsed: the dead node's unspent lease, held back");
        }
        final LeaseStore.Grant back = dead.take("c", day, DAILY_MICROS, 3_000_000, deadSpent, TTL_MILLIS);
        assertEquals(3_000_000, back.leasedMicros(), "back, the node finds its lease as it left it");
        final long withTheRest = total + back.leasedMicros();
        assertTrue(withTheRest <= DAILY_MICROS && withTheRest >= DAILY_MICROS - 2 * MAX_BID_MICROS,
            "spent, with the rest of the node's lease, " + withTheRest + " of " + DAILY_MICROS);
    }

    /**
     * A node that loses Postgres while another node holds a live lease of the campaign goes on bidding with the lease
     * it holds, never beyond it, and stops once the lease may have lapsed ({@code leaseTtl} after its last round),
     * while it still holds money (the other node may still be spending, and may take over the lapsed lease).
     */
    @Test
    void aNodeCutOffFromPostgresSpendsOnlyWhatItHoldsUntilTheLeaseCouldLapse() throws Exception {
        final long day = LATE / 86_400_000L;
        final LeaseStore other = new LeaseStore(pool(), "node-other", 10_000);
        assertEquals(DAILY_MICROS / 10, other.take("c", day, DAILY_MICROS, DAILY_MICROS / 10, 0, 60_000)
            .grantedMicros(), "another node is live on the campaign");
        final Pool own = pool();
        final BidFixture node = node("node-cut", tenthSlices(), own, LATE);
        final int slot = slot(node);
        final long held = node.module.leases().leased(slot, day, LATE);
        assertEquals(DAILY_MICROS / 10, held, "one slice in hand");
        cutOff(node, own);
        assertEquals(0.0, gauge(node, "arbiter.bid.lease.standalone"), "another node was live: not standalone");
        final Bidder bidder = node.module.newBidder(7);
        final BidRequest request = request();
        int bids = 0;
        for (int i = 0; i < 10; i++) {
            if (bidAndBill(node, bidder, request)) {
                bids++;
            }
        }
        assertEquals(10, bids, "it still bids with what it holds");
        node.clock.advance(TTL_MILLIS);
        node.module.leaseRound();
        assertEquals(0, bidder.bid(request, node.clock.millis()).size(), "no bid once the lease may have lapsed");
        while (node.ledger.dailySpent(slot) < held - MAX_BID_MICROS) {
            node.clock.set(LATE); // pretend the lease were still valid: it runs dry at what it holds
            if (!bidAndBill(node, bidder, request)) {
                break;
            }
        }
        assertTrue(node.ledger.dailyExposure(slot) <= held, "beyond the lease: " + node.ledger.dailyExposure(slot));
    }

    /**
     * A lone node (no other node held a live lease of the campaign at its last round, as in a single-node deployment)
     * that loses Postgres goes on bidding on its own ledger past {@code leaseTtl}, as a lone node did before leases,
     * beyond its lease up to the daily budget and never beyond it. Fails without the standalone rule: it stops after
     * the TTL having spent only its slice.
     */
    @Test
    void aLoneNodeCutOffFromPostgresBidsOnItsLedgerUpToTheDailyBudget() throws Exception {
        final long day = LATE / 86_400_000L;
        final Pool own = pool();
        final BidFixture node = node("node-alone", tenthSlices(), own, LATE);
        final int slot = slot(node);
        assertEquals(DAILY_MICROS / 10, node.module.leases().leased(slot, day, LATE), "one slice in hand");
        cutOff(node, own);
        assertEquals(1.0, gauge(node, "arbiter.bid.lease.standalone"), "alone at the last round: standalone");
        node.clock.advance(5 * TTL_MILLIS);
        node.module.leaseRound();
        final Bidder bidder = node.module.newBidder(7);
        final BidRequest request = request();
        assertTrue(bidAndBill(node, bidder, request), "it bids past the TTL");
        int bids = 1;
        while (bidAndBill(node, bidder, request)) {
            bids++;
            assertTrue(bids < 1_000_000, "never stops bidding");
        }
        final long spent = node.ledger.dailySpent(slot);
        System.out.println("a lone node cut off from Postgres made " + bids + " bids, spending " + spent + " of "
            + DAILY_MICROS);
        assertTrue(node.ledger.dailyExposure(slot) <= DAILY_MICROS, "beyond the daily budget: "
            + node.ledger.dailyExposure(slot));
        assertTrue(spent >= DAILY_MICROS - MAX_BID_MICROS, "stopped at " + spent + " of " + DAILY_MICROS);
    }

    /**
     * A standalone node goes on across midnight during the outage: nobody can have leased the new day, and its
     * ledger rolls to it. Fails without the standalone rule (no lease of the new day).
     */
    @Test
    void aLoneNodeCutOffFromPostgresBidsOnAcrossMidnight() throws Exception {
        final Pool own = pool();
        final BidFixture node = node("node-alone", tenthSlices(), own, LATE);
        final int slot = slot(node);
        cutOff(node, own);
        final Bidder bidder = node.module.newBidder(7);
        final BidRequest request = request();
        assertTrue(bidAndBill(node, bidder, request), "bids before midnight");
        node.clock.set(DAY_START + 86_400_000L + 60_000); // 00:01 the next day
        node.module.leaseRound();
        assertTrue(bidAndBill(node, bidder, request), "bids after midnight");
        assertEquals(LATE / 86_400_000L + 1, node.ledger.day(slot), "the ledger moved to the new day");
        assertTrue(node.ledger.dailySpent(slot) > 0 && node.ledger.dailySpent(slot) <= DAILY_MICROS);
    }

    /**
     * A lone node loses Postgres (its database refuses connections), bids on its own ledger past its lease, and
     * Postgres returns: the next round reports its spend and reconciles. A node starting then gets no more than the
     * rest, and together they spend the budget and no more.
     */
    @Test
    void aLoneNodeReconcilesItsSpendWhenPostgresReturns() throws Exception {
        final long day = LATE / 86_400_000L;
        final Pool admin = TestPostgres.pool(vertx, TestPostgres.shared().connectOptions(), 1);
        pools.add(admin);
        final BidFixture node = node("node-alone", tenthSlices(), pool(), LATE);
        final int slot = slot(node);
        admin.query("ALTER DATABASE " + database.getDatabase() + " ALLOW_CONNECTIONS false").execute()
            .await(10, TimeUnit.SECONDS);
        admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
            + database.getDatabase() + "'").execute().await(10, TimeUnit.SECONDS);
        node.module.leaseRound();
        assertEquals(1.0, gauge(node, "arbiter.bid.lease.standalone"));
        node.clock.advance(5 * TTL_MILLIS);
        final Bidder bidder = node.module.newBidder(7);
        final BidRequest request = request();
        while (node.ledger.dailySpent(slot) < 6 * DAILY_MICROS / 10) {
            assertTrue(bidAndBill(node, bidder, request), "standalone: bids on its ledger");
        }
        final long outageSpent = node.ledger.dailySpent(slot);
        admin.query("ALTER DATABASE " + database.getDatabase() + " ALLOW_CONNECTIONS true").execute()
            .await(10, TimeUnit.SECONDS);
        node.module.leaseRound();
        assertEquals(1.0, gauge(node, "arbiter.bid.lease.postgres.up"));
        assertEquals(0.0, gauge(node, "arbiter.bid.lease.standalone"));
        assertEquals(outageSpent, reportedSpent("node-alone"), "the round reported the outage's spend");
        final LeaseStore late = new LeaseStore(pool(), "node-late", 10_000);
        final long granted = late.take("c", day, DAILY_MICROS, DAILY_MICROS, 0, 60_000).grantedMicros();
        assertTrue(granted <= DAILY_MICROS - outageSpent, "granted " + granted + " after " + outageSpent);
        while (bidAndBill(node, bidder, request)) {
            node.module.leaseRound();
        }
        final long total = node.ledger.dailySpent(slot) + granted;
        System.out.println("a lone node spent " + outageSpent + " during the outage, " + node.ledger.dailySpent(slot)
            + " in all; a node starting after it got " + granted);
        assertTrue(total <= DAILY_MICROS, "spent and leased " + total + " of " + DAILY_MICROS);
        assertTrue(total >= DAILY_MICROS - MAX_BID_MICROS, "spent and leased only " + total);
    }

    /**
     * In the last rounds before midnight a node takes the next day's first slice, so it bids from the first millisecond
     * of the day rather than after its next round (which, with many campaigns to take, can be seconds). Fails without
     * the early take: the bid at 00:00:00.001 finds no lease.
     */
    @Test
    void theNextDaysFirstSliceIsTakenBeforeMidnight() throws Exception {
        final long midnight = DAY_START + 86_400_000L;
        // within the last two rounds (rounds every 200 ms here)
        final BidFixture node = node("node-m", bidding(true), pool(), midnight - 100);
        node.clock.set(midnight + 1);
        assertTrue(bidAndBill(node, node.module.newBidder(3), request()), "a bid in the first millisecond of the day");
        assertEquals(DAILY_MICROS / 50, node.module.leases().leased(slot(node), midnight / 86_400_000L, midnight + 1));
    }

    /**
     * A paused campaign's unspent lease is given back at the next round, so another node can take it; without the
     * give-back the other node would find the budget leased out.
     */
    @Test
    void aPausedCampaignsLeaseIsGivenBack() throws Exception {
        final BidFixture paused = node("node-p", true);
        final int slot = slot(paused);
        final long day = LATE / 86_400_000L;
        assertEquals(DAILY_MICROS / 50, paused.module.leases().leased(slot, day, LATE));
        final Campaign campaign = paused.module.registry().get("c");
        paused.module.registry().publish(paused.module.registry().prepare(campaign.spec().withActive(false)));
        paused.module.leaseRound();
        assertEquals(0, paused.module.leases().leased(slot, day, LATE), "given back");
        final LeaseStore other = new LeaseStore(pool(), "node-q", 10_000);
        assertEquals(DAILY_MICROS, other.take("c", day, DAILY_MICROS, DAILY_MICROS, 0, 60_000).grantedMicros(),
            "the whole budget is free for another node");
    }

    /**
     * Notices arriving at another node than the bid's (one notice URL for all nodes): node A bids, every bill is
     * charged on node B, and A's reservations time out (1 ms here), so to A every bid looks lost and its lease never
     * runs down. What stops A is pacing on the cluster's spend: B's spend, reported by B's lease round and read by A's
     * (up to two rounds, 2 s, late). The total passes the budget by about a round or two of bills (printed; checked
     * only to stay under twice the budget); without the other nodes' spend in pacing A bids on until the test's 20 s
     * run out.
     */
    @Test
    void billsChargedOnAnotherNodeAreStoppedByPacingOnTheClustersSpend() throws Exception {
        final JsonObject bidding = new JsonObject().put("leaseSlice", 0.02).put("leaseTtl", "PT1M")
            .put("reservationTimeout", "PT0.001S");
        long now = DAY_START + 86_280_000L; // 23:58
        final BidFixture a = node("node-a", bidding, pool(), now);
        final BidFixture b = node("node-b", bidding, pool(), now);
        final Bidder bidder = a.module.newBidder(11);
        final BidRequest request = request();
        final long started = System.nanoTime();
        long lastBid = started;
        long bills = 0;
        while (System.nanoTime() - lastBid < TimeUnit.SECONDS.toNanos(3)
            && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20)) {
            now += 2;
            a.clock.set(now);
            b.clock.set(now);
            final Bidder.Bids bids = bidder.bid(request, now);
            if (bids.size() > 0) {
                final Bidder.Bid bid = bids.get(0);
                BidFixture.await(b.module.notices().notice(OutcomeKind.BILL, bid.token, Double.toString(bid.price),
                    null));
                bills++;
                lastBid = System.nanoTime();
            }
            if (bills % 20 == 0) {
                a.module.maintain(); // expires A's reservations
            }
            Thread.sleep(1);
        }
        final double seconds = (lastBid - started) / 1e9;
        final long total = a.ledger.dailySpent(slot(a)) + b.ledger.dailySpent(slot(b));
        final double billsPerSecond = bills / Math.max(seconds, 1e-3);
        System.out.println("bills of node A charged on node B: " + bills + " in " + seconds + " s; spent " + total
            + " micros of " + DAILY_MICROS);
        assertTrue(seconds < 17, "node A never stopped bidding");
        // The overshoot is about a round or two of bills (printed); the check is only that it is bounded, not a timing.
        assertTrue(total < 2 * DAILY_MICROS, "spent " + total + " at " + billsPerSecond + " bills/s");
    }

    private BidFixture node(String id, boolean leases) throws Exception {
        return node(id, bidding(leases), pool(), LATE);
    }

    /** A node with its own bid module and ledger, its clock at {@code now}, leasing through {@code pool}. */
    private BidFixture node(String id, JsonObject bidding, Pool pool, long now) throws Exception {
        final BidFixture node = new BidFixture(bidding, campaigns());
        nodes.add(node);
        node.clock.set(now);
        node.module.startBudgetLeases(pool, id);
        return node;
    }

    private static JsonObject bidding(boolean leases) {
        return new JsonObject().put("budgetLeases", leases).put("leaseSlice", 0.02).put("leaseTtl", "PT2S");
    }

    /** Leases on, slices of a tenth of the daily budget. */
    private static JsonObject tenthSlices() {
        return bidding(true).put("leaseSlice", 0.1);
    }

    /** Postgres is gone for {@code node} (its pool closed); its next round finds out. */
    private static void cutOff(BidFixture node, Pool own) throws Exception {
        own.close().await(10, TimeUnit.SECONDS);
        node.module.leaseRound();
        assertEquals(0.0, gauge(node, "arbiter.bid.lease.postgres.up"));
    }

    private static double gauge(BidFixture node, String name) {
        return node.metrics.registry().find(name).gauge().value();
    }

    private static JsonArray campaigns() {
        final JsonObject campaign = BidFixture.campaign("c", 5.0);
        campaign.getJsonObject("budget").put("daily", DAILY);
        return new JsonArray().add(campaign);
    }

    private Pool pool() {
        final Pool pool = TestPostgres.pool(vertx, database, 2);
        pools.add(pool);
        return pool;
    }

    /** Every node bids and bills on its own thread until their total spend has not moved for 1.5 s (at most 60 s). */
    private static long bidUntilSpent(List<BidFixture> nodes) throws Exception {
        final AtomicBoolean stop = new AtomicBoolean();
        final ExecutorService threads = Executors.newFixedThreadPool(nodes.size());
        try {
            final List<Future<?>> running = new ArrayList<>();
            for (int n = 0; n < nodes.size(); n++) {
                final BidFixture node = nodes.get(n);
                final int seed = n;
                running.add(threads.submit(() -> {
                    final Bidder bidder = node.module.newBidder(seed);
                    final BidRequest request = request();
                    while (!stop.get()) {
                        if (!bidAndBill(node, bidder, request)) {
                            Thread.sleep(2);
                        }
                    }
                    return null;
                }));
            }
            long last = -1;
            long stableSince = System.nanoTime();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Thread.sleep(100);
                final long total = spent(nodes);
                if (total != last) {
                    last = total;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(1_500)) {
                    break;
                }
            }
            stop.set(true);
            for (final Future<?> f : running) {
                f.get(10, TimeUnit.SECONDS); // a failure on a node's thread fails the test
            }
            return spent(nodes);
        } finally {
            threads.shutdownNow();
        }
    }

    /** One bid and, if there was one, its billing notice at the bid price. */
    private static boolean bidAndBill(BidFixture node, Bidder bidder, BidRequest request) {
        final Bidder.Bids bids = bidder.bid(request, node.clock.millis());
        if (bids.size() == 0) {
            return false;
        }
        final Bidder.Bid bid = bids.get(0);
        BidFixture.await(node.module.notices().notice(OutcomeKind.BILL, bid.token, Double.toString(bid.price), null));
        return true;
    }

    private static BidRequest request() {
        final BidRequest request = new BidRequest();
        new BidRequestParser().parse(REQUEST.getBytes(StandardCharsets.UTF_8), request);
        return request;
    }

    private static long spent(List<BidFixture> nodes) {
        long total = 0;
        for (final BidFixture node : nodes) {
            total += node.ledger.dailySpent(slot(node));
        }
        return total;
    }

    private static int slot(BidFixture node) {
        final Campaign campaign = node.module.registry().get("c");
        return campaign.slot();
    }

    private long reportedSpent(String node) throws Exception {
        return pools.get(0).preparedQuery("SELECT spent FROM budget_leases WHERE node = $1").execute(Tuple.of(node))
            .await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    }

    private long committed() throws Exception {
        return pools.get(0).query("SELECT coalesce(sum(greatest(leased, spent)), 0)::int8 FROM budget_leases")
            .execute().await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    }
}

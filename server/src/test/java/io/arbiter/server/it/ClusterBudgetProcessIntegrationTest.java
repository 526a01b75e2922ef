package io.arbiter.server.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A campaign's daily budget shared by three server processes (child JVMs on one Postgres, {@link ServerProcess}) under
 * concurrent OpenRTB traffic, every won bid billed through the notice URL of the node that made it: the cluster's
 * spend stays within the bound of docs/bidding.md, "Budgets across nodes" (the budget plus one maximum bid per node
 * beyond the single-node bound; here no bill is late, so the single-node bound is the budget itself), with all three
 * bidding, and with one of them killed (SIGKILL) holding bills it had not reported, then restarted.
 *
 * <p>The campaign bids its maximum on every request (a click value far above {@code maxCpm}), pacing's schedule gate
 * is opened ({@code pacingAllowance} 1: the whole day's budget at any hour), so only the budget stops the bidding.
 */
class ClusterBudgetProcessIntegrationTest extends ProcessClusterTest {

    private static final String CAMPAIGN = "split";
    private static final long DAILY_MICROS = 10_000_000L; // 10 USD
    private static final double MAX_CPM = 10.0;
    private static final long MAX_BID_MICROS = 10_000L; // maxCpm 10 = 0.01 USD a bid: the budget is 1,000 bids
    private static final int NODES = 3;
    /** The bound: one maximum bid per node beyond the single-node bound (the budget: no bill is late). */
    private static final long BOUND_MICROS = DAILY_MICROS + NODES * MAX_BID_MICROS;

    /** Three nodes with the given lease settings, launched together; the campaign made on node one, served by all. */
    private List<ServerProcess> startCluster(JsonObject bidding) throws Exception {
        final String pgUrl = freshDatabase();
        final List<ServerProcess> started = new ArrayList<>();
        for (final String id : List.of("one", "two", "three")) {
            final JsonObject config = ServerProcess.config(dir, id, pgUrl).put("bidding", bidding.copy());
            final ServerProcess node = ServerProcess.launch(dir, id, config);
            nodes.add(node);
            started.add(node);
        }
        for (final ServerProcess node : started) {
            node.awaitReady();
        }
        final HttpResponse<String> created = started.get(0).admin("PUT", "/v1/campaigns/" + CAMPAIGN,
            campaign().encode());
        assertEquals(201, created.statusCode(), created.body());
        for (final ServerProcess node : started) { // definitions travel by LISTEN/NOTIFY
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (node.admin("GET", "/v1/campaigns/" + CAMPAIGN, null).statusCode() != 200) {
                assertTrue(System.nanoTime() < deadline, "node " + node.nodeId + " never served the campaign");
                Thread.sleep(20);
            }
        }
        return started;
    }

    private static JsonObject bidding(double leaseSlice, String leaseTtl) {
        return new JsonObject().put("budgetLeases", true).put("leaseSlice", leaseSlice).put("leaseTtl", leaseTtl)
            .put("pacingAllowance", 1.0);
    }

    private static JsonObject campaign() {
        return new JsonObject().put("status", "active").put("currency", "USD")
            .put("budget", new JsonObject().put("daily", DAILY_MICROS / 1e6))
            .put("goal", new JsonObject().put("type", "click").put("value", 100.0))
            .put("maxCpm", MAX_CPM)
            .put("ctrPrior", new JsonObject().put("alpha", 50).put("beta", 50))
            .put("creatives", new JsonArray().add(new JsonObject().put("id", "mrec")
                .put("banner", new JsonArray().add(new JsonObject().put("w", 300).put("h", 250)))
                .put("markup", "<a href=\"{{CLICK_URL}}\">ad</a>")
                .put("adomain", new JsonArray().add("shop.example")).put("cat", new JsonArray().add("IAB22"))));
    }

    /**
     * Client threads sending bid requests to their nodes and billing every bid through the node's own billing notice
     * URL at the bid price; {@link #billedMicros} what the nodes acknowledged as charged.
     */
    private static final class Traffic {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong lastBidNanos = new AtomicLong(System.nanoTime());
        final AtomicLong bids = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        final long[] billedMicros; // by node index, guarded by itself
        private final String request;

        Traffic(String request, int nodeCount) {
            this.request = request;
            this.billedMicros = new long[nodeCount];
        }

        void start(List<ServerProcess> targets, int threadsPerNode, int firstIndex) {
            for (int n = 0; n < targets.size(); n++) {
                final ServerProcess node = targets.get(n);
                final int index = firstIndex + n;
                for (int t = 0; t < threadsPerNode; t++) {
                    final String prefix = node.nodeId + "-" + t + "-";
                    final Thread thread = new Thread(() -> run(node, index, prefix), "bids-" + prefix);
                    thread.start();
                    threads.add(thread);
                }
            }
        }

        private void run(ServerProcess node, int index, String prefix) {
            for (long i = 0; running.get(); i++) {
                try {
                    final JsonObject body = new JsonObject(request).put("id", prefix + i).put("at", 2);
                    body.getJsonObject("user").put("id", prefix + i);
                    body.getJsonArray("imp").getJsonObject(0).put("bidfloor", 0.0001);
                    final HttpResponse<String> response = node.post("/openrtb2/bid", body.encode());
                    if (response.statusCode() != 200) {
                        assertEquals(204, response.statusCode(), response.body());
                        Thread.sleep(2);
                        continue;
                    }
                    lastBidNanos.set(System.nanoTime());
                    bids.incrementAndGet();
                    final JsonObject bid = new JsonObject(response.body()).getJsonArray("seatbid").getJsonObject(0)
                        .getJsonArray("bid").getJsonObject(0);
                    final String burl = bid.getString("burl");
                    assertTrue(burl.contains(":" + node.port + "/"), "billed on the node that bid: " + burl);
                    final double price = bid.getDouble("price");
                    final HttpResponse<String> bill = node.get(burl.substring(burl.indexOf("/rtb/"))
                        .replace("${AUCTION_PRICE}", Double.toString(price)).replace("${AUCTION_ID}", prefix + i)
                        .replace("${AUCTION_IMP_ID}", "1"));
                    assertEquals(200, bill.statusCode(), bill.body());
                    assertEquals("accepted", new JsonObject(bill.body()).getString("status"), bill.body());
                    synchronized (billedMicros) {
                        billedMicros[index] += Math.round(price * 1_000); // CPM: a thousandth of it per impression
                    }
                } catch (java.io.IOException e) {
                    return; // the node is gone (killed), or its answer came too late
                } catch (Exception | AssertionError e) {
                    failure.compareAndSet(null, e); // fails the test in stop()
                    return;
                }
            }
        }

        /** Waits until no node has bid for {@code quiet} (at most {@code max}), then stops the threads. */
        void runUntilQuiet(Duration quiet, Duration max) throws InterruptedException {
            runUntilQuiet(quiet, max, System.nanoTime());
        }

        /** As {@link #runUntilQuiet(Duration, Duration)}, running at least until {@code notBeforeNanos}. */
        void runUntilQuiet(Duration quiet, Duration max, long notBeforeNanos) throws InterruptedException {
            final long deadline = System.nanoTime() + max.toNanos();
            while ((System.nanoTime() - lastBidNanos.get() < quiet.toNanos() || System.nanoTime() < notBeforeNanos)
                && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            stop();
            assertTrue(System.nanoTime() < deadline, "the nodes still bid after " + max + " (" + bids + " bids)");
        }

        /** Stops the threads; fails if one of them met anything but a node gone or slow (a wrong answer). */
        void stop() throws InterruptedException {
            running.set(false);
            for (final Thread thread : threads) {
                thread.join(10_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("a client thread failed: " + failure.get(), failure.get());
            }
        }

        long billed(int index) {
            synchronized (billedMicros) {
                return billedMicros[index];
            }
        }

        long billed() {
            long total = 0;
            for (int i = 0; i < billedMicros.length; i++) {
                total += billed(i);
            }
            return total;
        }
    }

    private static String request() throws Exception {
        return Files.readString(Path.of("src", "test", "resources", "openrtb", "iab-examples", "bid-requests",
            "simple-banner.json"));
    }

    /** The node's own view of the campaign's spend today ({@code GET /v1/campaigns/{id}}, state.dailySpent). */
    private static long dailySpentMicros(ServerProcess node) throws Exception {
        final HttpResponse<String> response = node.admin("GET", "/v1/campaigns/" + CAMPAIGN, null);
        assertEquals(200, response.statusCode(), response.body());
        return Math.round(new JsonObject(response.body()).getJsonObject("state").getDouble("dailySpent") * 1e6);
    }

    /** Billed spend as Postgres holds it: the campaign's {@code spend:} aggregates (clearing prices in CPM). */
    private long storedSpendMicros() throws Exception {
        final Row row = db.preparedQuery("SELECT coalesce(sum(reward_sum), 0)::float8 FROM arm_aggregates "
            + "WHERE scope = $1").execute(Tuple.of("spend:" + CAMPAIGN)).await(10, TimeUnit.SECONDS).iterator().next();
        return Math.round(row.getDouble(0) * 1_000);
    }

    /** The nodes' spend as their lease rounds last reported it ({@code budget_leases}). */
    private long reportedSpendMicros() throws Exception {
        return db.preparedQuery("SELECT coalesce(sum(spent), 0)::int8 FROM budget_leases WHERE campaign = $1")
            .execute(Tuple.of(CAMPAIGN)).await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    }

    /** One node's lease row of the campaign today: {leased, spent}, zeros if it has none. */
    private long[] leaseRow(String node) throws Exception {
        for (final Row row : db.preparedQuery("SELECT leased, spent FROM budget_leases WHERE campaign = $1 "
            + "AND node = $2 AND day = (now() AT TIME ZONE 'UTC')::date").execute(Tuple.of(CAMPAIGN, node))
            .await(10, TimeUnit.SECONDS)) {
            return new long[] {row.getLong(0), row.getLong(1)};
        }
        return new long[2];
    }

    /**
     * Three nodes, two client threads each, bid and bill until no node bids any more: the total in Postgres, as every
     * node's own ledger counts it and as the clients were charged stays within the budget plus one maximum bid per
     * node (printed). Fails with {@code bidding.budgetLeases} off: every node then spends the whole budget on its own.
     */
    @Test
    void aBudgetSplitAcrossThreeNodesIsNotOverspentUnderConcurrentBids() throws Exception {
        final List<ServerProcess> cluster = startCluster(bidding(0.02, "PT2S"));
        final Traffic traffic = new Traffic(request(), NODES);
        final long started = System.nanoTime();
        traffic.start(cluster, 2, 0);
        traffic.runUntilQuiet(Duration.ofMillis(2_500), Duration.ofSeconds(40));
        final double seconds = (traffic.lastBidNanos.get() - started) / 1e9;

        long ledgers = 0;
        final StringBuilder perNode = new StringBuilder();
        for (int n = 0; n < NODES; n++) {
            final ServerProcess node = cluster.get(n);
            node.awaitShipped(Duration.ofSeconds(20));
            final long own = dailySpentMicros(node);
            ledgers += own;
            perNode.append(' ').append(node.nodeId).append(' ').append(own).append(" (billed ")
                .append(traffic.billed(n)).append(')');
            assertTrue(own > 0, "node " + node.nodeId + " spent nothing");
            assertTrue(own <= BOUND_MICROS, "node " + node.nodeId + " alone spent " + own);
        }
        Thread.sleep(600); // three lease rounds: every node has reported its final spend
        final long stored = storedSpendMicros();
        final long reported = reportedSpendMicros();
        System.out.println("three nodes, " + traffic.bids + " bids in " + seconds + " s: billed " + traffic.billed()
            + " micros, nodes' ledgers " + ledgers + " [" + perNode.toString().trim() + "], Postgres spend "
            + stored + ", reported in budget_leases " + reported + "; budget " + DAILY_MICROS + ", bound "
            + BOUND_MICROS);
        // A bill whose answer a client did not get in time (its thread then stops) is charged but not counted here.
        assertTrue(ledgers >= traffic.billed() && ledgers <= traffic.billed() + 2 * NODES * MAX_BID_MICROS,
            "the nodes' ledgers count " + ledgers + ", the clients were charged " + traffic.billed());
        assertEquals(ledgers, stored, "Postgres holds every bill");
        assertTrue(stored <= BOUND_MICROS, "the cluster spent " + stored + " of a budget of " + DAILY_MICROS
            + " (bound " + BOUND_MICROS + ")");
        assertTrue(reported <= stored, "reported " + reported + " > billed " + stored);
        assertTrue(stored >= DAILY_MICROS - NODES * MAX_BID_MICROS, "the budget was not spent: " + stored);
    }

    /**
     * Node three bids and bills on its own, holding a lease, and is killed (SIGKILL) part way between two lease rounds,
     * so part of its spend was never reported to Postgres. The two survivors bid until nothing is left, past the time
     * the dead node's lease lapses ({@code leaseTtl}) and their next takes; then node three restarts (its journal is
     * shipped, its ledger restored from its own bills) and all three bid again: node three bids the rest of its lease.
     * What the cluster billed, as the clients were charged and as Postgres holds it once node three's journal is in,
     * never passes the budget plus one maximum bid per node, and in the end reaches the budget. Fails if a lapsed
     * lease is recovered down to its reported spend: the survivors then spend node three's unreported bills a second
     * time (the run checks there are more than three maximum bids of them); and if the restart restores the spend of
     * every node's bills: node three then counts the survivors' spend as its own and bids no more.
     */
    @Test
    void aKilledNodesUnreportedSpendIsNotSpentAgainBySurvivors() throws Exception {
        final long ttlMillis = 5_000; // lease rounds every 500 ms
        final List<ServerProcess> cluster = startCluster(bidding(0.1, "PT5S"));
        final ServerProcess victim = cluster.get(2);
        final Traffic onVictim = new Traffic(request(), 1);
        onVictim.start(List.of(victim), 4, 0);
        final long watching = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long reported = leaseRow(victim.nodeId)[1];
        while (reported == 0) { // until it has reported some spend
            assertTrue(System.nanoTime() < watching, "node three never reported spend");
            Thread.sleep(5);
            reported = leaseRow(victim.nodeId)[1];
        }
        final long before = reported;
        while (reported == before) { // a round just reported: the next is a round period away
            assertTrue(System.nanoTime() < watching, "node three's spend was not reported again");
            Thread.sleep(5);
            reported = leaseRow(victim.nodeId)[1];
        }
        Thread.sleep(ttlMillis / 10 * 2 / 3); // two thirds of a round of bills that no round reports
        victim.kill();
        final long killedAt = System.nanoTime();
        onVictim.stop();
        final long[] deadRow = leaseRow(victim.nodeId);
        final long victimBilled = onVictim.billed();
        final long unreported = victimBilled - deadRow[1];
        System.out.println("node three killed holding " + deadRow[0] + " micros leased, " + deadRow[1]
            + " reported spent, " + victimBilled + " billed by its clients: " + unreported + " unreported");
        assertTrue(unreported > NODES * MAX_BID_MICROS, "too little unreported spend for the test to see a "
            + "second spending of it: " + unreported);

        final Traffic onSurvivors = new Traffic(request(), 2);
        onSurvivors.start(cluster.subList(0, 2), 2, 0);
        // Past the lapse (TTL after node three's last round) and a survivor's next take (a third of the TTL later).
        onSurvivors.runUntilQuiet(Duration.ofMillis(1_500), Duration.ofSeconds(40),
            killedAt + TimeUnit.MILLISECONDS.toNanos(ttlMillis + ttlMillis / 3 + 1_000));
        final long survivors = onSurvivors.billed();
        System.out.println("after the kill the survivors billed " + survivors + " (one " + onSurvivors.billed(0)
            + ", two " + onSurvivors.billed(1) + "): with node three's " + victimBilled + ", "
            + (survivors + victimBilled) + " of a budget of " + DAILY_MICROS + " (bound " + BOUND_MICROS + ")");
        assertTrue(survivors > 0, "the survivors bid nothing");
        assertTrue(survivors + victimBilled <= BOUND_MICROS, "the survivors spent node three's unreported bills "
            + "again: " + (survivors + victimBilled) + " of " + DAILY_MICROS + " (bound " + BOUND_MICROS + ")");

        victim.start();
        victim.awaitReady(); // its journal (the bills it took) is shipped before it answers ready
        final long restored = dailySpentMicros(victim);
        System.out.println("node three restarted with " + restored + " spent today (its clients were charged "
            + victimBilled + ")");
        assertTrue(restored >= victimBilled && restored <= victimBilled + 4 * MAX_BID_MICROS, // bills in flight
            "node three restored " + restored + " as its spend, not its own " + victimBilled);
        final Traffic again = new Traffic(request(), NODES);
        again.start(cluster, 1, 0);
        again.runUntilQuiet(Duration.ofMillis(1_500), Duration.ofSeconds(20));
        for (final ServerProcess node : cluster) {
            node.awaitShipped(Duration.ofSeconds(20));
        }
        final long stored = storedSpendMicros();
        System.out.println("node three restarted: the three then billed " + again.billed() + "; Postgres holds "
            + stored + " spent (clients were charged " + (victimBilled + survivors + again.billed()) + "), "
            + "budget " + DAILY_MICROS + ", bound " + BOUND_MICROS + ", unspent " + (DAILY_MICROS - stored));
        assertTrue(stored >= victimBilled + survivors + again.billed(), "Postgres lost bills: " + stored);
        assertTrue(stored <= BOUND_MICROS, "the cluster spent " + stored + " of " + DAILY_MICROS
            + " (bound " + BOUND_MICROS + ")");
        assertTrue(stored >= DAILY_MICROS - NODES * MAX_BID_MICROS, "node three, back, did not bid the rest of its "
            + "lease: " + stored + " of " + DAILY_MICROS);
    }
}

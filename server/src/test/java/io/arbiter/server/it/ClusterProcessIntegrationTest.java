package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three server processes (child JVMs, each with its own data dir and port, the same token secret) on one Postgres, as
 * they run in production: an experiment created on node two is served by node three within 2 s and its rewards on
 * node three reach node one; rewards sent only to node one move the choices of nodes two and three; a reward sent to
 * node one and repeated to node two counts once on every node; node two killed with SIGKILL while it takes rewards
 * loses none it acknowledged (after its restart every {@code 202} is in Postgres, nothing it never sent is, and all
 * three nodes count exactly what Postgres holds).
 */
class ClusterProcessIntegrationTest extends ProcessClusterTest {

    private static final Duration SYNC_DEADLINE = Duration.ofSeconds(10);

    /** Launches the nodes together (their JVMs start in parallel) and waits until each is ready. */
    private List<ServerProcess> startNodes(String pgUrl, String... ids) throws Exception {
        final List<ServerProcess> started = new ArrayList<>();
        for (final String id : ids) {
            final ServerProcess node = ServerProcess.launch(dir, id, ServerProcess.config(dir, id, pgUrl));
            nodes.add(node);
            started.add(node);
        }
        for (final ServerProcess node : started) {
            node.awaitReady();
        }
        return started;
    }

    /** Rewards per variant of "hero" as a node's posterior counts them. */
    private static Map<String, Long> trials(ServerProcess node) throws Exception {
        return trials(node, "hero", "A", "B", "C");
    }

    private static Map<String, Long> trials(ServerProcess node, String experiment, String... variants)
        throws Exception {
        final Map<String, Long> trials = new HashMap<>();
        for (final String variant : variants) {
            trials.put(variant, 0L);
        }
        for (final Object v : node.stats(experiment).getJsonArray("variantStats")) {
            final JsonObject stats = (JsonObject) v;
            trials.put(stats.getString("variant"), stats.getLong("rewards"));
        }
        return trials;
    }

    /** What Postgres counts for "hero" per variant ({@code arm_aggregates}: every node's stored rewards, once). */
    private Map<String, Long> storedTrials() throws Exception {
        final Map<String, Long> trials = new HashMap<>(Map.of("A", 0L, "B", 0L, "C", 0L));
        for (final Row row : db.preparedQuery("SELECT arm, trials FROM arm_aggregates WHERE scope = $1")
            .execute(Tuple.of("hero")).await(10, TimeUnit.SECONDS)) {
            trials.put(row.getString(0), row.getLong(1));
        }
        return trials;
    }

    private Set<String> storedRewardIds(String node) throws Exception {
        final Set<String> ids = new HashSet<>();
        for (final Row row : db.preparedQuery("SELECT decision_id FROM rewards WHERE node = $1")
            .execute(Tuple.of(node)).await(10, TimeUnit.SECONDS)) {
            ids.add(row.getString(0));
        }
        return ids;
    }

    /** Decides and rewards n times on one node: reward 1 for variant C, 0 otherwise; the rewards per variant. */
    private static Map<String, Long> rewardOn(ServerProcess node, int n, String unitPrefix) throws Exception {
        final Map<String, Long> sent = new HashMap<>(Map.of("A", 0L, "B", 0L, "C", 0L));
        for (int i = 0; i < n; i++) {
            final JsonObject decision = node.decide("hero", unitPrefix + i);
            final String variant = decision.getString("variant");
            assertEquals(202, node.reward(decision.getString("decisionId"), "C".equals(variant) ? 1 : 0)
                .statusCode());
            sent.merge(variant, 1L, Long::sum);
        }
        return sent;
    }

    private static void awaitTrials(ServerProcess node, Map<String, Long> expected, String what) throws Exception {
        Await.equal(expected, () -> trials(node), SYNC_DEADLINE, what);
    }

    private static int choicesOf(ServerProcess node, String variant, int decisions) throws Exception {
        int chosen = 0;
        for (int i = 0; i < decisions; i++) {
            if (variant.equals(node.decide("hero", "probe-" + node.nodeId + "-" + i).getString("variant"))) {
                chosen++;
            }
        }
        return chosen;
    }

    /**
     * An experiment created through node two's admin API is served by node three within 2 s (LISTEN/NOTIFY), and
     * rewards taken for it on node three reach node one (each node has its own arms for it).
     */
    private static void definitionCreatedOnTwoIsServedByThreeAndLearnedByOne(ServerProcess one, ServerProcess two,
                                                                             ServerProcess three) throws Exception {
        assertEquals(404, three.post("/v1/decide", "{\"experiment\":\"fresh\",\"unit\":\"u\"}").statusCode());
        assertEquals(201, two.admin("PUT", "/v1/experiments/fresh", "{\"variants\":[\"X\",\"Y\"]}").statusCode());
        final long created = System.nanoTime();
        while (three.post("/v1/decide", "{\"experiment\":\"fresh\",\"unit\":\"u\"}").statusCode() != 200) {
            assertTrue(System.nanoTime() - created < Duration.ofSeconds(2).toNanos(),
                "an experiment created on node two not served by node three within 2 s");
            Thread.sleep(10);
        }
        System.out.println("created on node two, served by node three after "
            + (System.nanoTime() - created) / 1_000_000 + " ms");
        final Map<String, Long> freshOnThree = new HashMap<>(Map.of("X", 0L, "Y", 0L));
        for (int i = 0; i < 20; i++) {
            final JsonObject decision = three.decide("fresh", "f-" + i);
            assertEquals(202, three.reward(decision.getString("decisionId"), 1).statusCode());
            freshOnThree.merge(decision.getString("variant"), 1L, Long::sum);
        }
        three.awaitShipped(Duration.ofSeconds(20));
        final long deadline = System.nanoTime() + SYNC_DEADLINE.toNanos();
        Map<String, Long> freshOnOne = trials(one, "fresh", "X", "Y");
        while (!freshOnOne.equals(freshOnThree) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            freshOnOne = trials(one, "fresh", "X", "Y");
        }
        assertEquals(freshOnThree, freshOnOne, "node three's rewards for node two's experiment, on node one");
    }

    @Test
    void threeProcessesLearnTogetherCountOnceAndLoseNothingAcknowledgedToSigkill() throws Exception {
        final String pgUrl = freshDatabase();
        final List<ServerProcess> started = startNodes(pgUrl, "one", "two", "three");
        final ServerProcess one = started.get(0);
        final ServerProcess two = started.get(1);
        final ServerProcess three = started.get(2);

        definitionCreatedOnTwoIsServedByThreeAndLearnedByOne(one, two, three);

        // Rewards only on node one (C always pays, A and B never): nodes two and three count them and choose C.
        // Before any reward every node chooses each variant with probability 1/3, so 30 or more C of 40 is below
        // 1e-8 by chance; with node one's rewards C's posterior dominates and the same check fails about never.
        final Map<String, Long> onOne = rewardOn(one, 90, "u1-");
        one.awaitShipped(Duration.ofSeconds(20));
        assertTrue(onOne.get("C") > onOne.get("A") + onOne.get("B"), "node one learned C: " + onOne);
        awaitTrials(two, onOne, "node one's rewards on node two");
        awaitTrials(three, onOne, "node one's rewards on node three");
        assertEquals(onOne, trials(one), "node one counts its own once");
        final int cOnTwo = choicesOf(two, "C", 40);
        final int cOnThree = choicesOf(three, "C", 40);
        assertTrue(cOnTwo >= 30 && cOnThree >= 30, "C chosen " + cOnTwo + " of 40 on node two and " + cOnThree
            + " of 40 on node three, learned from node one's rewards only");

        // One decision rewarded on node one, then again on node two (which cannot know yet): both answer 202; after
        // node two's batch and a sync every node counts it once.
        final JsonObject decision = one.decide("hero", "dup-unit");
        final String id = decision.getString("decisionId");
        assertEquals(202, one.reward(id, 1).statusCode());
        one.awaitShipped(Duration.ofSeconds(20));
        assertEquals(202, two.reward(id, 1).statusCode());
        two.awaitShipped(Duration.ofSeconds(20));
        final Map<String, Long> once = new HashMap<>(onOne);
        once.merge(decision.getString("variant"), 1L, Long::sum);
        assertEquals(once, storedTrials(), "Postgres stores the repeated reward once");
        for (final ServerProcess node : started) {
            awaitTrials(node, once, "a reward repeated on two nodes, on node " + node.nodeId);
        }
        Thread.sleep(1_200); // two more sync rounds: nothing may be applied twice
        for (final ServerProcess node : started) {
            assertEquals(once, trials(node), "still once on node " + node.nodeId);
        }

        // Node two takes rewards from three writers and is killed (SIGKILL) mid-run.
        final Set<String> attempted = ConcurrentHashMap.newKeySet();
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final AtomicBoolean running = new AtomicBoolean(true);
        final List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            final int writer = w;
            final Thread thread = new Thread(() -> {
                for (int i = 0; running.get(); i++) {
                    try {
                        final String decisionId = two.decide("hero", "k" + writer + "-" + i).getString("decisionId");
                        attempted.add(decisionId);
                        if (two.reward(decisionId, i % 2).statusCode() == 202) {
                            acknowledged.add(decisionId);
                        }
                    } catch (Exception | AssertionError e) {
                        return; // node two is gone
                    }
                }
            });
            thread.start();
            writers.add(thread);
        }
        Thread.sleep(1_500);
        two.kill();
        running.set(false);
        for (final Thread thread : writers) {
            thread.join(10_000);
        }
        assertTrue(acknowledged.size() > 10, "only " + acknowledged.size() + " rewards acknowledged before the kill");

        two.start();
        two.awaitReady(); // the journal tail is shipped before the node answers ready
        two.awaitShipped(Duration.ofSeconds(20));
        final Set<String> stored = storedRewardIds("two");
        final Set<String> missing = new HashSet<>(acknowledged);
        missing.removeAll(stored);
        assertTrue(missing.isEmpty(), missing.size() + " of " + acknowledged.size()
            + " acknowledged rewards missing from Postgres after node two's SIGKILL");
        final Set<String> unknown = new HashSet<>(stored);
        unknown.removeAll(attempted);
        assertTrue(unknown.isEmpty(), "stored rewards node two was never sent: " + unknown);
        assertTrue(stored.size() <= attempted.size(), "stored " + stored.size() + " > sent " + attempted.size());
        System.out.println("node two killed: " + acknowledged.size() + " acknowledged, " + stored.size()
            + " stored, " + attempted.size() + " sent");

        // Every node (node two rebuilt from the aggregates, the others through sync) counts what Postgres holds.
        final Map<String, Long> all = storedTrials();
        assertEquals(once.values().stream().mapToLong(Long::longValue).sum() + stored.size(),
            all.values().stream().mapToLong(Long::longValue).sum(), "Postgres: the earlier rewards and node two's");
        for (final ServerProcess node : started) {
            awaitTrials(node, all, "after node two's SIGKILL and restart, on node " + node.nodeId);
        }
    }

    /** Per variant of "lin", the observations of a node's linear model and its coefficients' mean. */
    private static Map<String, String> linearModel(ServerProcess node) throws Exception {
        return LinearModels.of(node.stats("lin"));
    }


    /** Waits until a node's linear model holds {@code n} observations (its applier runs every 100 ms). */
    private static Map<String, String> awaitObservations(ServerProcess node, long n, String what) throws Exception {
        return LinearModels.awaitObservations(() -> linearModel(node), n, SYNC_DEADLINE, what);
    }

    private static void awaitLinear(ServerProcess node, Map<String, String> expected, String what) throws Exception {
        Await.equal(expected, () -> linearModel(node), SYNC_DEADLINE, what);
    }

    /** One decision of "lin" with feature x, rewarded: A pays 1 when x > 0, B when x < 0; the decision. */
    private static JsonObject rewardLinear(ServerProcess node, double x, String unit) throws Exception {
        final java.net.http.HttpResponse<String> response = node.post("/v1/decide", new JsonObject()
            .put("experiment", "lin")
            .put("unit", unit).put("features", new JsonObject().put("x", x)).encode());
        assertEquals(200, response.statusCode(), response.body());
        final JsonObject decision = new JsonObject(response.body());
        final boolean pays = "A".equals(decision.getString("variant")) == x > 0;
        assertEquals(202, node.reward(decision.getString("decisionId"), pays ? 1 : 0).statusCode());
        return decision;
    }

    @Test
    void linearModelsLearnTogetherCountOnceAndCatchUpAfterSigkill() throws Exception {
        final String pgUrl = freshDatabase();
        final List<ServerProcess> started = startNodes(pgUrl, "one", "two", "three");
        final ServerProcess one = started.get(0);
        final ServerProcess two = started.get(1);
        final ServerProcess three = started.get(2);
        assertEquals(201, one.admin("PUT", "/v1/experiments/lin", "{\"variants\":[\"A\",\"B\"],"
            + "\"context\":{\"model\":\"linear\",\"features\":[\"x\"]}}").statusCode());
        for (final ServerProcess node : List.of(two, three)) {
            final long deadline = System.nanoTime() + SYNC_DEADLINE.toNanos();
            while (node.post("/v1/decide", "{\"experiment\":\"lin\",\"unit\":\"u\",\"features\":{\"x\":1}}")
                .statusCode() != 200) {
                assertTrue(System.nanoTime() < deadline, "lin not served by node " + node.nodeId);
                Thread.sleep(20);
            }
        }

        // Rewards only on node one: the other two models become node one's.
        for (int i = 0; i < 80; i++) {
            rewardLinear(one, i % 2 == 0 ? 1.0 : -1.0, "l1-" + i);
        }
        one.awaitShipped(Duration.ofSeconds(20));
        final Map<String, String> onOne = awaitObservations(one, 80, "node one's own linear rewards");
        awaitLinear(two, onOne, "node one's linear rewards in node two's model");
        awaitLinear(three, onOne, "node one's linear rewards in node three's model");

        // A reward repeated on node two, after node two has node one's: once everywhere after node two's batch.
        final JsonObject decision = rewardLinear(one, 1.0, "dup");
        one.awaitShipped(Duration.ofSeconds(20));
        final Map<String, String> once = awaitObservations(one, 81, "node one's repeated reward");
        awaitLinear(two, once, "node one's reward on node two, before the repeat");
        assertEquals(202, two.reward(decision.getString("decisionId"), 1).statusCode());
        two.awaitShipped(Duration.ofSeconds(20));
        Thread.sleep(1_200); // two more sync rounds: nothing may be applied twice
        for (final ServerProcess node : started) {
            awaitLinear(node, once, "the repeated linear reward once, on node " + node.nodeId);
        }

        // Node two killed with SIGKILL while node one takes rewards and node two replays them; restarted, it catches
        // up with exactly what node one learned.
        final Thread writer = new Thread(() -> {
            for (int i = 0; i < 120; i++) {
                try {
                    rewardLinear(one, i % 3 == 0 ? -1.0 : 1.0, "l2-" + i);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        writer.start();
        Thread.sleep(1_500);
        two.kill();
        writer.join(60_000);
        one.awaitShipped(Duration.ofSeconds(20));
        final Map<String, String> all = awaitObservations(one, 201, "node one's later rewards");
        two.start();
        two.awaitReady();
        for (final ServerProcess node : started) {
            awaitLinear(node, all, "after node two's SIGKILL and restart, node " + node.nodeId + "'s linear model");
        }
        Thread.sleep(1_200);
        assertEquals(all, linearModel(two), "node two counts node one's rewards once after its restart");
    }
}

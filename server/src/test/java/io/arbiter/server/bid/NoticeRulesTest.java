package io.arbiter.server.bid;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignStore;
import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.metrics.Metrics;
import io.arbiter.server.outcome.ArmAggregate;
import io.arbiter.server.outcome.OutcomeConfig;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomePipeline;
import io.arbiter.server.pg.Migrations;
import io.arbiter.server.pg.TestPostgres;
import io.arbiter.server.token.SignedTokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notice rule table is the one definition of what notices teach: a seeded sequence of notices (bills, clicks,
 * conversions, wins, losses and repeated notices) gives the same counts, field by field, in the posterior table and
 * in Postgres's aggregates (where the outcome pipeline folds them by the same rules, handed over as data), with
 * trials = impressions and successes = clicks for a click-rate arm; and a restart on an empty table restores exactly
 * those counts. Run against the embedded Postgres the suite shares.
 */
class NoticeRulesTest {
    private static final long SEED = Long.getLong("noticeRules.seed", 13L);
    private static final SignedTokens SIGNER = new SignedTokens(
        "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path journal;

    private static JsonArray campaigns() {
        final JsonObject campaign = BidFixture.campaign("rules", 10);
        campaign.put("goal", new JsonObject().put("type", "conversion").put("value", 20));
        final JsonObject second = campaign.getJsonArray("creatives").getJsonObject(0).copy().put("id", "rules-c2");
        campaign.getJsonArray("creatives").add(second);
        return new JsonArray().add(campaign);
    }

    private static BidModule module(PosteriorTable table, OutcomePipeline outcomes, BidFixture clockOwner) {
        final BidModule module = new BidModule(BiddingConfig.from(new JsonObject().put("frequencyCellsLog2", 12)
            .put("noticeClaimsLog2", 16)),
            table, BudgetLedger.allocateDirect(8), CampaignStore.inMemory(), outcomes, SIGNER, new Metrics(),
            clockOwner.clock);
        BidFixture.await(module.loadCampaigns(campaigns()));
        return module;
    }

    @Test
    void inMemoryAndPostgresCountsAgreeAndARestartRestoresThem() throws Exception {
        final Vertx vertx = Vertx.vertx();
        final BidFixture clock = new BidFixture(new JsonObject(), new JsonArray());
        try {
            final Pool pool = TestPostgres.pool(vertx, TestPostgres.freshDatabase(vertx, TestPostgres.shared()), 2);
            BidFixture.await(Migrations.migrate(pool));
            final OutcomePipeline pipeline = BidFixture.await(OutcomePipeline.start(vertx, pool,
                OutcomeConfig.defaults().withJournalDir(journal).withFlushInterval(Duration.ofMillis(10)),
                new Metrics(), clock.clock, NoticeRules.aggregation()));
            final PosteriorTable table = PosteriorTable.allocateDirect(64, 0);
            final BidModule module = module(table, pipeline, clock);
            final Map<String, long[]> expected = playNotices(module, clock);
            BidFixture.await(pipeline.flush());

            final Campaign campaign = module.registry().get("rules");
            final Map<String, ArmAggregate> aggregates = new HashMap<>();
            for (final ArmAggregate a : BidFixture.await(pipeline.loadAggregates())) {
                aggregates.put(a.scope() + "/" + a.arm(), a);
            }
            for (final Creative creative : campaign.creatives()) {
                final long[] e = expected.get(creative.id()); // impressions, clicks, conversions
                assertArm(table, creative.ctrArm(), aggregates.get("ctr:rules/" + creative.id()), e[0], e[1]);
                assertArm(table, creative.cvrArm(), aggregates.get("cvr:rules/" + creative.id()), e[1], e[2]);
            }

            // A restart on an empty table (a lost file): the plain restore gives back exactly the same counts.
            final PosteriorTable fresh = PosteriorTable.allocateDirect(64, 0);
            final BidModule restarted = module(fresh, pipeline, clock);
            BidFixture.await(restarted.restore());
            for (final Creative creative : restarted.registry().get("rules").creatives()) {
                final Creative before = campaign.creative(creative.id());
                for (final int[] arms : new int[][] {{before.ctrArm(), creative.ctrArm()},
                    {before.cvrArm(), creative.cvrArm()}}) {
                    assertEquals(table.trials(arms[0]), fresh.trials(arms[1]), "seed " + SEED);
                    assertEquals(table.successes(arms[0]), fresh.successes(arms[1]), "seed " + SEED);
                    assertEquals(table.rewardSum(arms[0]), fresh.rewardSum(arms[1]), 1e-9, "seed " + SEED);
                    assertEquals(table.decisions(arms[0]), fresh.decisions(arms[1]), "seed " + SEED);
                }
            }
            BidFixture.await(pipeline.close());
            pool.close();
        } finally {
            BidFixture.await(vertx.close());
        }
    }

    /** Plays a seeded sequence of notices; returns per creative {impressions, clicks, conversions} taken. */
    private static Map<String, long[]> playNotices(BidModule module, BidFixture clock) {
        final SplittableRandom random = new SplittableRandom(SEED);
        final Map<String, long[]> taken = new HashMap<>();
        final String[] creatives = {"rules-c1", "rules-c2"};
        for (int bid = 0; bid < 400; bid++) {
            final String creative = creatives[random.nextInt(2)];
            final long[] counts = taken.computeIfAbsent(creative, c -> new long[3]);
            final String token = module.tokens().issue("rules", creative, 5_000, clock.clock.millis(),
                random.nextLong(), "USD", -1, WinRateCurve.NO_CONTEXT, -1, -1, new StringBuilder());
            final boolean won = random.nextDouble() < 0.7;
            notice(module, won ? OutcomeKind.WIN : OutcomeKind.LOSS, token, won ? "3.2" : null, random);
            if (won && random.nextDouble() < 0.9) {
                notice(module, OutcomeKind.BILL, token, "3.2", random);
                counts[0]++;
            }
            if (won && random.nextDouble() < 0.25) {
                notice(module, OutcomeKind.CLICK, token, null, random);
                counts[1]++;
                if (random.nextDouble() < 0.4) {
                    notice(module, OutcomeKind.CONVERSION, token, null, random);
                    counts[2]++;
                }
            }
            clock.clock.advance(1_000);
        }
        return taken;
    }

    /** Sends a notice, and sometimes sends it again (an exchange retrying): the repeat must change nothing. */
    private static void notice(BidModule module, OutcomeKind kind, String token, String price,
                               SplittableRandom random) {
        final String first = BidFixture.await(module.notices().notice(kind, token, price, kind == OutcomeKind.LOSS
            ? "102" : null));
        assertEquals(NoticeService.ACCEPTED, first);
        if (random.nextDouble() < 0.1) {
            assertEquals(NoticeService.DUPLICATE, BidFixture.await(module.notices().notice(kind, token, price, null)));
        }
    }

    private static void assertArm(PosteriorTable table, int arm, ArmAggregate aggregate, long trials,
                                  long successes) {
        assertTrue(trials > 0 && aggregate != null, "seed " + SEED + ": the sequence exercised this arm");
        assertEquals(trials, table.trials(arm), "seed " + SEED + ": trials in memory");
        assertEquals(trials, aggregate.trials(), "seed " + SEED + ": trials in Postgres");
        assertEquals(successes, table.successes(arm), "seed " + SEED + ": successes in memory");
        assertEquals(successes, aggregate.successes(), "seed " + SEED + ": successes in Postgres");
        assertEquals(table.rewardSum(arm), aggregate.rewardSum(), 1e-9, "seed " + SEED + ": reward sum");
        assertEquals(table.rewardSquareSum(arm), aggregate.rewardSquareSum(), 1e-9, "seed " + SEED);
        assertEquals(table.decisions(arm), aggregate.decisions(), "seed " + SEED + ": decisions");
    }

    @Test
    void aTableFromBeforeTheRulesAgreedIsRestoredFromPostgres() {
        final BidFixture f = new BidFixture(new JsonObject(), campaigns());
        final Creative creative = f.module.registry().get("rules").creatives()[0];
        // The old in-memory meaning of a click-rate arm: impressions in decisions, clicks in trials and successes.
        f.table.restoreExclusive(creative.ctrArm(), 900, 12, 12, 12, 12, 0);
        f.module.restoreFrom(List.of(new ArmAggregate("ctr:rules", creative.id(), 0, 900, 12, 12, 12, 0)),
            List.of(), f.clock.millis());
        assertEquals(900, f.table.trials(creative.ctrArm()), "impressions");
        assertEquals(12, f.table.successes(creative.ctrArm()), "clicks");
        assertEquals(0, f.table.decisions(creative.ctrArm()), "not used by the bidder's arms");
    }
}

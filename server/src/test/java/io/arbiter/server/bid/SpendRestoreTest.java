package io.arbiter.server.bid;

import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.outcome.ArmAggregate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restart behaviour of spend and pacing, without Postgres: the memory-mapped ledger file keeps spend and the pacing
 * modifier across a close and reopen; {@link BidModule#restoreFrom} takes the larger of the file's and Postgres's
 * view (aggregates {@code spend:<campaign>}, today's BILL ids) and restores posteriors from {@code ctr:}/{@code cvr:}.
 */
class SpendRestoreTest {

    @Test
    void theLedgerFileKeepsSpendAndPacingAcrossARestart() throws Exception {
        final Path dir = Files.createTempDirectory("ledger");
        final Path file = dir.resolve("budgets.ledger");
        try (BudgetLedger ledger = BudgetLedger.mapFile(file, 8)) {
            final int slot = ledger.allocateSlot();
            ledger.configure(slot, 1_000_000, 0);
            ledger.rollDay(slot, 20_000);
            assertTrue(ledger.reserve(slot, 4_000, Long.MAX_VALUE));
            ledger.settle(slot, 4_000, 3_000);
            ledger.setModifier(slot, 0.37);
        }
        try (BudgetLedger reopened = BudgetLedger.mapFile(file, 8)) {
            assertTrue(reopened.wasCleanlyClosed());
            assertEquals(1, reopened.slotsAllocated());
            assertEquals(3_000, reopened.dailySpent(0));
            assertEquals(3_000, reopened.totalSpent(0));
            assertEquals(0.37, reopened.modifier(0), 1e-12);
            assertEquals(20_000, reopened.day(0));
        }
    }

    @Test
    void restoreTakesTheLargerOfLedgerAndPostgresAndRebuildsPosteriors() {
        final BidFixture f = new BidFixture(new JsonObject(), new JsonArray().add(BidFixture.campaign("a", 10)));
        final Campaign campaign = f.module.registry().get("a");
        // Two bills today that Postgres has (e.g. journaled, then the process died before the ledger saw them).
        final String bill1 = f.module.tokens().issue("a", "a-c1", 4_000, f.clock.millis(), 1L, "USD", -1,
            WinRateCurve.NO_CONTEXT, -1, -1, new StringBuilder());
        final String bill2 = f.module.tokens().issue("a", "a-c1", 6_000, f.clock.millis(), 2L, "USD", -1,
            WinRateCurve.NO_CONTEXT, -1, -1, new StringBuilder());
        final List<ArmAggregate> aggregates = List.of(
            new ArmAggregate("spend:a", "a-c1", 0, 900, 0, 2_500.0, 0, f.clock.millis()), // 2.5 units in total
            new ArmAggregate("ctr:a", "a-c1", 0, 900, 12, 12, 12, f.clock.millis()),
            new ArmAggregate("cvr:a", "a-c1", 0, 12, 3, 3, 3, f.clock.millis()),
            new ArmAggregate("hero", "A", 10, 5, 1, 1, 1, f.clock.millis())); // not ours: ignored
        f.module.restoreFrom(aggregates, List.of(bill1, bill2), f.clock.millis());
        final int slot = campaign.slot();
        assertEquals(10_000, f.ledger.dailySpent(slot), "today's bills at their bid prices (an upper bound)");
        assertEquals(2_500_000, f.ledger.totalSpent(slot));
        assertEquals(900, f.ledger.impressions(slot));
        assertEquals(900, f.table.trials(campaign.creatives()[0].ctrArm()), "impressions");
        assertEquals(12, f.table.successes(campaign.creatives()[0].ctrArm()), "clicks");
        assertEquals(3, f.table.successes(campaign.creatives()[0].cvrArm()), "conversions");
    }
}

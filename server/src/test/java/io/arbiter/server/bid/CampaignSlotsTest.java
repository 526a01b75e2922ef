package io.arbiter.server.bid;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.campaign.CampaignSlots;
import io.arbiter.server.bid.campaign.CampaignSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This node's ledger slot and creative arms of every campaign ({@code campaign-slots.json}): kept over a restart (a
 * fresh ledger and table re-claim them), never in the shared definition, taken from a definition stored before
 * V42 only by a node without the file; a newer stored version is never replaced by an older one.
 */
class CampaignSlotsTest {

    @TempDir
    Path dir;

    private static final BiddingConfig CONFIG = BiddingConfig.defaults();

    private static CampaignRegistry registry(CampaignSlots slots) {
        return new CampaignRegistry(PosteriorTable.allocateDirect(64, 0), BudgetLedger.allocateDirect(16),
            CONFIG.rates(), slots);
    }

    private static CampaignSpec spec(String id) {
        return CampaignSpec.fromJson(id, BidFixture.campaign(id, 5), CONFIG.rates());
    }

    @Test
    void slotsSurviveARestartAndNeverReachTheSharedDefinition() {
        final Path file = dir.resolve(CampaignSlots.FILE);
        final CampaignRegistry first = registry(CampaignSlots.open(file));
        first.publish(first.prepare(spec("a")), 1);
        final CampaignRegistry.Prepared b = first.prepare(spec("b"));
        first.publish(b, 2);
        final JsonObject shared = CampaignRegistry.storedForm(b);
        assertFalse(shared.containsKey("slot") || shared.containsKey("arms"), shared.encode());

        final CampaignRegistry second = registry(CampaignSlots.open(file));
        assertEquals(2, second.ledger().slotsAllocated(), "the fresh ledger re-claims both slots");
        assertEquals(4, second.table().armsAllocated(), "the fresh table re-claims both creatives' arm pairs");
        second.publish(second.restore(shared), 2);
        final Campaign restored = second.get("b");
        assertEquals(b.campaign().slot(), restored.slot());
        assertEquals(b.campaign().creatives()[0].ctrArm(), restored.creatives()[0].ctrArm());
        second.publish(second.prepare(spec("c")), 3);
        assertEquals(2, second.get("c").slot(), "a new campaign gets a slot of its own");
    }

    @Test
    void aDefinitionWithItsWritersSlotsSeedsOnlyANodeWithoutTheFile() {
        final JsonObject legacy = BidFixture.campaign("old", 5).put("slot", 7)
            .put("arms", new JsonObject().put("old-c1", new JsonArray().add(20).add(21)));
        final CampaignRegistry upgraded = registry(CampaignSlots.inMemory());
        upgraded.publish(upgraded.restore(legacy), 1);
        assertEquals(7, upgraded.get("old").slot());
        assertEquals(20, upgraded.get("old").creatives()[0].ctrArm());
        upgraded.nodeSlots().endSeeding(); // started: one reaching it later names another node's slots
        upgraded.publish(upgraded.restore(BidFixture.campaign("later", 5).put("slot", 7)
            .put("arms", new JsonObject().put("later-c1", new JsonArray().add(20).add(21)))), 2);
        assertEquals(8, upgraded.get("later").slot(), "a new slot, not the writer's 7");
        assertEquals(22, upgraded.get("later").creatives()[0].ctrArm());

        final Path file = dir.resolve(CampaignSlots.FILE);
        final CampaignRegistry before = registry(CampaignSlots.open(file));
        before.publish(before.prepare(spec("mine")), 1);
        final CampaignRegistry node = registry(CampaignSlots.open(file));
        node.publish(node.restore(legacy), 2);
        assertEquals(1, node.get("old").slot(), "this node's own slot, not the writer's");
    }

    @Test
    void aFileInTheCurrentFormatIsReadAndWrittenBackInIt() throws Exception {
        final Path file = dir.resolve(CampaignSlots.FILE);
        final String current = "{\"a\":{\"slot\":0,\"creatives\":[[\"a-c1\",0,1]]},"
            + "\"b\":{\"slot\":3,\"creatives\":[[\"b-c1\",6,7],[\"b-c2\",8,9]]}}";
        Files.writeString(file, current);
        final CampaignSlots slots = CampaignSlots.open(file);
        assertTrue(slots.existedAtOpen() && !slots.seeding());
        assertTrue(slots.knows("a") && slots.knows("b") && !slots.knows("c"));
        assertArrayEquals(new int[] {3, 9}, slots.highest());
        final IntSupplier none = () -> {
            throw new AssertionError("every slot is known");
        };
        final CampaignSlots.Slots b = slots.assign("b", List.of("b-c2", "b-c1"), none, none);
        assertEquals(3, b.ledgerSlot());
        assertEquals(List.of("b-c1", "b-c2"), List.copyOf(b.arms().keySet()), "first-seen order");
        assertArrayEquals(new int[] {8, 9}, b.arms().get("b-c2"));
        assertEquals(current, Files.readString(file), "nothing new, nothing written");

        final int[] arm = {10};
        final CampaignSlots.Slots c = slots.assign("c", List.of("c-c1"), () -> 4, () -> arm[0]++);
        assertEquals(4, c.ledgerSlot());
        assertArrayEquals(new int[] {10, 11}, c.arms().get("c-c1"));
        assertEquals(current.substring(0, current.length() - 1)
            + ",\"c\":{\"slot\":4,\"creatives\":[[\"c-c1\",10,11]]}}", Files.readString(file));
    }

    @Test
    void anOlderVersionNeverReplacesANewerOne() {
        final CampaignRegistry registry = registry(CampaignSlots.inMemory());
        assertTrue(registry.publish(registry.prepare(spec("v")), 5));
        final CampaignSpec paused = CampaignSpec.fromJson("v", BidFixture.campaign("v", 5).put("status", "paused"),
            CONFIG.rates());
        assertFalse(registry.publish(registry.prepare(paused), 4), "an older write answered late");
        assertEquals(5, registry.version("v"));
        assertTrue(registry.publish(registry.prepare(paused), 6));
        assertEquals(6, registry.version("v"));
    }
}

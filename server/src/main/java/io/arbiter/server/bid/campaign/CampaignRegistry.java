package io.arbiter.server.bid.campaign;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.pricing.ExchangeRates;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The campaigns being bid for: an immutable snapshot (array for the bid path's loop, map for lookups) swapped
 * atomically on admin changes, so the bid path reads it with one volatile load and no lock. Changes are rare and
 * serialised by this object's monitor. A campaign keeps its ledger slot and each creative keeps its posterior arms
 * for life, including across edits that remove and re-add a creative; they are this node's own ({@link CampaignSlots}).
 */
public final class CampaignRegistry {
    private final PosteriorTable table;
    private final BudgetLedger ledger;
    private final ExchangeRates rates;
    private volatile Snapshot snapshot = new Snapshot(new Campaign[0], Map.of());

    /** What the bid path reads: every campaign (active or not) in a stable order, and the same by id. */
    public record Snapshot(Campaign[] campaigns, Map<String, Campaign> byId) {
    }

    /** A campaign ready to publish, with the arms of every creative it ever had (the stored form keeps them). */
    public record Prepared(Campaign campaign, Map<String, int[]> arms) {
    }

    /** This node's ledger slot and creative arms of every campaign (its own; never in the shared definition). */
    private final CampaignSlots nodeSlots;
    /** The version (Postgres's) of the stored definition each campaign was published at (guarded by this). */
    private final Map<String, Long> versions = new HashMap<>();
    /** Told after every publish (the budget leases take a new campaign's first slice at once); never null. */
    private volatile Runnable onPublish = () -> { };

    public CampaignRegistry(PosteriorTable table, BudgetLedger ledger, ExchangeRates rates) {
        this(table, ledger, rates, CampaignSlots.inMemory());
    }

    /** A registry whose slots are {@code nodeSlots}'s; a fresh ledger or table re-claims every slot they name. */
    public CampaignRegistry(PosteriorTable table, BudgetLedger ledger, ExchangeRates rates, CampaignSlots nodeSlots) {
        this.table = Objects.requireNonNull(table);
        this.ledger = Objects.requireNonNull(ledger);
        this.rates = Objects.requireNonNull(rates);
        this.nodeSlots = Objects.requireNonNull(nodeSlots);
        final int[] highest = nodeSlots.highest();
        while (ledger.slotsAllocated() <= highest[0]) {
            ledger.allocateSlot();
        }
        while (table.armsAllocated() <= highest[1]) {
            table.allocateArm();
        }
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public Campaign get(String id) {
        return snapshot.byId().get(id);
    }

    public Collection<Campaign> all() {
        return snapshot.byId().values();
    }

    public PosteriorTable table() {
        return table;
    }

    public BudgetLedger ledger() {
        return ledger;
    }

    public ExchangeRates rates() {
        return rates;
    }

    /**
     * Builds (not yet publishes) the campaign {@code spec} describes on this node's slot and arms, claiming (and
     * recording) them the first time.
     */
    public synchronized Prepared prepare(CampaignSpec spec) {
        final List<String> creatives = new ArrayList<>(spec.creatives().size());
        for (final Creative creative : spec.creatives()) {
            creatives.add(creative.id());
        }
        final CampaignSlots.Slots slots = nodeSlots.assign(spec.id(), creatives, ledger::allocateSlot,
            table::allocateArm);
        return new Prepared(build(spec, slots.ledgerSlot(), slots.arms()), slots.arms());
    }

    /**
     * Rebuilds a stored (shared) definition on this node's slots. One stored before the slots were the nodes' own
     * carries the writer's {@code "slot"} and {@code "arms"}; when this node has no slots file yet (its first start
     * since), they are this node's too (its ledger and table were built from them) and are taken as they are.
     */
    public synchronized Prepared restore(JsonObject stored) {
        final CampaignSpec spec = CampaignSpec.fromJson(stored.getString("id"), stored, rates);
        if (stored.containsKey("slot") && !nodeSlots.existedAtOpen() && !nodeSlots.knows(spec.id())) {
            final int slot = stored.getInteger("slot");
            while (ledger.slotsAllocated() <= slot) {
                ledger.allocateSlot(); // a fresh ledger file: re-claim the slots the stored campaigns own
            }
            final LinkedHashMap<String, int[]> arms = new LinkedHashMap<>();
            final JsonObject armsJson = stored.getJsonObject("arms", new JsonObject());
            for (final String creative : armsJson.fieldNames()) {
                final JsonArray pair = armsJson.getJsonArray(creative);
                final int[] both = {pair.getInteger(0), pair.getInteger(1)};
                while (table.armsAllocated() <= Math.max(both[0], both[1])) {
                    table.allocateArm();
                }
                arms.put(creative, both);
            }
            nodeSlots.seed(spec.id(), new CampaignSlots.Slots(slot, arms));
        }
        return prepare(spec);
    }

    private Campaign build(CampaignSpec spec, int slot, Map<String, int[]> arms) {
        final List<Creative> creatives = new ArrayList<>(spec.creatives().size());
        for (final Creative creative : spec.creatives()) {
            int[] pair = arms.get(creative.id());
            if (pair == null) {
                pair = new int[] {table.allocateArm(), table.allocateArm()};
                arms.put(creative.id(), pair);
            }
            creatives.add(creative.withArms(pair[0], pair[1]));
        }
        return new Campaign(spec, slot, creatives.toArray(new Creative[0]));
    }

    /**
     * Publishes the prepared campaign as the stored definition of version {@code version} (Postgres's, ordering every
     * node's writes), unless a version at least as new is served already.
     *
     * @return whether it is now served
     */
    public synchronized boolean publish(Prepared prepared, long version) {
        final Long served = versions.get(prepared.campaign().id());
        if (served != null && served >= version) {
            return false;
        }
        versions.put(prepared.campaign().id(), version);
        publish(prepared);
        return true;
    }

    /** The version of the stored definition served under {@code id}; 0 when none (or published without one). */
    public synchronized long version(String id) {
        return versions.getOrDefault(id, 0L);
    }

    /** Makes the prepared campaign the one served under its id. */
    public synchronized void publish(Prepared prepared) {
        final Campaign campaign = prepared.campaign();
        ledger.configure(campaign.slot(), campaign.spec().dailyBudgetMicros(), campaign.spec().totalBudgetMicros());
        final Map<String, Campaign> next = new LinkedHashMap<>(snapshot.byId());
        next.put(campaign.id(), campaign);
        final Campaign[] array = next.values().toArray(new Campaign[0]);
        java.util.Arrays.sort(array, (a, b) -> a.id().compareTo(b.id()));
        snapshot = new Snapshot(array, Map.copyOf(next));
        onPublish.run();
    }

    /** Sets what is told after every publish; it must return at once (it runs under this registry's lock). */
    public void onPublish(Runnable listener) {
        onPublish = Objects.requireNonNull(listener);
    }

    /** The stored form, shared by every node: the definition as given; the slots are each node's own. */
    public static JsonObject storedForm(Prepared prepared) {
        final JsonObject stored = prepared.campaign().spec().source().copy();
        stored.remove("slot"); // a definition read from a row stored before V42 still names its writer's slots
        stored.remove("arms");
        return stored;
    }
}

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
 * for life, including across edits that remove and re-add a creative.
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

    private final Map<String, Map<String, int[]>> armsById = new HashMap<>();

    public CampaignRegistry(PosteriorTable table, BudgetLedger ledger, ExchangeRates rates) {
        this.table = Objects.requireNonNull(table);
        this.ledger = Objects.requireNonNull(ledger);
        this.rates = Objects.requireNonNull(rates);
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

    /** Builds (not yet publishes) the campaign {@code spec} describes, claiming a slot and arms as needed. */
    public synchronized Prepared prepare(CampaignSpec spec) {
        final Campaign current = get(spec.id());
        final int slot = current != null ? current.slot() : ledger.allocateSlot();
        final Map<String, int[]> arms = new LinkedHashMap<>(armsById.getOrDefault(spec.id(), Map.of()));
        return new Prepared(build(spec, slot, arms), arms);
    }

    /** Rebuilds a stored campaign (spec, slot, arms) after a restart without allocating anything new for it. */
    public synchronized Prepared restore(JsonObject stored) {
        final CampaignSpec spec = CampaignSpec.fromJson(stored.getString("id"), stored, rates);
        final int slot = stored.getInteger("slot");
        while (ledger.slotsAllocated() <= slot) {
            ledger.allocateSlot(); // a fresh ledger file: re-claim the slots the stored campaigns own
        }
        final Map<String, int[]> arms = new LinkedHashMap<>();
        final JsonObject armsJson = stored.getJsonObject("arms", new JsonObject());
        for (final String creative : armsJson.fieldNames()) {
            final JsonArray pair = armsJson.getJsonArray(creative);
            final int[] both = {pair.getInteger(0), pair.getInteger(1)};
            while (table.armsAllocated() <= Math.max(both[0], both[1])) {
                table.allocateArm();
            }
            arms.put(creative, both);
        }
        return new Prepared(build(spec, slot, arms), arms);
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

    /** Makes the prepared campaign the one served under its id. */
    public synchronized void publish(Prepared prepared) {
        final Campaign campaign = prepared.campaign();
        armsById.put(campaign.id(), Map.copyOf(prepared.arms()));
        ledger.configure(campaign.slot(), campaign.spec().dailyBudgetMicros(), campaign.spec().totalBudgetMicros());
        final Map<String, Campaign> next = new LinkedHashMap<>(snapshot.byId());
        next.put(campaign.id(), campaign);
        final Campaign[] array = next.values().toArray(new Campaign[0]);
        java.util.Arrays.sort(array, (a, b) -> a.id().compareTo(b.id()));
        snapshot = new Snapshot(array, Map.copyOf(next));
    }

    /** The stored form: the definition plus the ledger slot and the creative-to-arms map. */
    public static JsonObject storedForm(Prepared prepared) {
        final JsonObject arms = new JsonObject();
        prepared.arms().forEach((creative, pair) -> arms.put(creative, new JsonArray().add(pair[0]).add(pair[1])));
        return prepared.campaign().spec().source().copy()
            .put("slot", prepared.campaign().slot())
            .put("arms", arms);
    }
}

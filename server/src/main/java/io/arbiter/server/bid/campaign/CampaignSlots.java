package io.arbiter.server.bid.campaign;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.files.SlotMapFile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.function.IntSupplier;

/**
 * This node's slots of every campaign: its budget-ledger slot and the click and conversion arms of each creative in
 * this node's posterior table. The definitions are shared by every node in Postgres but each node has its own ledger
 * and table, so the slots are its own and kept here, in {@code <dataDir>/campaign-slots.json}, never in the shared
 * row: {@code {"<campaign>": {"slot": 3, "creatives": [["c1", 10, 11], ...]}, ...}}. A campaign gets its slot, and a
 * creative its arms, the first time this node sees them, and keeps them for life (a creative removed and added back
 * finds its learning). The file is written ({@link SlotMapFile}: temporary file, forced, renamed over) before a new
 * slot is used. Thread-safe; changes are rare (admin time) and serialised by this object's monitor.
 */
public final class CampaignSlots extends SlotMapFile<CampaignSlots.Slots> {
    /** The file's name in the data folder. */
    public static final String FILE = "campaign-slots.json";

    /** One campaign's slots on this node. */
    public record Slots(int ledgerSlot, LinkedHashMap<String, int[]> arms) {
    }

    private CampaignSlots(Path file) {
        super(file, "this node's ledger slot and arms of every campaign", "this node's slots of campaign");
    }

    /** Slots kept in memory only (tests, tools). */
    public static CampaignSlots inMemory() {
        return new CampaignSlots(null);
    }

    /** Reads {@code file} if it exists; a file that cannot be read stops the start. */
    public static CampaignSlots open(Path file) {
        final CampaignSlots opened = new CampaignSlots(file);
        opened.load("");
        return opened;
    }

    /** The highest ledger slot and the highest arm recorded ({@code {-1, -1}} if none). */
    public synchronized int[] highest() {
        final int[] highest = {-1, -1};
        for (final Slots s : values()) {
            highest[0] = Math.max(highest[0], s.ledgerSlot());
            for (final int[] pair : s.arms().values()) {
                highest[1] = Math.max(highest[1], Math.max(pair[0], pair[1]));
            }
        }
        return highest;
    }

    /**
     * The campaign's ledger slot and the arms of every creative this node knows of it, after giving it a slot (from
     * {@code allocateSlot}) if it has none and each of {@code creatives} not known yet two arms (from
     * {@code allocateArm}), recorded before they are answered.
     *
     * @throws ApiException 503 when the new slots cannot be recorded
     */
    public synchronized Slots assign(String campaign, Collection<String> creatives, IntSupplier allocateSlot,
                                     IntSupplier allocateArm) {
        final Slots known = get(campaign);
        final LinkedHashMap<String, int[]> arms = known == null ? new LinkedHashMap<>()
            : new LinkedHashMap<>(known.arms());
        final int slot = known == null ? allocateSlot.getAsInt() : known.ledgerSlot();
        for (final String creative : creatives) {
            if (!arms.containsKey(creative)) {
                arms.put(creative, new int[] {allocateArm.getAsInt(), allocateArm.getAsInt()});
            }
        }
        if (known == null || arms.size() != known.arms().size()) {
            record(campaign, new Slots(slot, arms));
        }
        return new Slots(slot, new LinkedHashMap<>(arms));
    }

    /** Takes {@code seeded} as the campaign's slots (a definition stored with the slots of the node that wrote it). */
    public synchronized void seed(String campaign, Slots seeded) {
        record(campaign, new Slots(seeded.ledgerSlot(), new LinkedHashMap<>(seeded.arms())));
    }

    /** {@code {"slot": 3, "creatives": [["c1", 10, 11], ...]}}: the ledger slot, each creative's two arms. */
    @Override
    protected Slots decode(Object json) {
        final JsonObject c = (JsonObject) json;
        final LinkedHashMap<String, int[]> arms = new LinkedHashMap<>();
        for (final Object raw : c.getJsonArray("creatives")) {
            final JsonArray t = (JsonArray) raw;
            arms.put(t.getString(0), new int[] {t.getInteger(1), t.getInteger(2)});
        }
        return new Slots(c.getInteger("slot"), arms);
    }

    @Override
    protected Object encode(Slots s) {
        final JsonArray creatives = new JsonArray();
        s.arms().forEach((creative, pair) -> creatives.add(new JsonArray().add(creative).add(pair[0]).add(pair[1])));
        return new JsonObject().put("slot", s.ledgerSlot()).put("creatives", creatives);
    }
}

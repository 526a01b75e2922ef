package io.arbiter.server.personalisation.experiment;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.files.SlotMapFile;
import io.vertx.core.json.JsonArray;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.function.IntSupplier;

/**
 * This node's arms of every experiment: which record of its own posterior table holds each variant's posterior.
 * Several nodes share the definitions in Postgres but each has its own table, so the slots are the node's own and
 * kept here, in {@code <dataDir>/experiment-arms.json}, never in the shared row. A variant gets its arm the first time
 * this node sees it (created here or learned from another node) and keeps it for the experiment's life, retired or
 * not; the order in which a node first saw an experiment's variants is their ordinal on this node (segments, linear
 * models), so the file keeps it: {@code {"<experiment>": [["A", 0], ["B", 1]], ...}}.
 *
 * <p>The file is written ({@link SlotMapFile}: temporary file, forced, renamed over) before a new arm is used, so a
 * restart finds every arm the table may hold data for. Thread-safe; changes are rare (admin time) and serialised by
 * this object's monitor.
 */
public final class ExperimentArms extends SlotMapFile<LinkedHashMap<String, Integer>> {
    /** The file's name in the data folder. */
    public static final String FILE = "experiment-arms.json";

    private ExperimentArms(Path file) {
        super(file, "this node's arm of every variant", "this node's arms of experiment");
    }

    /** Arms kept in memory only (tests, tools). */
    public static ExperimentArms inMemory() {
        return new ExperimentArms(null);
    }

    /** Reads {@code file} if it exists; a file that cannot be read stops the start (a new one would mix up arms). */
    public static ExperimentArms open(Path file) {
        final ExperimentArms opened = new ExperimentArms(file);
        opened.load("; move it away to have the posteriors rebuilt from Postgres");
        return opened;
    }

    /** The highest arm recorded, -1 if none (a fresh table re-claims up to it). */
    public synchronized int highestArm() {
        int highest = -1;
        for (final LinkedHashMap<String, Integer> ofExperiment : values()) {
            for (final int arm : ofExperiment.values()) {
                highest = Math.max(highest, arm);
            }
        }
        return highest;
    }

    /**
     * The arms of every variant this node knows of {@code experiment}, in the order it first saw them, after giving
     * each of {@code variants} it does not know yet a new arm from {@code allocate} (and recording it).
     *
     * @throws ApiException 503 when the new arms cannot be recorded (nothing changed)
     */
    public synchronized LinkedHashMap<String, Integer> assign(String experiment, Collection<String> variants,
                                                              IntSupplier allocate) {
        final LinkedHashMap<String, Integer> known = get(experiment);
        final LinkedHashMap<String, Integer> next = known == null ? new LinkedHashMap<>()
            : new LinkedHashMap<>(known);
        for (final String variant : variants) {
            if (!next.containsKey(variant)) {
                next.put(variant, allocate.getAsInt());
            }
        }
        if (known == null || next.size() != known.size()) {
            record(experiment, next);
        }
        return new LinkedHashMap<>(next);
    }

    /** How many variants of {@code experiment} this node would know after {@link #assign} of {@code variants}. */
    public synchronized int countWith(String experiment, Collection<String> variants) {
        final LinkedHashMap<String, Integer> known = get(experiment);
        int count = known == null ? 0 : known.size();
        for (final String variant : new java.util.LinkedHashSet<>(variants)) {
            if (known == null || !known.containsKey(variant)) {
                count++;
            }
        }
        return count;
    }

    /** Takes {@code seeded} as the experiment's arms (a definition stored with the arms of the node that wrote it). */
    public synchronized void seed(String experiment, LinkedHashMap<String, Integer> seeded) {
        record(experiment, new LinkedHashMap<>(seeded));
    }

    /** {@code [["A", 0], ["B", 1]]}: each variant and its arm, in first-seen order. */
    @Override
    protected LinkedHashMap<String, Integer> decode(Object json) {
        final LinkedHashMap<String, Integer> ofExperiment = new LinkedHashMap<>();
        for (final Object pair : (JsonArray) json) {
            final JsonArray p = (JsonArray) pair;
            ofExperiment.put(p.getString(0), p.getInteger(1));
        }
        return ofExperiment;
    }

    @Override
    protected Object encode(LinkedHashMap<String, Integer> ofExperiment) {
        final JsonArray pairs = new JsonArray();
        ofExperiment.forEach((variant, arm) -> pairs.add(new JsonArray().add(variant).add(arm)));
        return pairs;
    }
}

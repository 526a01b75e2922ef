package io.arbiter.server.personalisation.experiment;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.files.DurableFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * This node's arms of every experiment: which record of its own posterior table holds each variant's posterior.
 * Several nodes share the definitions in Postgres but each has its own table, so the slots are the node's own and
 * kept here, in {@code <dataDir>/experiment-arms.json}, never in the shared row. A variant gets its arm the first time
 * this node sees it (created here or learned from another node) and keeps it for the experiment's life, retired or
 * not; the order in which a node first saw an experiment's variants is their ordinal on this node (segments, linear
 * models), so the file keeps it: {@code {"<experiment>": [["A", 0], ["B", 1]], ...}}.
 *
 * <p>The file is written (temporary file, forced, renamed over) before a new arm is used, so a restart finds every arm
 * the table may hold data for. Thread-safe; changes are rare (admin time) and serialised by this object's monitor.
 */
public final class ExperimentArms {
    /** The file's name in the data folder. */
    public static final String FILE = "experiment-arms.json";

    private final Path file;
    private final boolean existedAtOpen;
    private boolean seeding; // guarded by this
    private final Map<String, LinkedHashMap<String, Integer>> arms = new LinkedHashMap<>();

    private ExperimentArms(Path file, boolean existedAtOpen) {
        this.file = file;
        this.existedAtOpen = existedAtOpen;
        this.seeding = !existedAtOpen;
    }

    /** Arms kept in memory only (tests, tools). */
    public static ExperimentArms inMemory() {
        return new ExperimentArms(null, false);
    }

    /** Reads {@code file} if it exists; a file that cannot be read stops the start (a new one would mix up arms). */
    public static ExperimentArms open(Path file) {
        final ExperimentArms opened = new ExperimentArms(file, Files.exists(file));
        if (opened.existedAtOpen) {
            try {
                final JsonObject json = new JsonObject(Files.readString(file));
                for (final String experiment : json.fieldNames()) {
                    final LinkedHashMap<String, Integer> ofExperiment = new LinkedHashMap<>();
                    for (final Object pair : json.getJsonArray(experiment)) {
                        final JsonArray p = (JsonArray) pair;
                        ofExperiment.put(p.getString(0), p.getInteger(1));
                    }
                    opened.arms.put(experiment, ofExperiment);
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read " + file + " (this node's arm of every variant): " + e
                    + "; move it away to have the posteriors rebuilt from Postgres", e);
            }
        }
        return opened;
    }

    /**
     * Whether a definition stored with its writer's numbers (before V42) may still be taken as this node's own: only
     * while the node starts without a file, loading the stored definitions its table was built from; never for one
     * that reaches it later (another node's numbers).
     */
    public synchronized boolean seeding() {
        return seeding;
    }

    /** The start's loading is over: from now on every number is allocated here. */
    public synchronized void endSeeding() {
        seeding = false;
    }

    /** Whether the file was there when the server started (if not, the arms are allocated or seeded afresh). */
    public boolean existedAtOpen() {
        return existedAtOpen;
    }

    /** Whether this node has arms for {@code experiment}. */
    public synchronized boolean knows(String experiment) {
        return arms.containsKey(experiment);
    }

    /** The highest arm recorded, -1 if none (a fresh table re-claims up to it). */
    public synchronized int highestArm() {
        int highest = -1;
        for (final Map<String, Integer> ofExperiment : arms.values()) {
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
        final LinkedHashMap<String, Integer> known = arms.getOrDefault(experiment, new LinkedHashMap<>());
        final LinkedHashMap<String, Integer> next = new LinkedHashMap<>(known);
        for (final String variant : variants) {
            if (!next.containsKey(variant)) {
                next.put(variant, allocate.getAsInt());
            }
        }
        if (next.size() != known.size() || !arms.containsKey(experiment)) {
            record(experiment, next);
        }
        return new LinkedHashMap<>(next);
    }

    /** Takes {@code seeded} as the experiment's arms (a definition stored with the arms of the node that wrote it). */
    public synchronized void seed(String experiment, LinkedHashMap<String, Integer> seeded) {
        record(experiment, new LinkedHashMap<>(seeded));
    }

    private void record(String experiment, LinkedHashMap<String, Integer> next) {
        final LinkedHashMap<String, Integer> before = arms.put(experiment, next);
        if (file == null) {
            return;
        }
        try {
            write();
        } catch (IOException e) {
            if (before == null) {
                arms.remove(experiment);
            } else {
                arms.put(experiment, before);
            }
            throw new ApiException(503, "could not record this node's arms of experiment '" + experiment + "' in "
                + file + " (" + e.getMessage() + "); nothing changed");
        }
    }

    private void write() throws IOException {
        final JsonObject json = new JsonObject();
        arms.forEach((experiment, ofExperiment) -> {
            final JsonArray pairs = new JsonArray();
            ofExperiment.forEach((variant, arm) -> pairs.add(new JsonArray().add(variant).add(arm)));
            json.put(experiment, pairs);
        });
        DurableFiles.replace(file, json.encode().getBytes(StandardCharsets.UTF_8));
    }
}

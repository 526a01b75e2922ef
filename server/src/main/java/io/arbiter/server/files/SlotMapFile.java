package io.arbiter.server.files;

import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * This node's own numbers for things whose definitions every node shares: for each id (an experiment, a campaign)
 * the records of this node's own files it was given (arms of its posterior table, a slot of its ledger), kept in one
 * JSON object in the data folder, {@code {"<id>": <value>, ...}} in the order the ids were first seen, each value in
 * the form its subclass gives it ({@link #encode}, {@link #decode}). An id's numbers are recorded (the whole file
 * replaced with {@link DurableFiles}) before they are answered, so a restart finds every number a table may hold data
 * for; a failure to record leaves memory and file as they were and is a 503.
 *
 * <p>A node that starts without the file is <em>seeding</em> until its start has loaded the stored definitions
 * ({@link #endSeeding}): only then may numbers stored with a definition by the node that wrote it (before V42) be
 * taken as this node's own. Thread-safe: everything holds this object's monitor, as the subclasses' methods do;
 * changes are rare (admin time).
 *
 * @param <V> one id's numbers
 */
public abstract class SlotMapFile<V> {
    private final Path file;
    private final String contents;
    private final String entry;
    private final boolean existedAtOpen;
    private boolean seeding; // guarded by this
    private final Map<String, V> entries = new LinkedHashMap<>(); // guarded by this

    /**
     * @param file     the file, null to keep the numbers in memory only (tests, tools)
     * @param contents what the file holds, for the message when it cannot be read ("this node's arm of every variant")
     * @param entry    what one id's numbers are, for the message when they cannot be recorded ("this node's arms of
     *                 experiment")
     */
    protected SlotMapFile(Path file, String contents, String entry) {
        this.file = file;
        this.contents = contents;
        this.entry = entry;
        this.existedAtOpen = file != null && Files.exists(file);
        this.seeding = !existedAtOpen;
    }

    /** One id's numbers from their JSON form (a {@code JsonArray} or {@code JsonObject}, as {@link #encode} wrote). */
    protected abstract V decode(Object json);

    /** One id's numbers in their JSON form. */
    protected abstract Object encode(V value);

    /**
     * Reads the file if it was there (called once, by the subclass's {@code open}); one that cannot be read stops the
     * start, with {@code remedy} added to the message.
     */
    protected final synchronized void load(String remedy) {
        if (!existedAtOpen) {
            return;
        }
        try {
            final JsonObject json = new JsonObject(Files.readString(file));
            for (final String id : json.fieldNames()) {
                entries.put(id, decode(json.getValue(id)));
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + file + " (" + contents + "): " + e + remedy, e);
        }
    }

    /**
     * Whether a definition stored with its writer's numbers (before V42) may still be taken as this node's own: only
     * while the node starts without a file, loading the stored definitions its table was built from; never for one
     * that reaches it later (another node's numbers).
     */
    public final synchronized boolean seeding() {
        return seeding;
    }

    /** The start's loading is over: from now on every number is allocated here. */
    public final synchronized void endSeeding() {
        seeding = false;
    }

    /** Whether the file was there when the server started (if not, the numbers are allocated or seeded afresh). */
    public final boolean existedAtOpen() {
        return existedAtOpen;
    }

    /** Whether this node has numbers for {@code id}. */
    public final synchronized boolean knows(String id) {
        return entries.containsKey(id);
    }

    /** {@code id}'s numbers, null if it has none. */
    protected final synchronized V get(String id) {
        return entries.get(id);
    }

    /** Every id's numbers, a view: read it holding this object's monitor. */
    protected final synchronized Collection<V> values() {
        return entries.values();
    }

    /**
     * Makes {@code next} {@code id}'s numbers and records them before returning.
     *
     * @throws ApiException 503 when they cannot be recorded (nothing changed, in memory or in the file)
     */
    protected final synchronized void record(String id, V next) {
        final V before = entries.put(id, next);
        if (file == null) {
            return;
        }
        try {
            final JsonObject json = new JsonObject();
            entries.forEach((key, value) -> json.put(key, encode(value)));
            DurableFiles.replace(file, json.encode().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (before == null) {
                entries.remove(id);
            } else {
                entries.put(id, before);
            }
            throw new ApiException(503, "could not record " + entry + " '" + id + "' in " + file + " ("
                + e.getMessage() + "); nothing changed");
        }
    }
}

package io.arbiter.server.personalisation.experiment;

import io.arbiter.bandits.context.ContextSpec;
import io.arbiter.bandits.context.SegmentPropensities;
import io.arbiter.bandits.context.SegmentStore;
import io.arbiter.bandits.context.SegmentedThompson;
import io.arbiter.bandits.linear.LinearModelTable;
import io.arbiter.bandits.linear.LinearSpec;
import io.arbiter.bandits.linear.LinearThompson;
import io.arbiter.bandits.policy.PropensityCache;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.bandits.unit.UnitKeys;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.personalisation.guard.ExperimentGuard;
import io.arbiter.server.personalisation.guard.GuardState;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The experiments being served: an immutable map swapped atomically on admin changes, so the decision path reads it
 * with one volatile load and no lock. Changes (rare, admin only) are serialised by the monitor of this object.
 */
public final class ExperimentRegistry {
    /** Segments cached per experiment by its propensity estimates. */
    static final int PROPENSITY_ENTRIES = 1024;
    /** A cached segment's propensities unread this long are dropped. */
    static final long PROPENSITY_IDLE_MILLIS = 600_000;

    private final PosteriorTable table;
    private final SegmentStore segmentStore;
    private final int propensityDraws;
    private final long propensityMaxAgeMillis;
    /** Observations a linear model's ring holds before offers are refused (bytes). */
    static final int LINEAR_RING_BYTES = 1 << 20;
    /** The smallest variant capacity a linear model is created with. */
    public static final int MIN_LINEAR_CAPACITY = 64;

    private final Path linearDir;
    /**
     * Where the linear sync kept, before the models did, the newest number of each other node offered to them: read
     * once to upgrade version 1 model files, then deleted ({@link #endLinearUpgrade}).
     */
    public static final String LEGACY_LINEAR_POSITIONS = "cluster-seen-linear";
    private static final System.Logger LOG = System.getLogger(ExperimentRegistry.class.getName());
    /** Source key to number, from {@link #LEGACY_LINEAR_POSITIONS}, until the upgrade ends (guarded by this). */
    private Map<Long, Long> legacyLinearPositions;
    /** One linear model per experiment id, kept across versions of the experiment (guarded by this). */
    private final Map<String, LinearModelTable> linearTables = new HashMap<>();
    private final Map<String, GuardState> guardStates = new ConcurrentHashMap<>();
    /** The challenger of each experiment that has one, kept across versions while its configuration stays. */
    private final Map<String, Challenger> challengers = new ConcurrentHashMap<>();
    private final SecureRandom salts = new SecureRandom();
    /** This node's arm of every variant (the node's own; never in the shared definition). */
    private final ExperimentArms nodeArms;
    /** The version (Postgres's, of the stored definition) each served experiment was published at (guarded by this). */
    private final Map<String, Long> versions = new HashMap<>();
    private volatile Map<String, Experiment> experiments = Map.of();

    /** A registry with a small segment store of its own in direct memory, linear models in memory (tests, tools). */
    public ExperimentRegistry(PosteriorTable table, int propensityDraws) {
        this(table, SegmentStore.allocateDirect(64, 16, 1024, 0), propensityDraws, 1000, null);
    }

    /** As the full constructor, with this node's arms kept in memory only. */
    public ExperimentRegistry(PosteriorTable table, SegmentStore segmentStore, int propensityDraws,
                              long propensityMaxAgeMillis, Path linearDir) {
        this(table, segmentStore, propensityDraws, propensityMaxAgeMillis, linearDir, ExperimentArms.inMemory());
    }

    /**
     * @param table                  the root arms' table
     * @param segmentStore           where every experiment's segments live
     * @param propensityDraws        joint draws per propensity estimate
     * @param propensityMaxAgeMillis how often a propensity estimate in use is refreshed (when the budget allows)
     * @param linearDir              where linear models are mapped ({@code <id>.linear}); null: in memory
     * @param nodeArms               this node's arm of every variant; a fresh table re-claims every arm it names
     */
    public ExperimentRegistry(PosteriorTable table, SegmentStore segmentStore, int propensityDraws,
                              long propensityMaxAgeMillis, Path linearDir, ExperimentArms nodeArms) {
        this.linearDir = linearDir;
        this.legacyLinearPositions = linearDir == null ? Map.of() : readLegacyLinearPositions(linearDir);
        this.nodeArms = Objects.requireNonNull(nodeArms);
        for (int highest = nodeArms.highestArm(); table.armsAllocated() <= highest; ) {
            table.allocateArm(); // a fresh table file: re-claim the arms this node's experiments own
        }
        this.table = Objects.requireNonNull(table);
        this.segmentStore = Objects.requireNonNull(segmentStore);
        this.propensityDraws = propensityDraws;
        this.propensityMaxAgeMillis = propensityMaxAgeMillis;
    }

    public SegmentStore segmentStore() {
        return segmentStore;
    }

    public Experiment get(String id) {
        return experiments.get(id);
    }

    public Collection<Experiment> all() {
        return experiments.values();
    }

    public PosteriorTable table() {
        return table;
    }

    /** This node's arm of every variant. */
    public ExperimentArms nodeArms() {
        return nodeArms;
    }

    /**
     * Builds the experiment that {@code spec} describes on top of the current one with the same id: variants that
     * stay keep their arm, new ones get fresh arms (or their old arm back if they were retired), removed ones are
     * retired. Not yet visible: {@link #publish} makes it so, once it has been stored.
     *
     * @throws ApiException 409 when the reward model changes (the learned posteriors would mean nothing)
     */
    public synchronized Experiment prepare(ExperimentSpec spec) {
        final Experiment current = experiments.get(spec.id());
        if (current != null && current.rewardModel() != spec.rewardModel()) {
            throw new ApiException(409, "experiment '" + spec.id() + "' has rewardModel "
                + current.rewardModel().wireName() + "; create a new experiment to change it", "rewardModel");
        }
        checkLinearDimension(current, spec);
        long salt = current != null ? current.spec().guard().salt() : spec.guard().salt();
        while (salt == 0) {
            salt = salts.nextLong(); // a new experiment's salt, kept for its life
        }
        final ExperimentSpec salted = withLinearCapacity(current, spec).withSalt(salt);
        if (servedVariants(salted, state(spec.id())).isEmpty()) {
            throw new ApiException(409, "every variant of '" + spec.id() + "' would be suspended by a guardrail; "
                + "resume one (POST /v1/experiments/{id}/variants/{variant}/resume) or add a variant", "variants");
        }
        return build(salted, nodeArms.assign(spec.id(), spec.variants(), table::allocateArm));
    }

    /**
     * {@code spec} with its linear model's variant capacity fixed: the current experiment's (kept for its life), or for
     * a new linear model the one asked for, else {@value #MIN_LINEAR_CAPACITY} or twice the variants if more.
     * Checked before anything is assigned or stored, so a refused definition changes nothing.
     *
     * @throws ApiException 409 naming {@code variants} when the variants this node knows of the experiment (retired
     *                      ones included) and the new ones would not fit; 409 naming {@code context.variantCapacity}
     *                      when the definition asks to change it
     */
    private ExperimentSpec withLinearCapacity(Experiment current, ExperimentSpec spec) {
        if (!spec.context().isLinear()) {
            return spec;
        }
        final int ordinals = nodeArms.countWith(spec.id(), spec.variants());
        final int asked = spec.context().variantCapacity();
        final int kept = current != null && current.linearSpec() != null
            ? current.spec().context().variantCapacity() : 0;
        if (kept > 0 && asked > 0 && asked != kept) {
            throw new ApiException(409, "experiment '" + spec.id() + "' has a linear model for " + kept
                + " variants; its capacity cannot change: create a new experiment for another",
                "context.variantCapacity");
        }
        final int capacity = kept > 0 ? kept : asked > 0 ? asked : Math.max(MIN_LINEAR_CAPACITY, 2 * ordinals);
        final LinearModelTable local = linearTables.get(spec.id());
        final int room = local != null && local.dimension() == spec.context().linearSpec().dimension()
            ? Math.min(capacity, local.variantCapacity()) : capacity; // a model kept from an earlier linear version
        if (ordinals > room) {
            throw new ApiException(409, "experiment '" + spec.id() + "' would have " + ordinals
                + " variants (retired ones included) but its linear model has room for " + room
                + "; the limit is fixed when the model is created: create a new experiment for more variants",
                "variants");
        }
        return spec.withContext(spec.context().withVariantCapacity(capacity));
    }

    /**
     * The 409s of {@link #prepare} for a linear model's variant capacity, without preparing anything (validation).
     * Answers {@code spec} as it would be stored: a linear one with its variant capacity fixed, as {@link #prepare}
     * fixes it.
     */
    public synchronized ExperimentSpec withCheckedLinearCapacity(ExperimentSpec spec) {
        return withLinearCapacity(experiments.get(spec.id()), spec);
    }

    /**
     * A linear definition's variant capacity: its own, or, for one stored before definitions carried it, the one
     * every node serving it has room for ({@value #MIN_LINEAR_CAPACITY}, or its variants and retired ones if more).
     */
    private static ExperimentSpec withStoredLinearCapacity(ExperimentSpec spec, int ordinals) {
        if (!spec.context().isLinear() || spec.context().variantCapacity() > 0) {
            return spec;
        }
        return spec.withContext(spec.context().withVariantCapacity(Math.max(MIN_LINEAR_CAPACITY, ordinals)));
    }

    /** 409 when {@code spec} changes the dimension of the current experiment's linear model (its posterior). */
    public static void checkLinearDimension(Experiment current, ExperimentSpec spec) {
        if (current != null && spec.context().isLinear() && current.linearSpec() != null
            && current.linearSpec().dimension() != spec.context().linearSpec().dimension()) {
            throw new ApiException(409, "experiment '" + spec.id() + "' has a linear model of dimension "
                + current.linearSpec().dimension() + "; create a new experiment to change its features", "context");
        }
    }

    /** The safeguards' state of experiment {@code id} (created empty on first use), kept across its versions. */
    public GuardState state(String id) {
        return guardStates.computeIfAbsent(id, GuardState::new);
    }

    /**
     * Rebuilds experiment {@code id} as it is defined, with its current suspensions applied (after a guardrail
     * suspended a variant or an admin resumed one), and serves it.
     *
     * @return the experiment now served, or null if there is none
     */
    public synchronized Experiment rebuild(String id) {
        final Experiment current = experiments.get(id);
        if (current == null) {
            return null;
        }
        final Experiment next = build(current.spec(), current.armByVariant());
        publish(next);
        return next;
    }

    private static List<String> servedVariants(ExperimentSpec spec, GuardState state) {
        final List<String> served = new ArrayList<>(spec.variants().size());
        for (final String variant : spec.variants()) {
            if (!state.isSuspended(variant)) {
                served.add(variant);
            }
        }
        return served;
    }

    /**
     * Rebuilds a stored (shared) definition: its variants and the retired ones it names get this node's arms, found
     * or allocated here. A definition stored before the slots were the nodes' own carries the writer's
     * {@code "arms"}; when this node has no arms file yet (its first start since), they are this node's too (its
     * table was built from them) and are taken as they are.
     */
    public synchronized Experiment restore(JsonObject stored, int maxVariants) {
        final ExperimentSpec parsed = ExperimentSpec.fromJson(stored.getString("id"), stored, maxVariants);
        // Definitions stored before salts existed get one derived from their id: stable across restarts.
        final ExperimentSpec spec = parsed.guard().salt() != 0 ? parsed
            : parsed.withSalt(UnitKeys.unitHash("salt:" + parsed.id()) | 1);
        final JsonObject legacyArms = stored.getJsonObject("arms");
        if (legacyArms != null && nodeArms.seeding() && !nodeArms.knows(spec.id())) {
            final LinkedHashMap<String, Integer> arms = new LinkedHashMap<>();
            for (final String variant : legacyArms.fieldNames()) {
                final int arm = legacyArms.getInteger(variant);
                arms.put(variant, arm);
                while (table.armsAllocated() <= arm) {
                    table.allocateArm(); // a fresh table file: re-claim the arms the stored experiments own
                }
            }
            nodeArms.seed(spec.id(), arms);
        }
        final List<String> variants = new ArrayList<>(spec.variants());
        for (final Object retired : stored.getJsonArray("retired", new io.vertx.core.json.JsonArray())) {
            if (retired instanceof String r && !variants.contains(r)) {
                variants.add(r);
            }
        }
        return build(withStoredLinearCapacity(spec, variants.size()),
            nodeArms.assign(spec.id(), variants, table::allocateArm));
    }

    /** Builds the experiment on {@code armByVariant}: this node's arm of every variant it knows, in ordinal order. */
    private Experiment build(ExperimentSpec spec, Map<String, Integer> armByVariant) {
        for (final String variant : spec.variants()) {
            if (!armByVariant.containsKey(variant)) {
                throw new IllegalStateException("no arm for variant " + variant);
            }
        }
        final GuardState state = state(spec.id());
        List<String> variants = servedVariants(spec, state);
        if (variants.isEmpty()) {
            variants = spec.variants(); // only when restoring a definition whose every variant was suspended
        }
        final int[] arms = new int[variants.size()];
        for (int i = 0; i < arms.length; i++) {
            arms[i] = armByVariant.get(variants.get(i));
        }
        final ThompsonPolicy policy = Experiment.policyFor(spec, propensityDraws);
        final int defaultPosition = Math.max(0, variants.indexOf(spec.defaultVariant()));
        final int[] ordinals = ordinals(variants, armByVariant);
        final ContextSpec contextSpec = spec.context().segmentSpec();
        final SegmentedThompson segments = new SegmentedThompson(spec.id(), contextSpec, policy, segmentStore,
            table, arms, ordinals, armByVariant.size());
        final SegmentPropensities segmentPropensities = new SegmentPropensities(segments, propensityDraws,
            PROPENSITY_ENTRIES, propensityMaxAgeMillis, PROPENSITY_IDLE_MILLIS);
        LinearSpec linearSpec = null;
        LinearThompson linear = null;
        if (spec.context().isLinear()) {
            linearSpec = spec.context().linearSpec();
            linear = new LinearThompson(linearTable(spec, linearSpec), ordinals);
        }
        return new Experiment(spec, policy, arms, variants.toArray(new String[0]),
            java.util.Collections.unmodifiableMap(armByVariant), defaultPosition, new PropensityCache(policy, arms),
            segments, segmentPropensities, linear, linearSpec, spec.context().fingerprint(),
            new ExperimentGuard(spec.id(), spec.guard(), state, variants, spec.variants()), ordinals,
            challenger(spec, armByVariant.size(), ordinals));
    }

    /**
     * The challenger {@code spec} names: the served one when its configuration is the same and has room for every
     * variant ordinal, otherwise a fresh one from its prior, of its configuration's generation
     * ({@link ChallengerSpec#generation}); null without one.
     * {@link #publish} makes it the served one, so a definition prepared and then refused leaves the served
     * challenger alone.
     */
    private Challenger challenger(ExperimentSpec spec, int ordinals, int[] active) {
        final ChallengerSpec wanted = spec.challenger();
        if (wanted == null) {
            return null;
        }
        final Challenger current = challengers.get(spec.id());
        if (current != null && current.spec().sameAs(wanted) && current.capacity() >= ordinals) {
            return current.forVersion(spec.id(), active);
        }
        final ExperimentSpec as = new ExperimentSpec(spec.id(), spec.variants(), spec.defaultVariant(),
            spec.rewardModel(), wanted.halfLifeMillis(), wanted.prior(), false, ContextDefinition.ABSENT, 0,
            spec.guard(), null, null);
        final int generation = wanted.generation(spec.rewardModel());
        return new Challenger(wanted, Experiment.policyFor(as, propensityDraws), Math.max(16, 2 * ordinals),
            table.epochMillis(), generation, spec.id(), active);
    }

    /**
     * The experiment's linear model, created (or mapped from {@code <id>.linear}) the first time with the definition's
     * variant capacity (the same on every node; an existing file keeps its own, at least that of the definitions it
     * served).
     */
    private LinearModelTable linearTable(ExperimentSpec spec, LinearSpec linearSpec) {
        final LinearModelTable existing = linearTables.get(spec.id());
        if (existing != null && existing.dimension() == linearSpec.dimension()) {
            return existing;
        }
        final int capacity = spec.context().variantCapacity();
        final ContextDefinition c = spec.context();
        final LinearModelTable created = linearDir == null
            ? LinearModelTable.allocateDirect(linearSpec.dimension(), capacity, LINEAR_RING_BYTES, c.lambda(),
                c.noiseVariance(), LinearModelTable.DEFAULT_REFACTOR_EVERY)
            : LinearModelTable.mapFile(linearDir.resolve(spec.id() + ".linear"), linearSpec.dimension(), capacity,
                LINEAR_RING_BYTES, c.lambda(), c.noiseVariance(), LinearModelTable.DEFAULT_REFACTOR_EVERY,
                legacyLinearPositions);
        if (existing != null) {
            existing.close();
        }
        linearTables.put(spec.id(), created);
        return created;
    }

    /**
     * Applies the queued observations of every linear model, linear challengers' included: the models' single writer
     * (one thread only).
     */
    public void applyLinearObservationsExclusive(int limitPerModel) {
        final LinearModelTable[] tables;
        synchronized (this) {
            tables = linearTables.values().toArray(new LinearModelTable[0]);
        }
        for (final LinearModelTable linear : tables) {
            linear.applyPendingObservations(limitPerModel);
        }
        for (final Challenger challenger : challengers.values()) {
            challenger.applyLinearObservationsExclusive(limitPerModel); // a linear challenger's own table
        }
    }

    /**
     * The newest number of {@code source} (another node) that every linear model contains: the oldest of their
     * replay positions; 0 when one has none or there is no model (everything is replayed, and each model skips what
     * it has). Linear challengers' own tables are not replayed into.
     */
    public synchronized long linearReplayedUpTo(long source) {
        long oldest = Long.MAX_VALUE;
        for (final LinearModelTable linear : linearTables.values()) {
            oldest = Math.min(oldest, linear.replayedUpTo(source));
        }
        return oldest == Long.MAX_VALUE ? 0 : oldest;
    }

    /**
     * Every replayed reward of {@code source} up to {@code number} has been offered: each linear model behind it is
     * moved there through its ring (behind the offers). A full ring is tried again at the next call.
     */
    public void linearReplayed(long source, long number) {
        final LinearModelTable[] tables;
        synchronized (this) {
            tables = linearTables.values().toArray(new LinearModelTable[0]);
        }
        for (final LinearModelTable linear : tables) {
            if (linear.replayedUpTo(source) < number) {
                linear.offerReplayedUpTo(source, number);
            }
        }
    }

    /** How many linear models here have no replay position for {@code source}, every slot being taken by others. */
    public synchronized int linearWithoutPosition(long source) {
        int without = 0;
        for (final LinearModelTable linear : linearTables.values()) {
            if (linear.withoutPosition(source)) {
                without++;
            }
        }
        return without;
    }

    /**
     * The end of the upgrade of version 1 linear model files (the models present at start are mapped): the old
     * positions file is deleted, so that a model file lost later is not given positions it never had.
     */
    public synchronized void endLinearUpgrade() {
        if (linearDir == null || legacyLinearPositions.isEmpty()) {
            return;
        }
        final Path legacy = linearDir.resolve(LEGACY_LINEAR_POSITIONS);
        try {
            Files.deleteIfExists(legacy);
            LOG.log(System.Logger.Level.INFO, "linear models: " + legacy + " (the replay positions of "
                + legacyLinearPositions.size() + " other node(s)) moved into the models' files and deleted");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "linear models: cannot delete " + legacy + " (read again at the "
                + "next start, used only for model files of version 1): " + e);
        }
        legacyLinearPositions = Map.of();
    }

    private static Map<Long, Long> readLegacyLinearPositions(Path linearDir) {
        final Path legacy = linearDir.resolve(LEGACY_LINEAR_POSITIONS);
        if (!Files.exists(legacy)) {
            return Map.of();
        }
        final Map<Long, Long> positions = new HashMap<>();
        try {
            for (final String line : Files.readAllLines(legacy)) {
                final int tab = line.lastIndexOf('\t');
                if (tab > 0) {
                    positions.put(LinearModelTable.sourceKey(line.substring(0, tab)),
                        Long.parseLong(line.substring(tab + 1)));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Deleting it alone would upgrade the version 1 models with no positions: every other node's stored
            // linear rewards would then be replayed into models that contain them, and count twice.
            throw new IllegalStateException("cannot read " + legacy + " (the linear models' replay positions "
                + "before version 2): repair it, or delete it together with the .linear files of version 1 (those "
                + "models then start from their priors and take every other node's stored linear rewards again; "
                + "deleting it alone would count those rewards twice in them)", e);
        }
        return positions;
    }

    /** Observations the linear models refused (ring full), over every model. */
    public synchronized long linearRejected() {
        long total = 0;
        for (final LinearModelTable linear : linearTables.values()) {
            total += linear.rejected();
        }
        return total;
    }

    /** Decisions served by a parent segment because theirs did not fit, over every experiment. */
    public long segmentParentFallbacks() {
        long total = 0;
        for (final Experiment experiment : experiments.values()) {
            if (experiment.segments().spec().attributeCount() > 0) {
                total += segmentStore.capacityFallbacks(experiment.segments().experimentKey());
            }
        }
        return total;
    }

    /** Propensity reads that used a parent's estimate, over every experiment's current version. */
    public long propensityParentFallbacks() {
        long total = 0;
        for (final Experiment experiment : experiments.values()) {
            total += experiment.segmentPropensities().parentFallbacks();
        }
        return total;
    }

    /** Closes the linear models (after the last decision and reward). */
    public synchronized void closeLinearModels() {
        for (final LinearModelTable linear : linearTables.values()) {
            linear.close();
        }
        linearTables.clear();
    }

    /** Each active variant's ordinal: its place in the order variants were first added (retired ones included). */
    private static int[] ordinals(List<String> variants, Map<String, Integer> armByVariant) {
        final Map<String, Integer> ordinalOf = new HashMap<>();
        for (final String variant : armByVariant.keySet()) {
            ordinalOf.put(variant, ordinalOf.size());
        }
        final int[] ordinals = new int[variants.size()];
        for (int i = 0; i < ordinals.length; i++) {
            ordinals[i] = ordinalOf.get(variants.get(i));
        }
        return ordinals;
    }

    /**
     * Makes {@code experiment} the one served under its id. When its half-life changed, the decayed sums (weighted
     * for the old half-life) are cleared after the new definition is visible, so an update that starts after this
     * returns uses the new half-life on fresh sums; an update already in flight on an event loop (at most one per loop)
     * may still add one observation weighted by the old half-life after the clear. The clear itself is safe against
     * concurrent updates ({@code PosteriorTable.clearDecayed}).
     */
    public synchronized void publish(Experiment experiment) {
        publishServed(experiment);
    }

    /**
     * Publishes {@code experiment} as the stored definition of version {@code version} (Postgres's, ordering every
     * node's writes), unless a version at least as new is served already: an admin write that committed before
     * another node's newer one, and whose answer arrives after that one was applied here, does not undo it.
     *
     * @return whether it is now served
     */
    public synchronized boolean publish(Experiment experiment, long version) {
        final Long served = versions.get(experiment.id());
        if (served != null && served >= version) {
            return false;
        }
        versions.put(experiment.id(), version);
        publishServed(experiment);
        return true;
    }

    /** The version of the stored definition served under {@code id}; 0 when none (or published without one). */
    public synchronized long version(String id) {
        return versions.getOrDefault(id, 0L);
    }

    private void publishServed(Experiment experiment) {
        final Experiment previous = experiments.get(experiment.id());
        // A new definition gets a new propensity cache, which starts uniform: estimate it from the posteriors before
        // it serves, or the decisions until the next background refresh would log 1/K whatever the model prefers.
        experiment.propensities().refresh(table, new Workspace(salts.nextLong(), experiment.arms().length),
            System.currentTimeMillis());
        final Map<String, Experiment> next = new HashMap<>(experiments);
        next.put(experiment.id(), experiment);
        experiments = Map.copyOf(next);
        if (experiment.challenger() != null) {
            challengers.put(experiment.id(), experiment.challenger());
        } else {
            challengers.remove(experiment.id());
        }
        if (previous != null && previous.spec().halfLifeMillis() != experiment.spec().halfLifeMillis()) {
            for (final int arm : experiment.arms()) {
                table.clearDecayed(arm); // decayed sums are weighted for one half-life; start them afresh
            }
            if (experiment.segments().spec().attributeCount() > 0) {
                segmentStore.clearDecayed(experiment.segments().experimentKey()); // the segments' too
            }
        }
    }

    /**
     * The stored form, shared by every node: the spec, its id, and the variants it once had and no longer serves
     * ({@code "retired"}: their decisions stay evaluable, and a variant added back finds its learning). No arm: the
     * arms are each node's own ({@link ExperimentArms}).
     */
    public static JsonObject storedForm(Experiment experiment) {
        final io.vertx.core.json.JsonArray retired = new io.vertx.core.json.JsonArray();
        for (final String variant : experiment.armByVariant().keySet()) {
            if (!experiment.spec().variants().contains(variant)) {
                retired.add(variant);
            }
        }
        final JsonObject stored = experiment.spec().toJson().put("id", experiment.id());
        return retired.isEmpty() ? stored : stored.put("retired", retired);
    }

    /** What the admin API shows: the stored form plus this node's arm of every variant ({@code "arms"}). */
    public static JsonObject adminForm(Experiment experiment) {
        final JsonObject arms = new JsonObject();
        experiment.armByVariant().forEach(arms::put);
        return storedForm(experiment).put("arms", arms);
    }
}

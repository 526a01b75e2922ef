package io.arbiter.bandits.eval;

import io.arbiter.bandits.guard.ShareAllocator;
import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * A candidate under allocation bounds ({@code minShare}, {@code shares}), as the server's decide path applies them:
 * the wrapped candidate's choice probabilities {@code q} over the variants it serves are turned by
 * {@link ShareAllocator} into the bounded allocation {@code p} (the projection of {@code q} into the bounds), which is
 * what this candidate answers as its probabilities; and its served answer is the wrapped candidate's own draw passed
 * through the same allocator with one uniform draw (the maximal coupling serving uses), whose distribution is
 * {@code p}.
 *
 * <p><b>Where {@code q} comes from</b>, per row, the first that applies:
 * <ol>
 *   <li>the wrapped candidate's exact probabilities ({@link CandidatePolicy#probabilities}: uniform during a
 *       burn-in, non-Thompson policies);</li>
 *   <li>its exact choice probabilities ({@link CandidatePolicy#choiceProbabilities}: a linear Thompson model's
 *       analytic ones, as serving logs them);</li>
 *   <li>otherwise a Monte-Carlo estimate, as serving's propensity cache keeps it: the share of {@code draws} of the
 *       wrapped candidate's own answers ({@link CandidatePolicy#sample}) for the row, cached and refreshed when the
 *       log's time has moved {@code refreshMillis} past the cached estimate (serving's
 *       {@code decisions.propensityRefresh}, in log time). It keeps one estimate per
 *       {@link CandidatePolicy#choiceKey} (constant for a plain candidate, the declared attributes' values for a
 *       segmented one) in a cache of {@code cacheSlots} slots (open addressing,
 *       {@value #PROBES} probes; when they all hold other keys the least recently refreshed is replaced, counted
 *       in {@link #evictions()}).</li>
 * </ol>
 * Draws of variants the candidate does not serve (the log's retired variants) are left out and the rest renormalised.
 *
 * <p><b>What is exact.</b> {@code p} keeps every bound on every row (floors and caps: it is a projection into them);
 * it is exactly the probability the estimators use. The served draw follows {@code p} up to the error of {@code q}
 * (Monte-Carlo standard error at most {@code 0.5 / sqrt(draws)}, plus the candidate's learning since the last
 * refresh), as serving's answers follow their logged propensities; the floors hold exactly for it too.
 *
 * <p>Learns what the wrapped candidate learns (every accepted row). Allocation-free after construction.
 * <b>Single writer.</b>
 */
public final class BoundedCandidate implements CandidatePolicy {
    /** Serving's default {@code decisions.propensityRefresh}. */
    public static final long DEFAULT_REFRESH_MILLIS = 1_000;
    /** Default slots of a contextual candidate's estimate cache. */
    public static final int DEFAULT_CACHE_SLOTS = 1_024;
    /** Slots a context key may occupy (linear probing from its hash). */
    private static final int PROBES = 8;

    private final CandidatePolicy inner;
    private final ShareBounds bounds;
    private final int actions;
    private final int count;
    /** Definition positions of the served actions, in action order (the allocator's eligible set). */
    private final int[] eligible;
    /** The action of each eligible index. */
    private final int[] actionOf;
    /** The eligible index of each action, -1 for an action not served. */
    private final int[] indexOf;
    private final int draws;
    private final long refreshMillis;
    private final ShareAllocator allocator;
    private final Xoroshiro128PlusPlus rng;
    private final long[] slotKeys;
    private final long[] slotRefreshed;
    private final boolean[] slotUsed;
    private final double[] slotQ;
    private final int mask;
    private final double[] scratch;
    private final double[] q;
    private final double[] p;
    private final int[] counts;
    /** Whether this row's {@code q} was exact (drawn from here) or the wrapped candidate's draws (sampled there). */
    private boolean exact;
    private long refreshes;
    private long evictions;

    /**
     * @param inner         the candidate whose choice is bounded (learning or not)
     * @param bounds        the bounds, over definition positions
     * @param positions     per action, its definition position in {@code bounds}, or -1 for an action the candidate
     *                      never serves (a retired variant of the log); at least one served
     * @param draws         Monte-Carlo draws per estimate, at least 1 (serving's {@code decisions.propensityDraws})
     * @param refreshMillis log time between two estimates for one context, at least 0 (0: every row)
     * @param cacheSlots    slots of the per-context cache (rounded up to a power of two), at least 1
     * @param seed          seed of the Monte-Carlo and allocation draws
     */
    public BoundedCandidate(CandidatePolicy inner, ShareBounds bounds, int[] positions, int draws, long refreshMillis,
                            int cacheSlots, long seed) {
        if (draws < 1 || refreshMillis < 0 || cacheSlots < 1 || cacheSlots > 1 << 20) {
            throw new IllegalArgumentException("draws must be at least 1 (was " + draws + "), refreshMillis at least"
                + " 0 (was " + refreshMillis + "), cacheSlots in 1..2^20 (was " + cacheSlots + ")");
        }
        this.inner = inner;
        this.bounds = bounds;
        this.actions = positions.length;
        this.indexOf = new int[actions];
        int served = 0;
        for (int a = 0; a < actions; a++) {
            if (positions[a] >= bounds.variants()) {
                throw new IllegalArgumentException("action " + a + " has position " + positions[a] + ", beyond the "
                    + bounds.variants() + " bounded variants");
            }
            indexOf[a] = positions[a] < 0 ? -1 : served++;
        }
        if (served == 0) {
            throw new IllegalArgumentException("a candidate serves at least one variant");
        }
        this.count = served;
        this.eligible = new int[served];
        this.actionOf = new int[served];
        for (int a = 0; a < actions; a++) {
            if (indexOf[a] >= 0) {
                eligible[indexOf[a]] = positions[a];
                actionOf[indexOf[a]] = a;
            }
        }
        this.draws = draws;
        this.refreshMillis = refreshMillis;
        this.allocator = new ShareAllocator(served);
        this.rng = new Xoroshiro128PlusPlus(seed);
        final int slots = cacheSlots == 1 ? 1 : Integer.highestOneBit(cacheSlots - 1) << 1;
        this.mask = slots - 1;
        this.slotKeys = new long[slots];
        this.slotRefreshed = new long[slots];
        this.slotUsed = new boolean[slots];
        this.slotQ = new double[slots * served];
        this.scratch = new double[actions];
        this.q = new double[served];
        this.p = new double[served];
        this.counts = new int[actions];
    }

    @Override
    public boolean probabilities(LoggedDecision row, double[] into) {
        if (inner.probabilities(row, scratch) || inner.choiceProbabilities(row, scratch)) {
            exact = true;
            for (int i = 0; i < count; i++) {
                q[i] = scratch[actionOf[i]];
            }
        } else {
            exact = false;
            estimate(row);
        }
        allocator.targets(bounds, eligible, count, q, p);
        for (int a = 0; a < actions; a++) {
            into[a] = 0.0;
        }
        for (int i = 0; i < count; i++) {
            into[actionOf[i]] = p[i];
        }
        return true;
    }

    /** {@code q} from the cache, refreshed from {@code draws} of the wrapped candidate's answers when due. */
    private void estimate(LoggedDecision row) {
        final long key = inner.choiceKey(row);
        final long now = row.timeMillis();
        int slot = -1;
        int oldest = -1;
        final int first = (int) (mix(key) & mask);
        for (int probe = 0; probe <= Math.min(mask, PROBES - 1); probe++) {
            final int s = (first + probe) & mask;
            if (!slotUsed[s] || slotKeys[s] == key) {
                slot = s;
                break;
            }
            if (oldest < 0 || slotRefreshed[s] < slotRefreshed[oldest]) {
                oldest = s;
            }
        }
        if (slot < 0) { // every probed slot holds another key: replace the least recently refreshed
            slot = oldest;
            slotUsed[slot] = false;
            evictions++;
        }
        final long last = slotRefreshed[slot];
        if (!slotUsed[slot] || now - last >= refreshMillis || now < last) {
            refresh(row, slot);
            slotKeys[slot] = key;
            slotRefreshed[slot] = now;
            slotUsed[slot] = true;
        }
        System.arraycopy(slotQ, slot * count, q, 0, count);
    }

    private void refresh(LoggedDecision row, int slot) {
        refreshes++;
        java.util.Arrays.fill(counts, 0);
        for (int d = 0; d < draws; d++) {
            final int a = inner.sample(row, rng);
            if (a >= 0 && a < actions) {
                counts[a]++;
            }
        }
        int inSet = 0;
        for (int i = 0; i < count; i++) {
            inSet += counts[actionOf[i]];
        }
        final int base = slot * count;
        for (int i = 0; i < count; i++) {
            // all draws outside the served set (never in practice) read as uniform, as the allocator would
            slotQ[base + i] = inSet == 0 ? 1.0 / count : (double) counts[actionOf[i]] / inSet;
        }
    }

    @Override
    public int served(LoggedDecision row, Xoroshiro128PlusPlus evaluationRng) {
        final int chosen = exact ? drawFromQ() : innerDraw(row);
        final int answer = allocator.apply(bounds, eligible, count, q, chosen, rng.nextDouble());
        return actionOf[answer];
    }

    /** The wrapped candidate's own draw among the served actions (redrawn when it picks another, as {@code q} is). */
    private int innerDraw(LoggedDecision row) {
        for (int attempt = 0; attempt < 64; attempt++) {
            final int a = inner.sample(row, rng);
            if (a >= 0 && a < actions && indexOf[a] >= 0) {
                return indexOf[a];
            }
        }
        return drawFromQ();
    }

    private int drawFromQ() {
        double total = 0.0;
        for (int i = 0; i < count; i++) {
            total += q[i];
        }
        if (!(total > 0.0)) {
            return (int) (rng.nextDouble() * count);
        }
        final double u = rng.nextDouble() * total;
        double cumulative = 0.0;
        for (int i = 0; i < count - 1; i++) {
            cumulative += q[i];
            if (u < cumulative) {
                return i;
            }
        }
        return count - 1;
    }

    @Override
    public int sample(LoggedDecision row, Xoroshiro128PlusPlus evaluationRng) {
        throw new IllegalStateException("a bounded candidate answers with probabilities");
    }

    @Override
    public long choiceKey(LoggedDecision row) {
        return inner.choiceKey(row);
    }

    @Override
    public boolean learns() {
        return inner.learns();
    }

    @Override
    public void learn(LoggedDecision row) {
        inner.learn(row);
    }

    /** Monte-Carlo estimates made so far (each {@code draws} of the wrapped candidate's answers). */
    public long refreshes() {
        return refreshes;
    }

    /** Estimates dropped because another context key needed their cache slot. */
    public long evictions() {
        return evictions;
    }

    /** Status of the allocator for the last row ({@link ShareAllocator#EXACT} or its fallbacks). */
    public int allocationStatus() {
        return allocator.status();
    }

    private static long mix(long key) {
        final long z = key * 0x9E3779B97F4A7C15L;
        return z ^ (z >>> 29);
    }
}

package io.arbiter.bandits.context;

import io.arbiter.bandits.policy.EligibleSet;
import io.arbiter.bandits.policy.ThompsonPolicy;
import io.arbiter.bandits.policy.Workspace;
import io.arbiter.bandits.random.SplitMix64;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The propensities of a {@link SegmentedThompson} experiment per context and per eligible set: the probability that
 * the choice was the logged variant, given the deciding segment and the eligible variants.
 *
 * <p><b>How.</b> For the root and for each segment in use, a background refresher draws {@code M} joint samples of
 * every variant's backed-off posterior and keeps each draw's ranking (the variants by sampled value, best first,
 * one byte per variant, at most {@value #MAX_DEPTH} deep). Choosing among an eligible set picks the eligible variant
 * ranked first, so the propensity of variant {@code i} among any eligible set {@code E} is the share of draws whose
 * first eligible variant is {@code i}. Reads are estimated as {@code (c_i + 1/2) / (M + |E|/2)}, never 0.
 *
 * <p><b>Error</b> of a read against the posterior at the last refresh: Monte-Carlo standard error at most
 * {@code 0.5 / sqrt(M)} (0.0078 at M = 4,096), plus the bias of the +1/2 at most {@code |E| / (2M)} (0.0012 for 10
 * variants), plus, for more than {@value #MAX_DEPTH} variants, the share of draws with no eligible variant in their
 * first {@value #MAX_DEPTH} (left unattributed). On top comes staleness: the posterior moves between refreshes
 * (at most {@code maxAgeMillis} apart while the refresher keeps within its budget). A segment not refreshed yet
 * reads its nearest refreshed ancestor in the back-off chain, the root at worst (counted in
 * {@link #parentFallbacks()}): its propensity then has no stated bound until its first refresh, which is requested on
 * that read. Before the root's first refresh every eligible variant reads {@code 1/|E|}.
 *
 * <p><b>Threads.</b> {@link #propensity} is called from any thread (the event loops), lock-free and allocation-free:
 * a volatile read of the entry table, a probe, a read of the entry's immutable draws, and on a miss one bounded
 * enqueue into an Agrona many-to-one ring. {@link #refresh} is called by one maintenance thread at a time (single
 * writer of the entry table, which it republishes copy-on-write; an entry's draws are replaced by a volatile write
 * of a new immutable object).
 *
 * <p><b>Cost.</b> A refresh of one segment draws {@code M x variants} samples and ranks each draw: about 2 ms for
 * M = 4,096 and 10 variants (docs/BENCHMARKS.md). A read among all variants is one array load, and so is one among
 * a single eligible variant (exactly 1 when the rankings are complete); among another restricted set, one pass over
 * the {@code M} rankings the first time the set meets those draws (about 15 µs for 3 variants), then a
 * {@link PropensityMemo} hit. Memory per cached segment: {@code M x min(variants, 64)} bytes (40 KB for 10).
 */
public final class SegmentPropensities {
    /** Default joint draws per cached segment. */
    public static final int DEFAULT_DRAWS = 4096;
    /** Ranking depth kept per draw. */
    public static final int MAX_DEPTH = 64;
    private static final int REQUEST_MESSAGE = 1;
    private static final int RECENT_REQUESTS = 256;
    private static final AtomicLong DRAWS_IDS = new AtomicLong();

    private final SegmentedThompson model;
    private final ThompsonPolicy policy;
    private final int arms;
    private final int draws;
    private final int depth;
    private final int maxEntries;
    private final long maxAgeMillis;
    private final long idleMillis;
    private final ManyToOneRingBuffer requests;
    private final AtomicLongArray recentRequests = new AtomicLongArray(RECENT_REQUESTS);
    private final AtomicLong parentFallbacks = new AtomicLong();
    private final AtomicLong uniformFallbacks = new AtomicLong();
    private final AtomicLong droppedRequests = new AtomicLong();
    private volatile Draws root;
    private volatile Entry[] table;

    // Refresher-owned state: only the thread calling refresh touches these.
    private final List<Entry> live = new ArrayList<>();
    private final SegmentMatch refreshMatch = new SegmentMatch();
    private final double[] statistics = new double[6];
    private final double[] weights;
    private final double[] sums;
    private final double[] squares;
    private final double[] sampled;
    private final int[] order;
    private final int[] requestSlots = new int[SegmentMatch.MAX_LEVELS];
    private final int[] noSegments = new int[SegmentMatch.MAX_LEVELS];
    private int requestLevel = -1;
    private final MessageHandler onRequest = this::copyRequest;
    private long refreshes;

    /**
     * @param model        the experiment version these propensities describe (rebuild with the model)
     * @param draws        joint draws M per segment, 16..1,000,000 ({@link #DEFAULT_DRAWS})
     * @param maxEntries   most segments cached at once, 1..1,000,000 (the least recently used is evicted)
     * @param maxAgeMillis an entry older than this is refreshed when the budget allows, at least 1
     * @param idleMillis   an entry unread for this long is evicted, at least 1
     */
    public SegmentPropensities(SegmentedThompson model, int draws, int maxEntries, long maxAgeMillis,
                               long idleMillis) {
        if (draws < 16 || draws > 1_000_000 || maxEntries < 1 || maxEntries > 1_000_000 || maxAgeMillis < 1
            || idleMillis < 1) {
            throw new IllegalArgumentException("need draws in 16..1e6, maxEntries in 1..1e6, positive ages");
        }
        if (model.arms() > 256) {
            throw new IllegalArgumentException("at most 256 variants, got " + model.arms());
        }
        this.model = model;
        this.policy = model.policy();
        this.arms = model.arms();
        this.draws = draws;
        this.depth = Math.min(arms, MAX_DEPTH);
        this.maxEntries = maxEntries;
        this.maxAgeMillis = maxAgeMillis;
        this.idleMillis = idleMillis;
        this.table = new Entry[Integer.highestOneBit(2 * maxEntries - 1) << 1];
        this.requests = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect((1 << 16) + RingBufferDescriptor.TRAILER_LENGTH)));
        this.weights = new double[arms];
        this.sums = new double[arms];
        this.squares = new double[arms];
        this.sampled = new double[arms];
        this.order = new int[arms];
        java.util.Arrays.fill(noSegments, -1);
    }

    /**
     * The probability that the choice for this request was {@code position}, among the eligible variants (see the
     * class comment for its error). Any thread; lock-free and allocation-free.
     *
     * @param match    resolved with the model (and chosen with it: the back-off chain of that choice)
     * @param eligible the request's eligible set, containing {@code position}
     * @param position the logged variant's position
     * @param memo     the calling thread's memo
     * @return a probability in (0, 1]
     */
    public double propensity(SegmentMatch match, EligibleSet eligible, int position, PropensityMemo memo,
                             long nowMillis) {
        if (match.resolvedFor != model || match.chainLength == 0) {
            throw new IllegalStateException("resolve the match with this model (resolve, not resolveForUpdate) first");
        }
        eligible.requireUsableFor(arms);
        if (!eligible.contains(position) || memo.counts[0].length < arms) {
            throw new IllegalArgumentException("position " + position + " must be eligible and the memo sized for "
                + arms + " variants");
        }
        Draws found = null;
        for (int c = 0; c < match.chainLength && found == null; c++) {
            final int level = match.chain[c];
            if (level == 0) {
                found = root;
            } else {
                final Entry entry = find(match.slots[level]);
                if (entry != null) {
                    entry.lastUsedMillis.lazySet(nowMillis); // informational (eviction): a release store suffices
                    found = entry.draws;
                } else if (c == 0) {
                    request(match);
                }
            }
            if (found != null && c > 0) {
                parentFallbacks.incrementAndGet();
            }
        }
        if (found == null) {
            uniformFallbacks.incrementAndGet();
            return 1.0 / eligible.count();
        }
        final double denominator = draws + 0.5 * eligible.count();
        if (eligible.isAll()) {
            return (found.firstCounts[position] + 0.5) / denominator;
        }
        if (eligible.count() == 1 && depth == arms) {
            return 1.0; // every draw ranks the one eligible variant: (M + 1/2) / (M + 1/2), with no pass
        }
        return (counts(found, eligible, memo)[position] + 0.5) / denominator;
    }

    /** First-eligible counts of {@code d} for the eligible set, from the memo or one pass over the draws. */
    private int[] counts(Draws d, EligibleSet eligible, PropensityMemo memo) {
        final int words = eligible.maskWords();
        long h = d.id;
        for (int w = 0; w < words; w++) {
            h = SplitMix64.mix(h + eligible.maskWord(w));
        }
        final int set = ((int) h & (PropensityMemo.SETS - 1)) * PropensityMemo.WAYS;
        final long[] ids = memo.drawsIds;
        final long[] used = memo.used;
        int victim = set;
        for (int at = set; at < set + PropensityMemo.WAYS; at++) {
            if (ids[at] == d.id && sameMask(memo.masks[at], eligible, words)) {
                memo.hits++;
                used[at] = ++memo.clock;
                return memo.counts[at];
            }
            if (used[at] < used[victim]) {
                victim = at;
            }
        }
        memo.misses++;
        final int[] counts = memo.counts[victim];
        java.util.Arrays.fill(counts, 0, arms, 0);
        final byte[] rankings = d.rankings;
        for (int j = 0, base = 0; j < draws; j++, base += depth) {
            for (int r = 0; r < depth; r++) {
                final int position = rankings[base + r] & 0xFF;
                if (eligible.contains(position)) {
                    counts[position]++;
                    break;
                }
            }
        }
        ids[victim] = d.id;
        used[victim] = ++memo.clock;
        final long[] mask = memo.masks[victim];
        for (int w = 0; w < words; w++) {
            mask[w] = eligible.maskWord(w);
        }
        return counts;
    }

    private static boolean sameMask(long[] mask, EligibleSet eligible, int words) {
        for (int w = 0; w < words; w++) {
            if (mask[w] != eligible.maskWord(w)) {
                return false;
            }
        }
        return true;
    }

    private Entry find(int slot) {
        final Entry[] t = table;
        final int mask = t.length - 1;
        int i = (int) SplitMix64.mix(slot) & mask;
        while (true) {
            final Entry e = t[i];
            if (e == null || e.slot == slot) {
                return e;
            }
            i = (i + 1) & mask;
        }
    }

    /** Asks the refresher for the deciding segment's first refresh (lossy de-duplication, bounded ring). */
    private void request(SegmentMatch match) {
        final int slot = match.slots[match.chain[0]];
        final int recent = slot & (RECENT_REQUESTS - 1);
        if (recentRequests.get(recent) == slot + 1L) {
            return;
        }
        recentRequests.lazySet(recent, slot + 1L); // a lost race only sends a duplicate request
        final int levels = model.spec().levelCount();
        final int at = requests.tryClaim(REQUEST_MESSAGE, 4 * (levels + 1));
        if (at < 0) {
            droppedRequests.incrementAndGet();
            recentRequests.lazySet(recent, 0);
            return;
        }
        final AtomicBuffer buffer = requests.buffer();
        buffer.putInt(at, match.chain[0]);
        for (int level = 0; level < levels; level++) {
            buffer.putInt(at + 4 + 4 * level, match.slots[level]);
        }
        requests.commit(at);
    }

    /**
     * Refreshes what is due within the budget: the root when older than {@code maxAgeMillis}, then segments
     * requested by reads (their first refresh), then the stalest cached segments older than {@code maxAgeMillis};
     * evicts entries idle for {@code idleMillis}. One refresher thread at a time.
     *
     * @param workspace     the refresher's own workspace
     * @param deadlineNanos {@link System#nanoTime()} after which no further segment is started (the budget; one
     *                      segment's refresh may run past it)
     * @return the number of refreshes done
     */
    public int refresh(Workspace workspace, long nowMillis, long deadlineNanos) {
        int done = 0;
        final Draws current = root;
        if (current == null || nowMillis - current.refreshedAtMillis >= maxAgeMillis) {
            root = compute(noSegments, 0, workspace, nowMillis);
            done++;
        }
        while (System.nanoTime() < deadlineNanos && requests.read(onRequest, 1) > 0) {
            if (requestLevel > 0 && find(requestSlots[requestLevel]) == null) {
                admit(workspace, nowMillis);
                done++;
            }
        }
        evictIdle(nowMillis);
        while (System.nanoTime() < deadlineNanos) {
            Entry stalest = null;
            for (final Entry e : live) {
                if (nowMillis - e.draws.refreshedAtMillis >= maxAgeMillis
                    && (stalest == null || e.draws.refreshedAtMillis < stalest.draws.refreshedAtMillis)) {
                    stalest = e;
                }
            }
            if (stalest == null) {
                break;
            }
            stalest.draws = compute(stalest.levelSlots, stalest.level, workspace, nowMillis);
            done++;
        }
        refreshes += done;
        return done;
    }

    private void copyRequest(int type, org.agrona.MutableDirectBuffer buffer, int index, int length) {
        requestLevel = buffer.getInt(index);
        final int levels = length / 4 - 1;
        java.util.Arrays.fill(requestSlots, -1);
        for (int level = 0; level < levels; level++) {
            requestSlots[level] = buffer.getInt(index + 4 + 4 * level);
        }
    }

    private void admit(Workspace workspace, long nowMillis) {
        final int slot = requestSlots[requestLevel];
        if (live.size() >= maxEntries) {
            Entry oldest = live.get(0);
            for (final Entry e : live) {
                if (e.lastUsedMillis.get() < oldest.lastUsedMillis.get()) {
                    oldest = e;
                }
            }
            live.remove(oldest);
            forget(oldest);
        }
        final int[] levelSlots = java.util.Arrays.copyOf(requestSlots, model.spec().levelCount());
        final Entry entry = new Entry(slot, requestLevel, levelSlots, nowMillis);
        entry.draws = compute(levelSlots, requestLevel, workspace, nowMillis);
        live.add(entry);
        republish();
    }

    private void evictIdle(long nowMillis) {
        boolean evicted = false;
        for (int i = live.size() - 1; i >= 0; i--) {
            final Entry e = live.get(i);
            if (nowMillis - e.lastUsedMillis.get() >= idleMillis) {
                live.remove(i);
                forget(e);
                evicted = true;
            }
        }
        if (evicted) {
            republish();
        }
    }

    /** Lets reads request an evicted segment again. */
    private void forget(Entry e) {
        recentRequests.compareAndSet(e.slot & (RECENT_REQUESTS - 1), e.slot + 1L, 0);
    }

    /** Builds and publishes a fresh entry table (copy-on-write: readers keep probing the table they loaded). */
    private void republish() {
        final Entry[] fresh = new Entry[table.length];
        final int mask = fresh.length - 1;
        for (final Entry e : live) {
            int i = (int) SplitMix64.mix(e.slot) & mask;
            while (fresh[i] != null) {
                i = (i + 1) & mask;
            }
            fresh[i] = e;
        }
        table = fresh; // volatile write publishes the fully built table
    }

    /** M joint draws of the backed-off posteriors deciding on {@code level}, as per-draw rankings. */
    private Draws compute(int[] levelSlots, int level, Workspace workspace, long nowMillis) {
        model.restore(refreshMatch, levelSlots, level);
        for (int p = 0; p < arms; p++) {
            model.effectiveStatistics(refreshMatch, p, workspace, nowMillis, statistics);
            weights[p] = statistics[0];
            sums[p] = statistics[1];
            squares[p] = statistics[2];
        }
        final byte[] rankings = new byte[draws * depth];
        final int[] first = new int[arms];
        for (int j = 0, base = 0; j < draws; j++, base += depth) {
            for (int p = 0; p < arms; p++) {
                sampled[p] = policy.sampleStatistics(weights[p], sums[p], squares[p], workspace, p);
                order[p] = p;
            }
            for (int r = 0; r < depth; r++) { // partial selection sort: the top `depth` positions, best first
                int best = r;
                for (int q = r + 1; q < arms; q++) {
                    if (sampled[order[q]] > sampled[order[best]]) {
                        best = q;
                    }
                }
                final int swap = order[r];
                order[r] = order[best];
                order[best] = swap;
                rankings[base + r] = (byte) order[r];
            }
            first[order[0]]++;
        }
        return new Draws(DRAWS_IDS.incrementAndGet(), rankings, first, nowMillis);
    }

    /** Reads that used an ancestor's draws because the deciding segment had none yet. */
    public long parentFallbacks() {
        return parentFallbacks.get();
    }

    /** Reads before the root's first refresh (answered 1/|E|). */
    public long uniformFallbacks() {
        return uniformFallbacks.get();
    }

    /** Refresh requests lost because the request ring was full (they are made again on a later read). */
    public long droppedRequests() {
        return droppedRequests.get();
    }

    /** Segments cached now (the refresher's view). */
    public int cachedSegments() {
        return live.size();
    }

    /** Refreshes done since creation (root and segments). */
    public long refreshes() {
        return refreshes;
    }

    public int draws() {
        return draws;
    }

    /** One refresh's result: immutable once published. */
    static final class Draws {
        final long id;
        final byte[] rankings;
        final int[] firstCounts;
        final long refreshedAtMillis;

        Draws(long id, byte[] rankings, int[] firstCounts, long refreshedAtMillis) {
            this.id = id;
            this.rankings = rankings;
            this.firstCounts = firstCounts;
            this.refreshedAtMillis = refreshedAtMillis;
        }
    }

    /** A cached segment: its identity, how to rebuild its chain, and its latest draws. */
    static final class Entry {
        final int slot;
        final int level;
        final int[] levelSlots;
        final AtomicLong lastUsedMillis;
        volatile Draws draws;

        Entry(int slot, int level, int[] levelSlots, long nowMillis) {
            this.slot = slot;
            this.level = level;
            this.levelSlots = levelSlots;
            this.lastUsedMillis = new AtomicLong(nowMillis);
        }
    }
}

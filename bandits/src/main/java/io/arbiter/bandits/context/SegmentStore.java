package io.arbiter.bandits.context;

import io.arbiter.bandits.table.PosteriorTable;
import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;

import static io.arbiter.bandits.context.SegmentIndexDescriptor.BLOCKS;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.BLOCK_0_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.BLOCK_CLAIMING;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.BLOCK_FAILED;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.BLOCK_GRANULE;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.CLEAN_CLOSE_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.DECISIONS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.EXPERIMENT_FALLBACKS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.EXPERIMENT_KEY_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.EXPERIMENT_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.EXPERIMENT_SEGMENTS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.EXPERIMENT_SLOTS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.HEADER_LENGTH;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.KEY_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.LEVEL_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.MAGIC;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.MAGIC_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.MAX_EXPERIMENT_SLOTS;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.MAX_SEGMENT_SLOTS;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.REFUSED_ARMS_FULL_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.REFUSED_INDEX_FULL_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.REWARDS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.SEGMENTS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.SEGMENT_SLOTS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.SKIPPED_PENDING_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.VARIANT_OVERFLOWS_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.VERSION;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.VERSION_OFFSET;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.block;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.blockCount;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.blockFirstArm;
import static io.arbiter.bandits.context.SegmentIndexDescriptor.blockOffset;

/**
 * The segments of every contextual experiment: a lock-free hash index of segment keys ({@link SegmentIndexDescriptor})
 * over a {@link PosteriorTable} holding one arm record per segment and variant. Direct memory, or two memory-mapped
 * files that survive a restart like the posterior table.
 *
 * <p><b>Creation is a lock-free claim</b> ({@link #findOrCreate}): a segment's slot is taken by a CAS of its key
 * into an empty slot of the linear probe sequence, so of any number of threads creating the same segment exactly one
 * creates it and the others find it (no deletion ever empties a slot, so every probe for a key stops at the same
 * place). The creator then allocates the segment's arm block and publishes it with a release store; until then the
 * segment is <i>pending</i>, and readers treat it as absent (the request is served by its parent) rather than wait.
 *
 * <p><b>Bounds</b>: the index takes segments up to 3/4 of its slots, an experiment up to its {@code maxSegments}
 * (reserved by CAS before the key is claimed, so the bound holds under races), and the arm table up to its capacity.
 * A segment refused by any of them is never created; its requests are served by its parent and counted
 * ({@link #countCapacityFallback}, per experiment). Segments are never removed.
 *
 * <p><b>Memory</b>: 128 bytes of index entry plus 128 bytes per arm; a new segment takes its experiment's variant
 * count rounded up to a multiple of 4 arms. With 10 variants: 128 + 12 x 128 = 1,664 bytes per segment, plus the
 * index's spare slots (4/3 slots per segment at most load: about 1.8 KB per segment in all).
 */
public final class SegmentStore implements AutoCloseable {
    /** {@link #findOrCreate}: the experiment already has {@code maxSegments} segments. */
    public static final int REFUSED_EXPERIMENT_FULL = -2;
    /** {@link #findOrCreate}: the index (or its experiment table) is full. */
    public static final int REFUSED_INDEX_FULL = -3;

    /** {@link #state}: no arms yet (being created, or the creator died: repaired on the next open). */
    public static final int PENDING = 0;
    /** {@link #state}: usable. */
    public static final int READY = 1;
    /** {@link #state}: the arm table was full when the segment was created; it never becomes usable. */
    public static final int FAILED = 2;

    private final AtomicBuffer index;
    private final MappedByteBuffer mapped;
    private final PosteriorTable arms;
    private final int segmentSlots;
    private final int experimentSlots;
    private final long maxLoad;
    private final boolean wasCleanlyClosed;
    private boolean closed;

    private SegmentStore(AtomicBuffer index, MappedByteBuffer mapped, PosteriorTable arms, boolean wasCleanlyClosed) {
        this.index = index;
        this.mapped = mapped;
        this.arms = arms;
        this.segmentSlots = index.getInt(SEGMENT_SLOTS_OFFSET);
        this.experimentSlots = index.getInt(EXPERIMENT_SLOTS_OFFSET);
        this.maxLoad = segmentSlots - (segmentSlots >>> 2);
        this.wasCleanlyClosed = wasCleanlyClosed;
        index.putLongRelease(CLEAN_CLOSE_OFFSET, 0);
    }

    /**
     * A store in direct memory.
     *
     * @param segmentSlots    index slots, a power of two in 4..2^23; at most 3/4 of them hold segments
     * @param experimentSlots experiment records, a power of two in 1..2^16 (at most that many contextual experiments)
     * @param armCapacity     arm records for all segments' variants, 1..(2^31 - 129) / 128
     * @param epochMillis     origin of the decayed sums' weights (see {@link PosteriorTable})
     */
    public static SegmentStore allocateDirect(int segmentSlots, int experimentSlots, int armCapacity,
                                              long epochMillis) {
        checkSlots(segmentSlots, experimentSlots);
        final long length = SegmentIndexDescriptor.fileLength(segmentSlots, experimentSlots);
        final UnsafeBuffer buffer = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned((int) length, SegmentIndexDescriptor.CACHE_LINE_LENGTH));
        writeHeader(buffer, segmentSlots, experimentSlots);
        return new SegmentStore(buffer, null, PosteriorTable.allocateDirect(armCapacity, epochMillis), false);
    }

    /** A store on the Java heap: the same layout and atomics, cheap to create (for concurrency tests). */
    public static SegmentStore allocateHeap(int segmentSlots, int experimentSlots, int armCapacity, long epochMillis) {
        checkSlots(segmentSlots, experimentSlots);
        final UnsafeBuffer buffer = new UnsafeBuffer(
            new byte[(int) SegmentIndexDescriptor.fileLength(segmentSlots, experimentSlots)]);
        writeHeader(buffer, segmentSlots, experimentSlots);
        return new SegmentStore(buffer, null, PosteriorTable.allocateHeap(armCapacity, epochMillis), false);
    }

    /**
     * Opens the store in {@code indexFile} and {@code armsFile}, creating them when the index file does not exist. An
     * existing store keeps its own sizes and epoch. Opening repairs what a crash can leave: segments whose creator
     * died before publishing their arms get them now, blocks left half-claimed are released, and the per-experiment
     * segment counts are recounted from the entries.
     *
     * @param segmentSlots, experimentSlots, armCapacity, epochMillis: as {@link #allocateDirect}, for a new store
     */
    public static SegmentStore mapFiles(Path indexFile, Path armsFile, int segmentSlots, int experimentSlots,
                                        int armCapacity, long epochMillis) {
        checkSlots(segmentSlots, experimentSlots);
        final File location = indexFile.toFile();
        if (Files.exists(indexFile)) {
            final MappedByteBuffer mapped = IoUtil.mapExistingFile(location, "segment index");
            final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
            final PosteriorTable table;
            try {
                validateHeader(buffer, indexFile);
                table = PosteriorTable.mapFile(armsFile, armCapacity, epochMillis);
            } catch (RuntimeException e) {
                IoUtil.unmap(mapped);
                throw e;
            }
            final SegmentStore store = new SegmentStore(buffer, mapped, table,
                buffer.getLongAcquire(CLEAN_CLOSE_OFFSET) == 1);
            store.repair();
            return store;
        }
        final PosteriorTable table = PosteriorTable.mapFile(armsFile, armCapacity, epochMillis);
        final MappedByteBuffer mapped = IoUtil.mapNewFile(location,
            SegmentIndexDescriptor.fileLength(segmentSlots, experimentSlots));
        final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        writeHeader(buffer, segmentSlots, experimentSlots);
        mapped.force();
        return new SegmentStore(buffer, mapped, table, false);
    }

    private static void checkSlots(int segmentSlots, int experimentSlots) {
        if (segmentSlots < 4 || segmentSlots > MAX_SEGMENT_SLOTS || Integer.bitCount(segmentSlots) != 1) {
            throw new IllegalArgumentException("segmentSlots must be a power of two in 4.." + MAX_SEGMENT_SLOTS
                + ", was " + segmentSlots);
        }
        if (experimentSlots < 1 || experimentSlots > MAX_EXPERIMENT_SLOTS || Integer.bitCount(experimentSlots) != 1) {
            throw new IllegalArgumentException("experimentSlots must be a power of two in 1.." + MAX_EXPERIMENT_SLOTS
                + ", was " + experimentSlots);
        }
    }

    private static void writeHeader(AtomicBuffer buffer, int segmentSlots, int experimentSlots) {
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(SEGMENT_SLOTS_OFFSET, segmentSlots);
        buffer.putInt(EXPERIMENT_SLOTS_OFFSET, experimentSlots);
        buffer.putIntRelease(MAGIC_OFFSET, MAGIC); // last: a torn creation is recognisable
    }

    private static void validateHeader(AtomicBuffer buffer, Path file) {
        if (buffer.capacity() < HEADER_LENGTH || buffer.getInt(MAGIC_OFFSET) != MAGIC) {
            throw new IllegalStateException(file + " is not a segment index (bad magic)");
        }
        if (buffer.getInt(VERSION_OFFSET) != VERSION) {
            throw new IllegalStateException(file + " has segment index version " + buffer.getInt(VERSION_OFFSET)
                + ", expected " + VERSION);
        }
        final long length = SegmentIndexDescriptor.fileLength(buffer.getInt(SEGMENT_SLOTS_OFFSET),
            buffer.getInt(EXPERIMENT_SLOTS_OFFSET));
        if (buffer.capacity() < length) {
            throw new IllegalStateException(file + " is truncated");
        }
    }

    /** Single-threaded, at open: finish what a crashed process left half done (see {@link #mapFiles}). */
    private void repair() {
        for (int e = 0; e < experimentSlots; e++) {
            index.putLongRelease(SegmentIndexDescriptor.experimentOffset(e) + EXPERIMENT_SEGMENTS_OFFSET, 0);
        }
        long total = 0;
        for (int slot = 0; slot < segmentSlots; slot++) {
            final int entry = entry(slot);
            if (index.getLongAcquire(entry + KEY_OFFSET) == 0) {
                continue;
            }
            total++;
            final long experiment = index.getLongAcquire(entry + EXPERIMENT_OFFSET);
            if (index.getLongAcquire(entry + BLOCK_0_OFFSET) == 0) {
                if (experiment == 0) {
                    index.putLongRelease(entry + BLOCK_0_OFFSET, BLOCK_FAILED); // died before naming its owner
                } else {
                    allocateFirstBlock(entry, BLOCK_GRANULE);
                }
            }
            for (int b = 1; b < BLOCKS; b++) {
                if (index.getLongAcquire(entry + blockOffset(b)) == BLOCK_CLAIMING) {
                    index.putLongRelease(entry + blockOffset(b), 0); // its claimer died: claimable again
                }
            }
            final int record = experiment == 0 ? -1 : experimentRecord(experiment, true);
            if (record >= 0) {
                index.getAndAddLong(record + EXPERIMENT_SEGMENTS_OFFSET, 1);
            }
        }
        index.putLongRelease(SEGMENTS_OFFSET, total);
    }

    private int entry(int slot) {
        return SegmentIndexDescriptor.entryOffset(experimentSlots, slot);
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= segmentSlots) {
            throw new IndexOutOfBoundsException("segment slot " + slot + " outside 0.." + (segmentSlots - 1));
        }
    }

    /**
     * The slot of the segment with {@code key}, whatever its {@link #state}, or -1 when no such segment exists.
     * Lock-free, allocation-free; at most as many probes as the index has slots (few at 3/4 load: linear probing
     * averages 2.5 probes for a hit there).
     *
     * @param key a non-zero segment key ({@link ContextKeys#segmentKey})
     */
    public int find(long key) {
        int slot = (int) key & (segmentSlots - 1);
        for (int probes = 0; probes < segmentSlots; probes++) {
            final long k = index.getLongAcquire(entry(slot) + KEY_OFFSET);
            if (k == key) {
                return slot;
            }
            if (k == 0) {
                return -1;
            }
            slot = (slot + 1) & (segmentSlots - 1);
        }
        return -1;
    }

    /**
     * The slot of the segment with {@code key}, created if it does not exist (exactly once however many threads race
     * to create it). The returned segment may still be {@link #PENDING} (another thread is creating it) or
     * {@link #FAILED}. Lock-free and allocation-free.
     *
     * @param experimentKey the owning experiment's key ({@link ContextKeys#experimentKey}), non-zero
     * @param levelKey      the segment's level key ({@link ContextSpec#levelKey}), stored for listings
     * @param key           the segment key, non-zero
     * @param variants      ordinals the experiment has now, at least 1: the first block's arms (rounded up to 4)
     * @param maxSegments   the experiment's segment budget, at least 0
     * @return the slot, or {@link #REFUSED_EXPERIMENT_FULL} or {@link #REFUSED_INDEX_FULL}
     */
    public int findOrCreate(long experimentKey, long levelKey, long key, int variants, int maxSegments) {
        int slot = (int) key & (segmentSlots - 1);
        int record = -1;
        for (int probes = 0; probes < segmentSlots; probes++) {
            final int entry = entry(slot);
            final long k = index.getLongAcquire(entry + KEY_OFFSET);
            if (k == key) {
                release(record);
                return slot;
            }
            if (k == 0) {
                if (record < 0) {
                    record = reserve(experimentKey, maxSegments);
                    if (record < 0) {
                        return record;
                    }
                }
                // The claim: only the thread whose CAS takes the empty slot creates the segment.
                if (index.compareAndSetLong(entry + KEY_OFFSET, 0, key)) {
                    index.putLong(entry + EXPERIMENT_OFFSET, experimentKey); // published by the block's release
                    index.putLong(entry + LEVEL_OFFSET, levelKey);
                    allocateFirstBlock(entry, variants);
                    index.getAndAddLong(SEGMENTS_OFFSET, 1);
                    return slot;
                }
                if (index.getLongAcquire(entry + KEY_OFFSET) == key) {
                    release(record); // another thread created this very segment a moment ago
                    return slot;
                }
            }
            slot = (slot + 1) & (segmentSlots - 1);
        }
        release(record);
        index.getAndAddLong(REFUSED_INDEX_FULL_OFFSET, 1);
        return REFUSED_INDEX_FULL;
    }

    /** Reserves one of the experiment's segments: the record's offset, or a refusal code. */
    private int reserve(long experimentKey, int maxSegments) {
        if (index.getLongAcquire(SEGMENTS_OFFSET) >= maxLoad) {
            index.getAndAddLong(REFUSED_INDEX_FULL_OFFSET, 1);
            return REFUSED_INDEX_FULL;
        }
        final int record = experimentRecord(experimentKey, true);
        if (record < 0) {
            index.getAndAddLong(REFUSED_INDEX_FULL_OFFSET, 1);
            return REFUSED_INDEX_FULL;
        }
        while (true) {
            final long reserved = index.getLongAcquire(record + EXPERIMENT_SEGMENTS_OFFSET);
            if (reserved >= maxSegments) {
                return REFUSED_EXPERIMENT_FULL;
            }
            if (index.compareAndSetLong(record + EXPERIMENT_SEGMENTS_OFFSET, reserved, reserved + 1)) {
                return record;
            }
        }
    }

    private void release(int record) {
        if (record >= 0) {
            index.getAndAddLong(record + EXPERIMENT_SEGMENTS_OFFSET, -1);
        }
    }

    private void allocateFirstBlock(int entry, int variants) {
        final int count = roundUp(Math.max(1, variants));
        final int first = arms.tryAllocateArms(count);
        if (first < 0) {
            index.getAndAddLong(REFUSED_ARMS_FULL_OFFSET, 1);
            index.putLongRelease(entry + BLOCK_0_OFFSET, BLOCK_FAILED);
            return;
        }
        // Release: a reader that sees the block sees the experiment and level keys written before it.
        index.putLongRelease(entry + BLOCK_0_OFFSET, block(first, count));
    }

    private static int roundUp(int n) {
        return (n + BLOCK_GRANULE - 1) / BLOCK_GRANULE * BLOCK_GRANULE;
    }

    /** The offset of the experiment's record, claimed if {@code create} and absent; -1 if absent or full. */
    private int experimentRecord(long experimentKey, boolean create) {
        int slot = (int) experimentKey & (experimentSlots - 1);
        for (int probes = 0; probes < experimentSlots; probes++) {
            final int record = SegmentIndexDescriptor.experimentOffset(slot);
            final long k = index.getLongAcquire(record + EXPERIMENT_KEY_OFFSET);
            if (k == experimentKey) {
                return record;
            }
            if (k == 0) {
                if (!create) {
                    return -1;
                }
                if (index.compareAndSetLong(record + EXPERIMENT_KEY_OFFSET, 0, experimentKey)
                    || index.getLongAcquire(record + EXPERIMENT_KEY_OFFSET) == experimentKey) {
                    return record;
                }
            }
            slot = (slot + 1) & (experimentSlots - 1);
        }
        return -1;
    }

    /**
     * {@link #PENDING}, {@link #READY} or {@link #FAILED}.
     *
     * @param slot a slot returned by {@link #find} or {@link #findOrCreate}
     */
    public int state(int slot) {
        checkSlot(slot);
        final long first = index.getLongAcquire(entry(slot) + BLOCK_0_OFFSET);
        return first > 0 ? READY : first == 0 ? PENDING : FAILED;
    }

    /**
     * The arm record holding the statistics of variant {@code ordinal} in the segment, or -1 when the segment has no
     * record for it yet (a variant added after the segment was created and not counted in it since, or a segment
     * that is not {@link #READY}): its statistics are zero. Read-only, lock-free, allocation-free.
     *
     * @param ordinal the variant's ordinal in its experiment, at least 0
     */
    public int arm(int slot, int ordinal) {
        final int entry = entry(slot);
        int covered = 0;
        for (int b = 0; b < BLOCKS; b++) {
            final long block = index.getLongAcquire(entry + blockOffset(b));
            if (block <= 0) {
                return -1;
            }
            final int count = blockCount(block);
            if (ordinal < covered + count) {
                return blockFirstArm(block) + ordinal - covered;
            }
            covered += count;
        }
        return -1;
    }

    /**
     * The first block of a {@link #READY} segment as {@code count << 32 | firstArm} (it never changes once published,
     * so a request may keep it while it reads the segment's variants); 0 when the segment is not ready.
     */
    public long firstBlock(int slot) {
        final long block = index.getLongAcquire(entry(slot) + BLOCK_0_OFFSET);
        return block > 0 ? block : 0L;
    }

    /**
     * Like {@link #arm}, but a variant beyond the segment's blocks gets a new block (claimed by CAS; the claimer
     * allocates and publishes it). Returns -1, and counts it, when the record cannot be had right now: the segment or
     * the block is still being made ({@link #skippedPending()}), or the blocks or the arm table are exhausted
     * ({@link #variantOverflows()}). Lock-free and allocation-free.
     */
    public int armForUpdate(int slot, int ordinal) {
        final int entry = entry(slot);
        int covered = 0;
        int b = 0;
        while (b < BLOCKS) {
            final int word = entry + blockOffset(b);
            final long block = index.getLongAcquire(word);
            if (block > 0) {
                final int count = blockCount(block);
                if (ordinal < covered + count) {
                    return blockFirstArm(block) + ordinal - covered;
                }
                covered += count;
                b++;
                continue;
            }
            if (block == 0 && b > 0) {
                if (!index.compareAndSetLong(word, 0, BLOCK_CLAIMING)) {
                    continue; // another thread claimed it first: read what it wrote
                }
                final int size = Math.max(roundUp(ordinal + 1 - covered), 2 * covered);
                final int first = arms.tryAllocateArms(size);
                if (first < 0) {
                    index.getAndAddLong(REFUSED_ARMS_FULL_OFFSET, 1);
                    index.putLongRelease(word, BLOCK_FAILED);
                    break;
                }
                index.putLongRelease(word, block(first, size));
                return first + ordinal - covered;
            }
            if (block == 0 || block == BLOCK_CLAIMING) {
                index.getAndAddLong(SKIPPED_PENDING_OFFSET, 1);
                return -1;
            }
            break; // BLOCK_FAILED
        }
        index.getAndAddLong(VARIANT_OVERFLOWS_OFFSET, 1);
        return -1;
    }

    /** Counts one reward in the segment's total (which ranks equally fine segments: "best-observed"). */
    public void addReward(int slot) {
        index.getAndAddLong(entry(slot) + REWARDS_OFFSET, 1);
    }

    /** Counts {@code count} rewards learned elsewhere (another server node's) in the segment's total; atomic add. */
    public void addRewards(int slot, long count) {
        index.getAndAddLong(entry(slot) + REWARDS_OFFSET, count);
    }

    /** Counts one decision in the segment's total. */
    public void addDecision(int slot) {
        index.getAndAddLong(entry(slot) + DECISIONS_OFFSET, 1);
    }

    /** Rewards recorded in the segment, over all its variants. */
    public long rewards(int slot) {
        checkSlot(slot);
        return index.getLongAcquire(entry(slot) + REWARDS_OFFSET);
    }

    /** Decisions counted in the segment, over all its variants. */
    public long decisions(int slot) {
        checkSlot(slot);
        return index.getLongAcquire(entry(slot) + DECISIONS_OFFSET);
    }

    public long key(int slot) {
        checkSlot(slot);
        return index.getLongAcquire(entry(slot) + KEY_OFFSET);
    }

    /** The owning experiment's key (valid once the segment is {@link #READY}). */
    public long experimentKey(int slot) {
        checkSlot(slot);
        return index.getLong(entry(slot) + EXPERIMENT_OFFSET);
    }

    /** The segment's level key (valid once the segment is {@link #READY}). */
    public long levelKey(int slot) {
        checkSlot(slot);
        return index.getLong(entry(slot) + LEVEL_OFFSET);
    }

    /** Counts a decision of the experiment that was served by a parent because a segment could not be created. */
    public void countCapacityFallback(long experimentKey) {
        final int record = experimentRecord(experimentKey, true);
        if (record >= 0) {
            index.getAndAddLong(record + EXPERIMENT_FALLBACKS_OFFSET, 1);
        }
    }

    /** Decisions of the experiment served by a parent because a segment could not be created (maxSegments, full). */
    public long capacityFallbacks(long experimentKey) {
        final int record = experimentRecord(experimentKey, false);
        return record < 0 ? 0 : index.getLongAcquire(record + EXPERIMENT_FALLBACKS_OFFSET);
    }

    /** Segments the experiment has (including any being created right now). */
    public long segments(long experimentKey) {
        final int record = experimentRecord(experimentKey, false);
        return record < 0 ? 0 : index.getLongAcquire(record + EXPERIMENT_SEGMENTS_OFFSET);
    }

    /** Segments in the store, over all experiments. */
    public long segments() {
        return index.getLongAcquire(SEGMENTS_OFFSET);
    }

    /** Segment creations refused because the index or its experiment table was full. */
    public long refusedIndexFull() {
        return index.getLongAcquire(REFUSED_INDEX_FULL_OFFSET);
    }

    /** Blocks (first or later) refused because the arm table was full. */
    public long refusedArmsFull() {
        return index.getLongAcquire(REFUSED_ARMS_FULL_OFFSET);
    }

    /** Updates left out of a segment because it or one of its blocks was being created at that moment. */
    public long skippedPending() {
        return index.getLongAcquire(SKIPPED_PENDING_OFFSET);
    }

    /** Updates left out of a segment because its blocks could not cover the variant's ordinal. */
    public long variantOverflows() {
        return index.getLongAcquire(VARIANT_OVERFLOWS_OFFSET);
    }

    /** The arm records of all segments (for reading statistics). */
    public PosteriorTable arms() {
        return arms;
    }

    public int segmentSlots() {
        return segmentSlots;
    }

    public int experimentSlots() {
        return experimentSlots;
    }

    /** Whether the files this store was opened from had been closed cleanly (false for new and direct stores). */
    public boolean wasCleanlyClosed() {
        return wasCleanlyClosed;
    }

    /**
     * Calls {@code action} with the slot of every {@link #READY} segment of the experiment (a scan of the whole index:
     * for admin listings, not for the request path).
     */
    public void forEachSegment(long experimentKey, IntConsumer action) {
        for (int slot = 0; slot < segmentSlots; slot++) {
            if (index.getLongAcquire(entry(slot) + KEY_OFFSET) != 0 && state(slot) == READY
                && experimentKey(slot) == experimentKey) {
                action.accept(slot);
            }
        }
    }

    /**
     * Clears the decayed sums of every segment arm of the experiment (after its half-life changed, as the server does
     * for the root arms with {@link PosteriorTable#clearDecayed}). Admin-time: scans the index.
     */
    public void clearDecayed(long experimentKey) {
        forEachSegment(experimentKey, slot -> {
            final int entry = entry(slot);
            for (int b = 0; b < BLOCKS; b++) {
                final long block = index.getLongAcquire(entry + blockOffset(b));
                if (block <= 0) {
                    break;
                }
                for (int i = 0; i < blockCount(block); i++) {
                    arms.clearDecayed(blockFirstArm(block) + i);
                }
            }
        });
    }

    /** Flushes mapped files (no-op for direct memory). */
    public void force() {
        if (mapped != null) {
            mapped.force();
        }
        arms.force();
    }

    /** Marks mapped files cleanly closed, flushes and unmaps them. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mapped != null) {
            index.putLongRelease(CLEAN_CLOSE_OFFSET, 1);
            mapped.force();
            IoUtil.unmap(mapped);
        }
        arms.close();
    }
}

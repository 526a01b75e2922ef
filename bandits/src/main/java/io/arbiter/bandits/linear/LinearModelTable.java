package io.arbiter.bandits.linear;

import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.arbiter.bandits.linear.LinearModelDescriptor.ACTIVE_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.APPLIED_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.CLEAN_CLOSE_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.COUNT_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.DIMENSION_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.HEADER_LENGTH;
import static io.arbiter.bandits.linear.LinearModelDescriptor.LAMBDA_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.LAST_POSITION_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.MAGIC;
import static io.arbiter.bandits.linear.LinearModelDescriptor.MAGIC_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.MAX_DIMENSION;
import static io.arbiter.bandits.linear.LinearModelDescriptor.NOISE_VARIANCE_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.PRECISION_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.RECORD_LENGTH_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.REJECTED_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.REPLAYED_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.RING_CAPACITY_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.SEQUENCE_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.SINCE_REFACTOR_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.SOURCE_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.SOURCE_SLOTS;
import static io.arbiter.bandits.linear.LinearModelDescriptor.SOURCE_SLOT_LENGTH;
import static io.arbiter.bandits.linear.LinearModelDescriptor.VARIANT_CAPACITY_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.VERSION;
import static io.arbiter.bandits.linear.LinearModelDescriptor.VERSION_OFFSET;
import static io.arbiter.bandits.linear.LinearModelDescriptor.VERSION_WITHOUT_POSITIONS;

/**
 * The posteriors of a Bayesian linear model per variant, off-heap (direct memory or a mapped file that survives a
 * restart): the ridge precision {@code A = lambda I + sum x x'}, {@code b = sum r x}, the covariance {@code A^-1} and
 * the mean {@code A^-1 b} of each variant's coefficients.
 *
 * <p><b>Model.</b> Rewards are {@code r = x . theta_k + e}, {@code e ~ N(0, sigma^2)} with {@code sigma^2} known
 * ({@code noiseVariance}), prior {@code theta_k ~ N(0, (sigma^2 / lambda) I)}, variants independent. The posterior
 * is {@code theta_k ~ N(A_k^-1 b_k, sigma^2 A_k^-1)}, so a Thompson draw of a variant's score needs only the scalar
 * {@code x . theta_k ~ N(x . mu_k, sigma^2 x' A_k^-1 x)}: O(d^2) per variant, no Cholesky on the request path.
 *
 * <p><b>Concurrency contract: many offerers, one applier, many readers.</b> Any thread offers an observation with
 * {@link #offerObservation} (a bounded Agrona many-to-one ring in the same file: allocation-free, lock-free, never
 * blocks; {@code false} and counted when the ring is full). A <b>single writer</b> thread drains the ring with
 * {@link #applyPendingObservations}: each observation is a rank-one update (Sherman–Morrison on the covariance,
 * O(d^2)) into the variant's unpublished copy, which it then publishes by flipping the variant's active copy with a
 * release store. Readers ({@link #moments}) read the active copy under its seqlock (sequence read with acquire, data,
 * a load-load fence, sequence again) and retry only when the writer published twice during their read. The
 * covariance is recomputed from {@code A} by Cholesky every {@code refactorEvery} observations of a variant, so
 * rounding drift of the rank-one updates stays bounded.
 * {@link #offerRetraction} queues the take-back of an observation through the same ring (a rank-one downdate; when
 * its denominator is too close to 0 in floating point, the covariance is recomputed from {@code A} instead).
 *
 * <p><b>Durability.</b> The published copy is always complete. An observation accepted by the ring survives a
 * restart of a mapped table; each copy records the ring position of the last observation it contains, so an
 * observation re-read after a crash is not applied twice.
 *
 * <p><b>Replayed observations.</b> Observations another source (a server node) numbered in its own order are offered
 * with {@link #offerReplayed}, carrying the source's key and number; the applier keeps, per source and in this file,
 * the newest number the model contains ({@link #replayedUpTo}), writes it after publishing the observation, and
 * skips one whose number is not after it. So a replayed observation counts once however often it is offered (again
 * after a restart, or by a replay that starts too early), and a table whose file was lost (new, no positions) takes
 * every one its sources replay. {@link #offerReplayedUpTo} moves a source's position past numbers that taught
 * another model (it goes through the ring, behind the observations offered before it).
 */
public final class LinearModelTable implements AutoCloseable {
    private static final int OBSERVATION = 1;
    /** A ring message that takes back an observation the model already contains (same layout as an observation). */
    private static final int RETRACTION = 2;
    /** A ring message of an observation another source numbered (an observation, then source key and number). */
    private static final int REPLAYED = 3;
    /** A ring message that moves a source's replay position (source key, number). */
    private static final int REPLAYED_UP_TO = 4;
    /** Default observations of one variant between two exact recomputations of its covariance. */
    public static final int DEFAULT_REFACTOR_EVERY = 1_000;

    private final AtomicBuffer buffer;
    private final MappedByteBuffer mapped;
    private final ManyToOneRingBuffer ring;
    private final int d;
    private final int variants;
    private final int ringCapacity;
    private final double lambda;
    private final double noiseVariance;
    private final int covarianceOffset;
    private final int meanOffset;
    private final int copyLength;
    private final int sourcesOffset;
    private final int refactorEvery;
    private final boolean wasCleanlyClosed;
    private boolean closed;

    // Writer-owned (the applier thread only).
    private final double[] x;
    private final CopyAlgebra algebra;
    private final MessageHandler applier = this::applyMessage;
    private long headAtRead;

    private LinearModelTable(AtomicBuffer buffer, AtomicBuffer ringBuffer, MappedByteBuffer mapped,
                             boolean wasCleanlyClosed, int refactorEvery) {
        this.buffer = buffer;
        this.mapped = mapped;
        this.d = buffer.getInt(DIMENSION_OFFSET);
        this.variants = buffer.getInt(VARIANT_CAPACITY_OFFSET);
        this.ringCapacity = buffer.getInt(RING_CAPACITY_OFFSET);
        this.lambda = buffer.getDouble(LAMBDA_OFFSET);
        this.noiseVariance = buffer.getDouble(NOISE_VARIANCE_OFFSET);
        this.covarianceOffset = LinearModelDescriptor.covarianceOffset(d);
        this.meanOffset = LinearModelDescriptor.meanOffset(d);
        this.copyLength = LinearModelDescriptor.copyLength(d);
        this.sourcesOffset = (int) LinearModelDescriptor.sourcesOffset(d, variants, ringCapacity);
        this.refactorEvery = refactorEvery;
        this.wasCleanlyClosed = wasCleanlyClosed;
        this.ring = new ManyToOneRingBuffer(ringBuffer != null ? ringBuffer : new UnsafeBuffer(buffer,
            (int) LinearModelDescriptor.ringOffset(d, variants), ringCapacity + RingBufferDescriptor.TRAILER_LENGTH));
        this.x = new double[d];
        this.algebra = new CopyAlgebra(buffer, d);
        buffer.putLongRelease(CLEAN_CLOSE_OFFSET, 0);
    }

    /**
     * A table in direct memory.
     *
     * @param dimension     d, 1..64
     * @param variants      variant records (ordinals 0..variants-1), at least 1
     * @param ringCapacity  bytes of the observation ring, a power of two of at least 1,024 (one observation takes
     *                      {@code 24 + 8d} bytes rounded up to 8)
     * @param lambda        prior precision (ridge), finite and positive
     * @param noiseVariance sigma^2, finite and positive
     * @param refactorEvery observations of a variant between exact recomputations of its covariance, at least 1
     */
    public static LinearModelTable allocateDirect(int dimension, int variants, int ringCapacity, double lambda,
                                                  double noiseVariance, int refactorEvery) {
        final long length = check(dimension, variants, ringCapacity, lambda, noiseVariance, refactorEvery);
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int) length,
            LinearModelDescriptor.CACHE_LINE_LENGTH));
        initialise(buffer, dimension, variants, ringCapacity, lambda, noiseVariance);
        return new LinearModelTable(buffer, null, null, false, refactorEvery);
    }

    /**
     * A table whose records are on the Java heap: the same layout and atomics as {@link #allocateDirect}, cheap to
     * create (for concurrency tests that make millions of them). Its ring is a small direct buffer of its own: Agrona
     * refuses to vouch for the alignment of a ring in a {@code byte[]} (the garbage collector may move it).
     */
    public static LinearModelTable allocateHeap(int dimension, int variants, int ringCapacity, double lambda,
                                                double noiseVariance, int refactorEvery) {
        final long length = check(dimension, variants, ringCapacity, lambda, noiseVariance, refactorEvery);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[(int) length]);
        initialise(buffer, dimension, variants, ringCapacity, lambda, noiseVariance);
        final UnsafeBuffer ring = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ringCapacity + RingBufferDescriptor.TRAILER_LENGTH, LinearModelDescriptor.CACHE_LINE_LENGTH));
        return new LinearModelTable(buffer, ring, null, false, refactorEvery);
    }

    /**
     * Opens the table in {@code file}, creating it if it does not exist. An existing file keeps its own variant
     * capacity, ring, lambda and noise variance (its statistics were built with them) but must have the requested
     * dimension. Observations left in its ring are applied by the next {@link #applyPendingObservations}.
     */
    public static LinearModelTable mapFile(Path file, int dimension, int variants, int ringCapacity, double lambda,
                                           double noiseVariance, int refactorEvery) {
        return mapFile(file, dimension, variants, ringCapacity, lambda, noiseVariance, refactorEvery, Map.of());
    }

    /**
     * {@link #mapFile(Path, int, int, int, double, double, int)}, upgrading a version 1 file (no replay positions):
     * it is grown and given {@code positionsIfUpgraded} (source key to the newest number it contains, as kept
     * outside the model before), forced, and only then marked version 2, so a kill during the upgrade leaves a
     * version 1 file that is upgraded again.
     *
     * @param positionsIfUpgraded at most {@value LinearModelDescriptor#SOURCE_SLOTS} sources; used for a version 1
     *                            file only
     */
    public static LinearModelTable mapFile(Path file, int dimension, int variants, int ringCapacity, double lambda,
                                           double noiseVariance, int refactorEvery,
                                           Map<Long, Long> positionsIfUpgraded) {
        final long length = check(dimension, variants, ringCapacity, lambda, noiseVariance, refactorEvery);
        final File location = file.toFile();
        if (Files.exists(file)) {
            MappedByteBuffer existing = IoUtil.mapExistingFile(location, "linear model");
            UnsafeBuffer buffer = new UnsafeBuffer(existing);
            try {
                if (validate(buffer, file, dimension) == VERSION_WITHOUT_POSITIONS) {
                    existing = upgrade(location, existing, positionsIfUpgraded);
                    buffer = new UnsafeBuffer(existing);
                }
            } catch (IllegalStateException e) {
                IoUtil.unmap(existing);
                throw e;
            }
            final LinearModelTable table = new LinearModelTable(buffer, null, existing,
                buffer.getLongAcquire(CLEAN_CLOSE_OFFSET) == 1, refactorEvery);
            table.ring.unblock(); // a producer that died between claiming and committing would stall the ring
            return table;
        }
        final MappedByteBuffer created = IoUtil.mapNewFile(location, length);
        final UnsafeBuffer buffer = new UnsafeBuffer(created);
        initialise(buffer, dimension, variants, ringCapacity, lambda, noiseVariance);
        created.force();
        return new LinearModelTable(buffer, null, created, false, refactorEvery);
    }

    /** Grows a version 1 file by the replay positions, writes them, and marks it version 2 (see mapFile). */
    private static MappedByteBuffer upgrade(File location, MappedByteBuffer old, Map<Long, Long> positions) {
        final UnsafeBuffer header = new UnsafeBuffer(old);
        final int d = header.getInt(DIMENSION_OFFSET);
        final int variants = header.getInt(VARIANT_CAPACITY_OFFSET);
        final int ringCapacity = header.getInt(RING_CAPACITY_OFFSET);
        IoUtil.unmap(old);
        if (positions.size() > SOURCE_SLOTS) {
            throw new IllegalArgumentException("at most " + SOURCE_SLOTS + " sources, not " + positions.size());
        }
        try (RandomAccessFile grown = new RandomAccessFile(location, "rw")) {
            grown.setLength(LinearModelDescriptor.fileLength(d, variants, ringCapacity));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot grow " + location + " to add replay positions", e);
        }
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(location, "linear model");
        final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        final int sources = (int) LinearModelDescriptor.sourcesOffset(d, variants, ringCapacity);
        buffer.setMemory(sources, LinearModelDescriptor.SOURCES_LENGTH, (byte) 0); // a half-done upgrade's included
        int slot = sources;
        for (final Map.Entry<Long, Long> position : positions.entrySet()) {
            buffer.putLong(slot + REPLAYED_OFFSET, position.getValue());
            buffer.putLong(slot + SOURCE_OFFSET, position.getKey() == 0 ? 1 : position.getKey());
            slot += SOURCE_SLOT_LENGTH;
        }
        mapped.force(); // the positions on disk before the version that says they are there
        buffer.putIntRelease(VERSION_OFFSET, VERSION);
        mapped.force();
        return mapped;
    }

    private static long check(int dimension, int variants, int ringCapacity, double lambda, double noiseVariance,
                              int refactorEvery) {
        if (dimension < 1 || dimension > MAX_DIMENSION) {
            throw new IllegalArgumentException("dimension must be in 1.." + MAX_DIMENSION + ", was " + dimension);
        }
        if (ringCapacity < 1024 || Integer.bitCount(ringCapacity) != 1) {
            throw new IllegalArgumentException("ringCapacity must be a power of two >= 1024, was " + ringCapacity);
        }
        if (!(lambda > 0) || !(noiseVariance > 0) || Double.isInfinite(lambda) || Double.isInfinite(noiseVariance)) {
            throw new IllegalArgumentException("lambda and noiseVariance must be finite and positive");
        }
        if (refactorEvery < 1) {
            throw new IllegalArgumentException("refactorEvery must be positive, was " + refactorEvery);
        }
        final long length = variants < 1 ? Long.MAX_VALUE
            : LinearModelDescriptor.fileLength(dimension, variants, ringCapacity);
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("variants must be in 1.." + (Integer.MAX_VALUE - HEADER_LENGTH
                - ringCapacity) / LinearModelDescriptor.recordLength(dimension) + " at d = " + dimension);
        }
        return length;
    }

    private static void initialise(AtomicBuffer buffer, int d, int variants, int ringCapacity, double lambda,
                                   double noiseVariance) {
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(DIMENSION_OFFSET, d);
        buffer.putInt(VARIANT_CAPACITY_OFFSET, variants);
        buffer.putInt(RING_CAPACITY_OFFSET, ringCapacity);
        buffer.putInt(RECORD_LENGTH_OFFSET, LinearModelDescriptor.recordLength(d));
        buffer.putDouble(LAMBDA_OFFSET, lambda);
        buffer.putDouble(NOISE_VARIANCE_OFFSET, noiseVariance);
        for (int v = 0; v < variants; v++) {
            final int copy = (int) LinearModelDescriptor.recordOffset(d, v) + LinearModelDescriptor.copyOffset(d, 0);
            buffer.putLong(copy + LAST_POSITION_OFFSET, -1);
            for (int i = 0; i < d; i++) {
                buffer.putDouble(copy + PRECISION_OFFSET + 8 * (i * d + i), lambda);
                buffer.putDouble(copy + LinearModelDescriptor.covarianceOffset(d) + 8 * (i * d + i), 1.0 / lambda);
            }
        }
        buffer.putIntRelease(MAGIC_OFFSET, MAGIC); // last: a torn creation is recognisable
    }

    /** Checks a mapped file's header and length; answers its version (1 or 2). */
    private static int validate(AtomicBuffer buffer, Path file, int dimension) {
        if (buffer.capacity() < HEADER_LENGTH || buffer.getInt(MAGIC_OFFSET) != MAGIC) {
            throw new IllegalStateException(file + " is not a linear model (bad magic)");
        }
        final int d = buffer.getInt(DIMENSION_OFFSET);
        final int version = buffer.getInt(VERSION_OFFSET);
        if ((version != VERSION && version != VERSION_WITHOUT_POSITIONS) || buffer.getInt(RECORD_LENGTH_OFFSET)
            != LinearModelDescriptor.recordLength(d)) {
            throw new IllegalStateException(file + " has linear model version " + version);
        }
        if (d != dimension) {
            throw new IllegalStateException(file + " has dimension " + d + ", not " + dimension);
        }
        final int variants = buffer.getInt(VARIANT_CAPACITY_OFFSET);
        final int ringCapacity = buffer.getInt(RING_CAPACITY_OFFSET);
        if (buffer.capacity() < (version == VERSION ? LinearModelDescriptor.fileLength(d, variants, ringCapacity)
            : LinearModelDescriptor.fileLengthWithoutPositions(d, variants, ringCapacity))) {
            throw new IllegalStateException(file + " is truncated");
        }
        return version;
    }

    public int dimension() {
        return d;
    }

    public int variantCapacity() {
        return variants;
    }

    public double lambda() {
        return lambda;
    }

    public double noiseVariance() {
        return noiseVariance;
    }

    /** Whether the file this table was opened from had been closed cleanly (false for new and direct tables). */
    public boolean wasCleanlyClosed() {
        return wasCleanlyClosed;
    }

    private int record(int ordinal) {
        if (ordinal < 0 || ordinal >= variants) {
            throw new IndexOutOfBoundsException("variant ordinal " + ordinal + " outside 0.." + (variants - 1));
        }
        return (int) LinearModelDescriptor.recordOffset(d, ordinal);
    }

    /**
     * Queues an observation for the applier. Any thread; lock-free, allocation-free, never blocks.
     *
     * @param ordinal  the variant's ordinal, 0..variantCapacity-1
     * @param features the decision's features, of this table's dimension
     * @param reward   finite
     * @return false (and counted in {@link #rejected()}) when the ring is full
     */
    public boolean offerObservation(int ordinal, FeatureVector features, double reward) {
        return offer(OBSERVATION, ordinal, features, reward);
    }

    /**
     * Queues the take-back of an observation this model was given before (offered with the same features and reward):
     * the applier subtracts it ({@code A -= x x'}, {@code b -= r x}, the covariance downdated, the count less one).
     * For a reward that another server node stored first, which the shared rewards then bring in again. Any thread;
     * lock-free, allocation-free, never blocks; the ring and its order are the observations'.
     *
     * @return false (and counted in {@link #rejected()}) when the ring is full
     */
    public boolean offerRetraction(int ordinal, FeatureVector features, double reward) {
        return offer(RETRACTION, ordinal, features, reward);
    }

    /**
     * Queues an observation that source {@code source} numbered {@code number} (another server node's reward, in its
     * order): applied like {@link #offerObservation} unless this model already contains that source's
     * {@code number} ({@link #replayedUpTo}), and the source's position then moves to it. Any thread; lock-free,
     * allocation-free, never blocks.
     *
     * @param source the source's key ({@link #sourceKey})
     * @param number positive, increasing in the source's order
     * @return false when the ring is full: the caller offers it again later (not counted in {@link #rejected()},
     *     which counts observations lost)
     */
    public boolean offerReplayed(int ordinal, FeatureVector features, double reward, long source, long number) {
        final int at = claim(REPLAYED, ordinal, features, reward, LinearModelDescriptor.replayedMessageLength(d),
            false);
        if (at < 0) {
            return false;
        }
        final AtomicBuffer target = ring.buffer();
        target.putLong(at + LinearModelDescriptor.messageLength(d), source);
        target.putLong(at + LinearModelDescriptor.messageLength(d) + 8, number);
        ring.commit(at); // release: the applier that sees the record sees its contents
        return true;
    }

    /**
     * Queues the move of a source's replay position to {@code number}: every observation of that source up to it
     * that teaches this model has been offered before this call (they are ahead of it in the ring). For numbers that
     * taught other models, so that a restart does not read them again. Any thread; lock-free, allocation-free.
     *
     * @return false when the ring is full: the caller offers it again later (not counted in {@link #rejected()})
     */
    public boolean offerReplayedUpTo(long source, long number) {
        final int at = ring.tryClaim(REPLAYED_UP_TO, LinearModelDescriptor.POSITION_MESSAGE_LENGTH);
        if (at < 0) {
            return false;
        }
        final AtomicBuffer target = ring.buffer();
        target.putLong(at, source);
        target.putLong(at + 8, number);
        ring.commit(at); // release: the applier that sees the record sees its contents
        return true;
    }

    /**
     * The newest number of {@code source} this model contains (applied, or moved past by
     * {@link #offerReplayedUpTo}); 0 when it has none. Any thread (acquire: pairs with the applier's release).
     */
    public long replayedUpTo(long source) {
        final int slot = findSource(source);
        return slot >= 0 ? buffer.getLongAcquire(slot + REPLAYED_OFFSET) : 0;
    }

    /**
     * Whether {@code source} has no replay position here and every slot is taken by others: its observations are
     * applied without a position (they count again when replayed again, at a restart). Any thread.
     */
    public boolean withoutPosition(long source) {
        return findSource(source) == Integer.MIN_VALUE;
    }

    /**
     * The offset of a source's slot; when it has none, {@code -1 - offset} of the first free slot, or
     * {@link Integer#MIN_VALUE} when none is free. Any thread (acquire: a key is written last, with release).
     */
    private int findSource(long source) {
        final long key = source == 0 ? 1 : source;
        for (int i = 0; i < SOURCE_SLOTS; i++) {
            final int slot = sourcesOffset + i * SOURCE_SLOT_LENGTH;
            final long at = buffer.getLongAcquire(slot + SOURCE_OFFSET);
            if (at == key) {
                return slot;
            }
            if (at == 0) {
                return -1 - slot;
            }
        }
        return Integer.MIN_VALUE;
    }

    /**
     * A source's key: a 64-bit hash (FNV-1a) of its name, never 0. Two names of one cluster share a key with a
     * probability of about n^2 / 2^65.
     */
    public static long sourceKey(CharSequence name) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            hash = (hash ^ name.charAt(i)) * 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    private boolean offer(int type, int ordinal, FeatureVector features, double reward) {
        final int at = claim(type, ordinal, features, reward, LinearModelDescriptor.messageLength(d), true);
        if (at < 0) {
            return false;
        }
        ring.commit(at); // release: the applier that sees the record sees its contents
        return true;
    }

    /**
     * Claims a message in the ring and writes an observation into it; -1 when the ring is full (counted in
     * {@link #rejected()} when {@code lost}: the caller does not offer it again).
     */
    private int claim(int type, int ordinal, FeatureVector features, double reward, int length, boolean lost) {
        record(ordinal);
        if (features.dimension() != d || !Double.isFinite(reward)) {
            throw new IllegalArgumentException("need a finite reward and features of dimension " + d);
        }
        final int at = ring.tryClaim(type, length);
        if (at < 0) {
            if (lost) {
                buffer.getAndAddLong(REJECTED_OFFSET, 1);
            }
            return -1;
        }
        final AtomicBuffer target = ring.buffer();
        target.putInt(at, ordinal);
        target.putDouble(at + 8, reward);
        for (int i = 0; i < d; i++) {
            target.putDouble(at + 16 + 8 * i, features.values[i]);
        }
        return at;
    }

    /**
     * Applies up to {@code limit} queued observations. <b>Single writer</b>: one thread at a time (the applier).
     *
     * @param limit at least 1
     * @return observations taken from the ring
     */
    public int applyPendingObservations(int limit) {
        headAtRead = ring.consumerPosition();
        return ring.read(applier, limit);
    }

    /** Observations waiting in the ring (approximate while offers race). */
    public int pendingBytes() {
        return ring.size();
    }

    private void applyMessage(int type, MutableDirectBuffer source, int index, int length) {
        // The ring never wraps within one read, so a record's position is the head plus its offset from the head.
        final long position = headAtRead + (index - RecordDescriptor.HEADER_LENGTH
            - (int) (headAtRead & (ringCapacity - 1)));
        if (type == REPLAYED_UP_TO) {
            moveReplayed(source.getLong(index), source.getLong(index + 8));
            return;
        }
        final int ordinal = source.getInt(index);
        if (ordinal < 0 || ordinal >= variants) {
            return;
        }
        final double reward = source.getDouble(index + 8);
        for (int i = 0; i < d; i++) {
            x[i] = source.getDouble(index + 16 + 8 * i);
        }
        if (type != REPLAYED) {
            apply(ordinal, x, reward, position, type == RETRACTION ? -1 : 1);
            return;
        }
        final long from = source.getLong(index + LinearModelDescriptor.messageLength(d));
        final long number = source.getLong(index + LinearModelDescriptor.messageLength(d) + 8);
        final int slot = sourceSlot(from);
        if (slot >= 0 && number <= buffer.getLong(slot + REPLAYED_OFFSET)) {
            return; // this model has it: offered again (a restart, a replay that started early)
        }
        // Published first, then the position: a kill between the two leaves the message in the ring (its head moves
        // after the read), and reading it again skips the observation by its ring position and writes the position.
        apply(ordinal, x, reward, position, 1);
        if (slot >= 0) {
            buffer.putLongRelease(slot + REPLAYED_OFFSET, number); // release: pairs with replayedUpTo's acquire
        }
    }

    /** Moves a source's replay position forward to {@code number}. Applier only. */
    private void moveReplayed(long source, long number) {
        final int slot = sourceSlot(source);
        if (slot >= 0 && number > buffer.getLong(slot + REPLAYED_OFFSET)) {
            buffer.putLongRelease(slot + REPLAYED_OFFSET, number); // release: pairs with replayedUpTo's acquire
        }
    }

    /**
     * The offset of a source's slot, claimed (position 0) when it has none; -1 when all slots are taken (its
     * observations are then applied without a position, as before version 2). Applier only: the one writer.
     */
    private int sourceSlot(long source) {
        final int found = findSource(source);
        if (found >= 0) {
            return found;
        }
        if (found == Integer.MIN_VALUE) {
            return -1;
        }
        final int slot = -1 - found;
        buffer.putLong(slot + REPLAYED_OFFSET, 0);
        buffer.putLongRelease(slot + SOURCE_OFFSET, source == 0 ? 1 : source); // release: who finds it reads 0 or more
        return slot;
    }

    /** {@link #apply(int, double[], double, long, int)} of an observation. */
    void apply(int ordinal, double[] features, double reward, long position) {
        apply(ordinal, features, reward, position, 1);
    }

    /**
     * Applies one observation ({@code weight} 1) or its take-back (-1) to the variant and publishes it; skips positions
     * already applied.
     */
    void apply(int ordinal, double[] features, double reward, long position, int weight) {
        final int rec = record(ordinal);
        final int active = (int) buffer.getLong(rec + ACTIVE_OFFSET); // single writer: its own last store
        final int source = rec + LinearModelDescriptor.copyOffset(d, active);
        final int target = rec + LinearModelDescriptor.copyOffset(d, 1 - active);
        if (position <= buffer.getLong(source + LAST_POSITION_OFFSET)) {
            return; // already in the published copy: re-read from the ring after a crash
        }
        final long sequence = buffer.getLong(target + SEQUENCE_OFFSET);
        buffer.putLongRelease(target + SEQUENCE_OFFSET, sequence + 1);
        VarHandle.storeStoreFence(); // the odd sequence is visible before any of the data stores below
        buffer.putBytes(target + 8, buffer, source + 8, copyLength - 8);
        final boolean updated = algebra.rankOneUpdate(target, features, reward, weight);
        buffer.putLong(target + COUNT_OFFSET, buffer.getLong(target + COUNT_OFFSET) + weight);
        buffer.putLong(target + LAST_POSITION_OFFSET, position);
        final long since = buffer.getLong(target + SINCE_REFACTOR_OFFSET) + 1;
        if (since >= refactorEvery || !updated) {
            algebra.refactor(target);
            buffer.putLong(target + SINCE_REFACTOR_OFFSET, 0);
        } else {
            buffer.putLong(target + SINCE_REFACTOR_OFFSET, since);
        }
        algebra.updateMean(target);
        buffer.putLongRelease(target + SEQUENCE_OFFSET, sequence + 2); // release: the data before the even sequence
        buffer.putLongRelease(rec + ACTIVE_OFFSET, 1 - active); // release: readers that flip see a finished copy
        buffer.putLongRelease(APPLIED_OFFSET, buffer.getLong(APPLIED_OFFSET) + 1);
    }

    /** The offset of the variant's published copy (acquire: pairs with the applier's release of the flip). */
    private int publishedCopy(int rec) {
        return rec + LinearModelDescriptor.copyOffset(d, (int) buffer.getLongAcquire(rec + ACTIVE_OFFSET));
    }

    /**
     * Reads the published posterior of a variant for {@code features}: {@code into[0] = x . mu},
     * {@code into[1] = x' A^-1 x} (multiply by {@link #noiseVariance()} for the score's variance). Any thread;
     * lock-free (seqlock retry), allocation-free; O(nnz^2) for nnz non-zero features.
     *
     * @return the number of observations in the posterior read
     */
    public long moments(int ordinal, FeatureVector features, double[] into) {
        final int rec = record(ordinal);
        features.index();
        final int[] nz = features.nonZero;
        final int n = features.nonZeroCount;
        final double[] v = features.values;
        while (true) {
            final int copy = publishedCopy(rec);
            final long sequence = buffer.getLongAcquire(copy + SEQUENCE_OFFSET);
            if ((sequence & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            double mean = 0.0;
            double quadratic = 0.0;
            for (int p = 0; p < n; p++) {
                final int i = nz[p];
                final double xi = v[i];
                final int rowStart = algebra.at(copy, covarianceOffset, i, 0);
                mean += xi * buffer.getDouble(copy + meanOffset + 8 * i);
                // four independent sums: the row's products do not wait on one chain of additions
                double r0 = 0.5 * xi * buffer.getDouble(rowStart + 8 * i);
                double r1 = 0.0;
                double r2 = 0.0;
                double r3 = 0.0;
                int q = p + 1;
                for (; q + 3 < n; q += 4) {
                    final int j0 = nz[q];
                    final int j1 = nz[q + 1];
                    final int j2 = nz[q + 2];
                    final int j3 = nz[q + 3];
                    r0 += v[j0] * buffer.getDouble(rowStart + 8 * j0);
                    r1 += v[j1] * buffer.getDouble(rowStart + 8 * j1);
                    r2 += v[j2] * buffer.getDouble(rowStart + 8 * j2);
                    r3 += v[j3] * buffer.getDouble(rowStart + 8 * j3);
                }
                for (; q < n; q++) {
                    final int j = nz[q];
                    r0 += v[j] * buffer.getDouble(rowStart + 8 * j);
                }
                quadratic += xi * ((r0 + r1) + (r2 + r3));
            }
            final long count = buffer.getLong(copy + COUNT_OFFSET);
            VarHandle.loadLoadFence(); // the data loads above complete before the sequence is read again
            if (buffer.getLong(copy + SEQUENCE_OFFSET) == sequence) {
                into[0] = mean;
                into[1] = Math.max(0.0, 2.0 * quadratic);
                return count;
            }
        }
    }

    /**
     * A consistent copy of a variant's published mean ({@code d}) and covariance ({@code d x d}, row-major). Any
     * thread; for reports and tests.
     *
     * @return the number of observations in the copy
     */
    public long copyPublished(int ordinal, double[] mean, double[] covariance) {
        final int rec = record(ordinal);
        while (true) {
            final int copy = publishedCopy(rec);
            final long sequence = buffer.getLongAcquire(copy + SEQUENCE_OFFSET);
            if ((sequence & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            for (int i = 0; i < d; i++) {
                mean[i] = buffer.getDouble(copy + meanOffset + 8 * i);
                for (int j = 0; j < d; j++) {
                    covariance[i * d + j] = buffer.getDouble(algebra.at(copy, covarianceOffset, i, j));
                }
            }
            final long count = buffer.getLong(copy + COUNT_OFFSET);
            VarHandle.loadLoadFence(); // the data loads above complete before the sequence is read again
            if (buffer.getLong(copy + SEQUENCE_OFFSET) == sequence) {
                return count;
            }
        }
    }

    /** Observations applied, over all variants. */
    public long applied() {
        return buffer.getLongAcquire(APPLIED_OFFSET);
    }

    /**
     * Observations and retractions refused because the ring was full (lost to this model); replayed observations and
     * positions refused are not counted: their caller offers them again.
     */
    public long rejected() {
        return buffer.getLongAcquire(REJECTED_OFFSET);
    }

    /** Flushes a mapped table to its file (no-op for direct memory). */
    public void force() {
        if (mapped != null) {
            mapped.force();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mapped != null) {
            buffer.putLongRelease(CLEAN_CLOSE_OFFSET, 1);
            mapped.force();
            IoUtil.unmap(mapped);
        }
    }
}

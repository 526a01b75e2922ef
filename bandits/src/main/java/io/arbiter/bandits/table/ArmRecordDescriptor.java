package io.arbiter.bandits.table;

/**
 * Layout of one arm's record in a {@link PosteriorTable}: 128 bytes, two cache lines, so that neighbouring arms
 * updated from different cores never share a line (the adjacent-line prefetcher pairs lines, as Agrona's counters
 * assume).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------------------------------------+
 *  |                 TRIALS (long, rewards observed)             |   0
 *  |                 SUCCESSES (long, rewards equal to 1)        |   8
 *  |                 REWARD_SUM (double bits)                    |  16
 *  |                 REWARD_SQUARE_SUM (double bits)             |  24
 *  |                 DECISIONS (long, times chosen)              |  32
 *  |                 LAST_UPDATE_MILLIS (long)                   |  40
 *  |                 DECAY_ERA (long; negative while switching)  |  48
 *  |                 DECAYED_WRITERS (long, updates in flight)   |  56
 *  +-------------------------------------------------------------+
 *  |  SLOT 0: DECAYED_WEIGHT, DECAYED_REWARD, DECAYED_SQUARE,pad |  64
 *  |  SLOT 1: DECAYED_WEIGHT, DECAYED_REWARD, DECAYED_SQUARE,pad |  96
 *  +-------------------------------------------------------------+
 * </pre>
 *
 * <p>The exact counters (first line) only ever grow by atomic add, so totals are exact under any number of writers.
 * The decayed sums use growing weights: an update at time {@code t} adds {@code w = 2^((t - epoch) / halfLife)}
 * (minus its era's offset), so decay is implicit and every update stays a commutative atomic add. To keep the weights
 * finite the time axis is cut into eras of {@link #ERA_HALF_LIVES} half-lives; even eras use slot 0, odd eras slot 1,
 * and data two eras old (weight below 2<sup>-512</sup>) is cleared when its slot is reused.
 *
 * <p>{@code DECAYED_WRITERS} counts the decayed updates between announcing themselves and finishing their three adds,
 * so that {@link PosteriorTable#clearDecayed} can wait them out before it zeroes the slots (a slot zeroed under a
 * half-done add would keep the reward of an update but not its weight). It took the first line's padding; files
 * written before it have 0 there, which is its idle value, so the layout version did not change.
 */
public final class ArmRecordDescriptor {
    public static final int CACHE_LINE_LENGTH = 64;
    public static final int RECORD_LENGTH = 2 * CACHE_LINE_LENGTH;

    public static final int TRIALS_OFFSET = 0;
    public static final int SUCCESSES_OFFSET = 8;
    public static final int REWARD_SUM_OFFSET = 16;
    public static final int REWARD_SQUARE_SUM_OFFSET = 24;
    public static final int DECISIONS_OFFSET = 32;
    public static final int LAST_UPDATE_MILLIS_OFFSET = 40;
    public static final int DECAY_ERA_OFFSET = 48;
    public static final int DECAYED_WRITERS_OFFSET = 56;

    public static final int SLOT_0_OFFSET = 64;
    public static final int SLOT_LENGTH = 32;
    public static final int SLOT_WEIGHT_OFFSET = 0;
    public static final int SLOT_REWARD_OFFSET = 8;
    public static final int SLOT_SQUARE_OFFSET = 16;

    /** Length of a decay era in half-lives; weights within an era stay below 2^512. */
    public static final int ERA_HALF_LIVES = 512;

    private ArmRecordDescriptor() {
    }

    /**
     * Offset, within a record, of the slot holding the decayed sums of {@code era}.
     *
     * @param era a decay era, 0 or more (even eras use slot 0, odd eras slot 1)
     */
    public static int slotOffset(long era) {
        return SLOT_0_OFFSET + (int) (era & 1) * SLOT_LENGTH;
    }
}

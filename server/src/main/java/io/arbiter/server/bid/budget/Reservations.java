package io.arbiter.server.bid.budget;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongArrayList;

/**
 * Outstanding budget reservations by bid nonce, so a billing notice settles exactly the reservation its bid made, a
 * loss notice releases it, and {@link #expire} releases those that no notice came for. Each reservation is taken out
 * by exactly one of these (a removal under its shard's lock wins once), so none is settled or released twice.
 *
 * <p><b>Layout, and why.</b> Every bid adds one and most live until their timeout (30 s by default: ~90,000 at 3,000
 * bids/s). Kept as boxed map entries they would cost three objects per bid that survive young collections and are
 * copied at every one of them, lengthening young pauses (measured in docs/BENCHMARKS.md).
 * Here they are primitives in {@value #SHARDS} shards (by default), each two open-addressing {@code long -> long}
 * maps (Agrona): nonce to {@code campaign slot << 40 | micros} and nonce to expiry time; nothing per bid is allocated
 * once a shard's arrays have grown. Each shard is guarded by its own monitor, held for a map operation or, in {@link
 * #expire}, for one scan of that shard (about 1,500 entries at the rate above); the bid path takes one uncontended lock
 * per bid.
 */
public final class Reservations {
    static final int SHARDS = 64;
    private static final long MISSING = Long.MIN_VALUE;
    private static final int MICROS_BITS = 40;
    /** Largest single reservation: 2^40 - 1 micros (about 1.1 million currency units, a 1.1e9 CPM bid). */
    public static final long MAX_MICROS = (1L << MICROS_BITS) - 1;

    private final Shard[] shards;
    private final int shardShift;
    private final BudgetLedger ledger;

    private static final class Shard {
        final Long2LongHashMap amounts = new Long2LongHashMap(MISSING); // nonce -> slot << 40 | micros
        final Long2LongHashMap expiries = new Long2LongHashMap(MISSING); // nonce -> expires at (ms)
        final LongArrayList due = new LongArrayList(); // expire()'s scratch, used under the lock
    }

    public Reservations(BudgetLedger ledger) {
        this(ledger, SHARDS);
    }

    /** With {@code shards} shards, a power of two (tests use 1 to make every operation contend). */
    public Reservations(BudgetLedger ledger, int shards) {
        if (shards < 1 || Integer.bitCount(shards) != 1) {
            throw new IllegalArgumentException("shards must be a power of two, was " + shards);
        }
        this.ledger = ledger;
        this.shards = new Shard[shards];
        this.shardShift = 64 - Integer.numberOfTrailingZeros(shards);
        for (int i = 0; i < shards; i++) {
            this.shards[i] = new Shard();
        }
    }

    private Shard shard(long nonce) {
        return shardShift == 64 ? shards[0] : shards[(int) (nonce >>> shardShift)]; // top bits; maps hash the key
    }

    /** Records bid {@code nonce}'s reservation of {@code micros} on campaign {@code slot} until its expiry. */
    public void add(long nonce, int slot, long micros, long expiresAtMillis) {
        if (slot < 0 || micros < 0 || micros > MAX_MICROS) {
            throw new IllegalArgumentException("reservation out of range: slot " + slot + ", micros " + micros);
        }
        final Shard s = shard(nonce);
        synchronized (s) {
            s.amounts.put(nonce, (long) slot << MICROS_BITS | micros);
            s.expiries.put(nonce, expiresAtMillis);
        }
    }

    /**
     * Keeps the reservation of bid {@code nonce} until {@code expiresAtMillis} (a win notice: the billing notice is
     * coming, possibly much later than a loss would); never shortens it. False if none is open.
     */
    public boolean extend(long nonce, long expiresAtMillis) {
        final Shard s = shard(nonce);
        synchronized (s) {
            final long current = s.expiries.get(nonce);
            if (current == MISSING) {
                return false;
            }
            if (expiresAtMillis > current) {
                s.expiries.put(nonce, expiresAtMillis);
            }
            return true;
        }
    }

    /** Takes the reservation of bid {@code nonce} out; returns its amount, or 0 if none is open (settled, expired). */
    public long take(long nonce) {
        final long packed = remove(nonce);
        return packed == MISSING ? 0 : micros(packed);
    }

    /** Releases a reservation back to its campaign (loss notice); false if none was open. */
    public boolean release(long nonce) {
        final long packed = remove(nonce);
        if (packed == MISSING) {
            return false;
        }
        ledger.release(slot(packed), micros(packed));
        return true;
    }

    private long remove(long nonce) {
        final Shard s = shard(nonce);
        synchronized (s) {
            final long packed = s.amounts.remove(nonce);
            if (packed != MISSING) {
                s.expiries.remove(nonce);
            }
            return packed;
        }
    }

    /**
     * Releases every reservation whose time is up; returns how many. Scans one shard at a time under its lock (a
     * worker thread, once a second), so a bid or notice waits at most for one shard's scan.
     */
    public int expire(long nowMillis) {
        int released = 0;
        for (final Shard s : shards) {
            synchronized (s) {
                final LongArrayList due = s.due;
                due.clear();
                s.expiries.forEachLong((nonce, expiresAt) -> {
                    if (expiresAt <= nowMillis) {
                        due.addLong(nonce);
                    }
                });
                for (int i = 0; i < due.size(); i++) {
                    final long nonce = due.getLong(i);
                    s.expiries.remove(nonce);
                    final long packed = s.amounts.remove(nonce);
                    ledger.release(slot(packed), micros(packed));
                }
                released += due.size();
            }
        }
        return released;
    }

    public int size() {
        int size = 0;
        for (final Shard s : shards) {
            synchronized (s) {
                size += s.amounts.size();
            }
        }
        return size;
    }

    private static int slot(long packed) {
        return (int) (packed >>> MICROS_BITS);
    }

    private static long micros(long packed) {
        return packed & MAX_MICROS;
    }
}

package io.arbiter.server.bid.budget;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Outstanding budget reservations by bid nonce, so a billing notice settles exactly the reservation its bid made, a
 * loss notice releases it, and {@link #expire} releases those that no notice came for. Each reservation is taken out
 * of the map by exactly one of these (a {@code remove} wins once), so none is settled or released twice.
 */
public final class Reservations {
    private record Reservation(int slot, long micros, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<Long, Reservation> open = new ConcurrentHashMap<>();
    private final BudgetLedger ledger;

    public Reservations(BudgetLedger ledger) {
        this.ledger = ledger;
    }

    public void add(long nonce, int slot, long micros, long expiresAtMillis) {
        open.put(nonce, new Reservation(slot, micros, expiresAtMillis));
    }

    /**
     * Keeps the reservation of bid {@code nonce} until {@code expiresAtMillis} (a win notice: the billing notice is
     * coming, possibly much later than a loss would); false if none is open.
     */
    public boolean extend(long nonce, long expiresAtMillis) {
        while (true) {
            final Reservation r = open.get(nonce);
            if (r == null) {
                return false;
            }
            if (r.expiresAtMillis() >= expiresAtMillis
                || open.replace(nonce, r, new Reservation(r.slot(), r.micros(), expiresAtMillis))) {
                return true;
            }
        }
    }

    /** Takes the reservation of bid {@code nonce} out; returns its amount, or 0 if none is open (settled, expired). */
    public long take(long nonce) {
        final Reservation r = open.remove(nonce);
        return r == null ? 0 : r.micros();
    }

    /** Releases a reservation back to its campaign (loss notice); false if none was open. */
    public boolean release(long nonce) {
        final Reservation r = open.remove(nonce);
        if (r == null) {
            return false;
        }
        ledger.release(r.slot(), r.micros());
        return true;
    }

    /**
     * Releases every reservation whose time is up; returns how many. A scan of all open reservations, so it runs off
     * the event loops (a worker thread, once a second); concurrent settles and releases are safe (each reservation
     * leaves the map exactly once).
     */
    public int expire(long nowMillis) {
        int released = 0;
        for (Iterator<Map.Entry<Long, Reservation>> it = open.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<Long, Reservation> entry = it.next();
            final Reservation r = entry.getValue();
            if (r.expiresAtMillis() <= nowMillis && open.remove(entry.getKey(), r)) {
                ledger.release(r.slot(), r.micros());
                released++;
            }
        }
        return released;
    }

    public int size() {
        return open.size();
    }
}

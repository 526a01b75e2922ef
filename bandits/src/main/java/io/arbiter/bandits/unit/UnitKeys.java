package io.arbiter.bandits.unit;

import io.arbiter.bandits.random.SplitMix64;

/**
 * 64-bit keys for the per-unit stores: a hash of the unit's identifier, then a key for (scope, unit, slot).
 *
 * <p><b>Collisions.</b> For a fixed scope and slot, {@link #key} is a bijection of the unit hash (SplitMix64's
 * finaliser is invertible), so two units of the same experiment and variant share an entry only if their 64-bit
 * {@link #unitHash}es are equal. Across scopes and slots, two entries share a key with probability about
 * 2<sup>-64</sup> per pair; with {@code N} live entries, a given unit shares its entry with another with probability
 * below {@code N / 2^63} (1.1&middot;10<sup>-12</sup> at ten million entries). A shared entry can only make a unit's
 * count too high (a cap reached early) or give it another unit's sticky variant; {@code UnitKeysTest} and the stores'
 * tests check that distinct keys never share a count. {@link #unitHash} is not collision-resistant against someone
 * who chooses identifiers to collide; such a unit could only lower another unit's impressions.
 *
 * <p><b>Frequency caps.</b> The experiments' caps keep a unit's group of eight variants in one record of {@code
 * FrequencyCapStore}: the key is {@link #key}{@code (scope, unit, ordinal / 8)} and the variant's count is word {@code
 * ordinal % 8} of the record, so reading the caps of eight variants touches one record.
 */
public final class UnitKeys {
    private static final long FNV_OFFSET = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;
    private static final long SCOPE_SALT = 0x9E3779B97F4A7C15L;
    private static final long SLOT_SALT = 0xD1B54A32D192ED03L;

    private UnitKeys() {
    }

    /**
     * A 64-bit hash of a unit identifier, allocation-free: FNV-1a over the UTF-16 code units (each folded in whole),
     * then SplitMix64's finaliser, which spreads every input bit over the whole word.
     *
     * @param unit the identifier (any length)
     */
    public static long unitHash(CharSequence unit) {
        long h = FNV_OFFSET;
        final int length = unit.length();
        for (int i = 0; i < length; i++) {
            h = (h ^ unit.charAt(i)) * FNV_PRIME;
        }
        return SplitMix64.mix(h ^ length);
    }

    /**
     * The store key of (scope, unit, slot): never 0 (the empty marker).
     *
     * @param scope    what the entry belongs to (an experiment's id, or a campaign's), any value
     * @param unitHash the unit's {@link #unitHash} (or the server's own 64-bit unit hash)
     * @param slot     the variant's (or creative's) slot, any value; pass 0 for per-unit entries
     */
    public static long key(long scope, long unitHash, long slot) {
        return saltedKey(salt(scope, slot), unitHash);
    }

    /**
     * The part of {@link #key}{@code (scope, unitHash, slot)} that does not depend on the unit: computed once per
     * (scope, slot), it leaves one SplitMix64 round per key ({@link #saltedKey}) instead of three.
     */
    public static long salt(long scope, long slot) {
        return SplitMix64.mix(scope * SCOPE_SALT + SplitMix64.mix(slot + SLOT_SALT));
    }

    /** {@link #key}{@code (scope, unitHash, slot)} from {@link #salt}{@code (scope, slot)}: the same key. */
    public static long saltedKey(long salt, long unitHash) {
        final long key = SplitMix64.mix(unitHash + salt);
        return key == 0 ? 1 : key; // shares key 1 with one other (scope, unit, slot): probability 2^-64
    }

    /** The store key of (scope, unit) for entries that are per unit, such as sticky assignments. */
    public static long key(long scope, long unitHash) {
        return key(scope, unitHash, 0);
    }
}

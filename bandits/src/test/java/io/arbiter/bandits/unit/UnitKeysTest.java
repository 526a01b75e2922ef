package io.arbiter.bandits.unit;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class UnitKeysTest {

    /**
     * 2,000,000 identifiers of the shapes units take (sequential ids, UUID strings): all hashes distinct, and the keys
     * of the first million distinct across 3 scopes and 2 slots. (A random 64-bit function collides somewhere among 6
     * million keys with probability 1e-6.)
     */
    @Test
    void distinctUnitsGetDistinctHashesAndKeys() {
        final int units = 1_000_000;
        final long[] hashes = new long[2 * units];
        final long[] keys = new long[6 * units];
        for (int i = 0; i < units; i++) {
            hashes[2 * i] = UnitKeys.unitHash("user-" + i);
            hashes[2 * i + 1] = UnitKeys.unitHash(new UUID(i * 0x9E3779B97F4A7C15L, i).toString());
            for (int scope = 0; scope < 3; scope++) {
                for (int slot = 0; slot < 2; slot++) {
                    keys[6 * i + 2 * scope + slot] = UnitKeys.key(scope + 1, hashes[2 * i], slot);
                }
            }
        }
        assertEquals(0, duplicates(hashes), "unit hashes collided");
        assertEquals(0, duplicates(keys), "keys collided");
    }

    private static int duplicates(long[] values) {
        Arrays.sort(values);
        int duplicates = 0;
        for (int i = 1; i < values.length; i++) {
            duplicates += values[i] == values[i - 1] ? 1 : 0;
        }
        return duplicates;
    }

    @Test
    void hashesDependOnEveryCharacterAndTheLength() {
        assertNotEquals(UnitKeys.unitHash("ab"), UnitKeys.unitHash("ba"));
        assertNotEquals(UnitKeys.unitHash(""), UnitKeys.unitHash("\0"));
        assertNotEquals(UnitKeys.unitHash("a"), UnitKeys.unitHash("a\0"));
        assertEquals(UnitKeys.unitHash("visitor-42"), UnitKeys.unitHash(new StringBuilder("visitor-42")));
        assertNotEquals(UnitKeys.key(1, 5, 0), UnitKeys.key(2, 5, 0));
        assertNotEquals(UnitKeys.key(1, 5, 0), UnitKeys.key(1, 5, 1));
        assertEquals(UnitKeys.key(1, 5, 0), UnitKeys.key(1, 5));
    }

    @Test
    void keysAreNeverZero() {
        for (long unit = -1_000; unit < 1_000_000; unit++) {
            assertNotEquals(0L, UnitKeys.key(7, unit, 3));
        }
    }

    /**
     * Keys stay what they were before the salts could be computed apart: files on disk (sticky assignments, caps) are
     * filed under them. The three values were printed by the code before {@link UnitKeys#salt} existed; and a key
     * from a precomputed salt equals the key.
     */
    @Test
    void keysAreStableAndASaltedKeyIsTheKey() {
        assertEquals(-7801167556809605022L, UnitKeys.key(1, 2, 3));
        assertEquals(-2544300575040216620L, UnitKeys.key(-7, UnitKeys.unitHash("user-42"), 0));
        assertEquals(4228768706925599165L, UnitKeys.key(0x5EEDL, 0, 1));
        for (long scope = -3; scope < 3; scope++) {
            for (long slot = 0; slot < 20; slot++) {
                final long salt = UnitKeys.salt(scope, slot);
                for (long unit = 0; unit < 50; unit++) {
                    final long hash = UnitKeys.unitHash("u" + unit);
                    assertEquals(UnitKeys.key(scope, hash, slot), UnitKeys.saltedKey(salt, hash));
                }
            }
        }
    }
}

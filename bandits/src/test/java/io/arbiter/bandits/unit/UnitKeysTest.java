package io.arbiter.bandits.unit;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnitKeysTest {

    /**
     * 2,000,000 identifiers of the shapes units take (sequential ids, UUID strings): all hashes distinct, and the keys
     * of the first million distinct across 3 scopes and 2 slots. (A random 64-bit function collides somewhere among 6
     * million keys with probability 1e-6.)
     */
    @Test
    void distinctUnitsGetDistinctHashesAndKeys() {
        final Set<Long> hashes = new HashSet<>();
        final Set<Long> keys = new HashSet<>();
        for (int i = 0; i < 1_000_000; i++) {
            final long a = UnitKeys.unitHash("user-" + i);
            final long b = UnitKeys.unitHash(new java.util.UUID(i * 0x9E3779B97F4A7C15L, i).toString());
            assertTrue(hashes.add(a) && hashes.add(b), "hash collision at " + i);
            for (long scope = 1; scope <= 3; scope++) {
                for (int slot = 0; slot < 2; slot++) {
                    assertTrue(keys.add(UnitKeys.key(scope, a, slot)), "key collision at " + i);
                }
            }
        }
        assertEquals(2_000_000, hashes.size());
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
}

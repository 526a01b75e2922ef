package io.arbiter.bandits.random;

/**
 * The xoroshiro128++ generator (Blackman and Vigna, 2019), seeded through SplitMix64.
 *
 * <p><b>Single writer.</b> An instance is owned by one thread (one per event loop, one per simulator run); it has no
 * synchronisation at all, which is what makes it cheap (a few instructions per {@link #nextLong()}).
 * Period 2<sup>128</sup>&minus;1; passes BigCrush. Not for cryptography.
 */
public final class Xoroshiro128PlusPlus {
    private long s0;
    private long s1;

    /** @param seed any value, expanded through SplitMix64 (0 is as good as any other) */
    public Xoroshiro128PlusPlus(long seed) {
        long z = seed;
        z += 0x9E3779B97F4A7C15L;
        s0 = SplitMix64.mix(z);
        z += 0x9E3779B97F4A7C15L;
        s1 = SplitMix64.mix(z);
        if ((s0 | s1) == 0) {
            s1 = 1; // the all-zero state is the generator's only fixed point
        }
    }

    /** 64 uniformly random bits. */
    public long nextLong() {
        final long a = s0;
        long b = s1;
        final long result = Long.rotateLeft(a + b, 17) + a;
        b ^= a;
        s0 = Long.rotateLeft(a, 49) ^ b ^ (b << 21);
        s1 = Long.rotateLeft(b, 28);
        return result;
    }

    /** Uniform on [0, 1), 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform on (0, 1): never 0, so its logarithm and reciprocal powers are finite. */
    public double nextDoubleOpen() {
        return ((nextLong() >>> 11) + 0.5) * 0x1.0p-53;
    }

    /**
     * Uniform on [0, bound), without modulo bias (Lemire's multiply-shift with rejection).
     *
     * @param bound 1 to {@link Integer#MAX_VALUE}
     */
    public int nextInt(int bound) {
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFF_FFFFL;
        if (low < bound) {
            final long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFF_FFFFL;
            }
        }
        return (int) (m >>> 32);
    }
}

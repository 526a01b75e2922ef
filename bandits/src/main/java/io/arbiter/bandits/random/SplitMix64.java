package io.arbiter.bandits.random;

/** SplitMix64's finaliser (Steele, Lea and Flood, 2014): used to expand one seed into well-mixed state words. */
public final class SplitMix64 {
    private SplitMix64() {
    }

    /**
     * The finaliser: a bijection of the 64-bit words that spreads every input bit over the output.
     *
     * @param z any value
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A seed for stream {@code index} derived from a base seed, so parallel runs get independent generators.
     *
     * @param baseSeed any value
     * @param index    the stream's number, any value (0, 1, 2... for runs or threads)
     */
    public static long derive(long baseSeed, long index) {
        return mix(baseSeed + mix(index + 0x9E3779B97F4A7C15L));
    }
}

package io.arbiter.bandits.eval.digits;

import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * A simulated decision log over the digits: each row draws an image uniformly (with replacement), the logging policy
 * draws a class from its probabilities for that image, and the reward is 1 when the class is the image's label,
 * 0 otherwise. The context key is the logging classifier's own best guess (a "segment" of ten values), the features
 * are the 64 pixels. Every label is known, so every policy's true value is known exactly.
 */
public final class DigitsLog {
    private final DigitsData data;
    private final double[][] logging;
    private final int[] segment;
    private final Xoroshiro128PlusPlus rng;
    private long time;
    private int current = -1;

    /**
     * @param data    the images
     * @param logging the logging policy: {@code logging[i][a]}, the probability of class {@code a} on image {@code i}
     * @param segment the context key of each image
     * @param seed    seed of this log
     */
    public DigitsLog(DigitsData data, double[][] logging, int[] segment, long seed) {
        this.data = data;
        this.logging = logging;
        this.segment = segment;
        this.rng = new Xoroshiro128PlusPlus(seed);
    }

    /** Fills {@code row} (which must have 64 feature dimensions) with the next logged decision. */
    public void next(LoggedDecision row) {
        final int i = rng.nextInt(data.size());
        current = i;
        final double[] mu = logging[i];
        final double u = rng.nextDouble();
        int a = 0;
        double cdf = mu[0];
        while (u >= cdf && a < mu.length - 1) {
            a++;
            cdf += mu[a];
        }
        final double reward = a == data.labels()[i] ? 1.0 : 0.0;
        System.arraycopy(data.features()[i], 0, row.features(), 0, DigitsData.DIMENSIONS);
        row.set(time++, segment[i], a, mu[a], reward, 1.0, reward > 0 ? LoggedDecision.REWARD_OBSERVED : 0);
    }

    /**
     * The image of the row last filled: the study's policies look their probabilities up by it (a function of the
     * context alone) instead of recomputing them from the pixels on every row.
     */
    public int current() {
        return current;
    }
}

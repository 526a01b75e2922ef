package io.arbiter.bandits.table;

/**
 * A caller-owned holder for {@link PosteriorTable#readDecayed}: the decayed weight (effective number of trials), the
 * decayed reward sum and the decayed sum of squared rewards. Reused, so reading allocates nothing.
 */
public final class DecayedSums {
    private double weight;
    private double rewardSum;
    private double rewardSquareSum;

    void set(double weight, double rewardSum, double rewardSquareSum) {
        this.weight = weight;
        this.rewardSum = rewardSum;
        this.rewardSquareSum = rewardSquareSum;
    }

    public double weight() {
        return weight;
    }

    public double rewardSum() {
        return rewardSum;
    }

    public double rewardSquareSum() {
        return rewardSquareSum;
    }
}

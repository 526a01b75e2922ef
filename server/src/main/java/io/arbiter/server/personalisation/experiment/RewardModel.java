package io.arbiter.server.personalisation.experiment;

/** How an experiment's rewards are modelled. */
public enum RewardModel {
    /** Rewards are 0 or 1 (click or not); Beta-Bernoulli Thompson sampling. */
    BERNOULLI,
    /** Rewards are any finite number (revenue); Gaussian Thompson sampling with unknown variance. */
    GAUSSIAN;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

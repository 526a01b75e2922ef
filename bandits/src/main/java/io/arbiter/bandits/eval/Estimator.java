package io.arbiter.bandits.eval;

import java.util.Locale;

/** The estimators an evaluation computes. See {@code docs/evaluation.md} for what each assumes. */
public enum Estimator {
    /** Inverse propensity scoring: {@code sum s w r / sum s}. Unbiased; variance grows with the weights. */
    IPS,
    /** Self-normalised IPS: {@code sum s w r / sum s w}. Slightly biased, bounded by the rewards, lower variance. */
    SNIPS,
    /** Doubly robust: the reward model's prediction under the candidate plus the IPS-weighted residual. */
    DR,
    /** Replay (Li et al. 2011, rejection sampling for non-uniform logs): the mean reward of the accepted rows. */
    REPLAY;

    /** The name used in JSON and on the command line ("ips", "snips", "dr", "replay"). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The estimator named {@code key}, case-insensitive.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static Estimator of(String key) {
        for (final Estimator e : values()) {
            if (e.key().equalsIgnoreCase(key)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown estimator '" + key + "' (known: ips, snips, dr, replay)");
    }
}

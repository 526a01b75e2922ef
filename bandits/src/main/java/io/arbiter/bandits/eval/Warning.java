package io.arbiter.bandits.eval;

import java.util.Locale;

/**
 * Something the log cannot support, in words an analyst can act on. {@link Code} is stable (for programs); the
 * message carries the numbers. docs/evaluation.md explains each code.
 */
public record Warning(Code code, String message) {

    /** What went wrong. */
    public enum Code {
        /** The window held no usable rows. */
        NO_ROWS,
        /** Rows were skipped as malformed (action out of range, propensity outside [0, 1], non-finite reward). */
        INVALID_ROWS,
        /** Rows arrived out of time order (learning candidates and the reward model assume time order). */
        OUT_OF_ORDER_ROWS,
        /** Rows the estimate uses had logged propensities below the floor: their weight was capped. */
        PROPENSITY_FLOOR,
        /** Importance weights were clipped: the estimate is biased (towards smaller values for positive rewards). */
        CLIPPED_WEIGHTS,
        /** The effective sample size is below the threshold: the log barely covers this candidate's choices. */
        LOW_EFFECTIVE_SAMPLE_SIZE,
        /** The candidate chooses variants the log never served in that context: nothing there was observed. */
        UNSUPPORTED_ACTIONS,
        /** Rewards arrived whose decision row is missing from the log (dropped): the estimate covers the rest. */
        MISSING_DECISIONS,
        /** More distinct context keys than the cap: later keys were pooled in one cell. */
        CONTEXT_KEYS_OVER_CAP,
        /** The replay accepted few rows: its estimate rests on them alone. */
        REPLAY_FEW_ACCEPTED,
        /** The replay's acceptance probability exceeded 1 on some rows (replayScale above the smallest propensity). */
        REPLAY_SCALE_EXCEEDED;

        /** The code as it appears in JSON ("low-effective-sample-size"). */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}

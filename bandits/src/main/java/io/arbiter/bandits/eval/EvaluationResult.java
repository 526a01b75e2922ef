package io.arbiter.bandits.eval;

import java.util.List;

/**
 * A snapshot of an evaluation (final, or progress while rows are still coming).
 *
 * @param rowsRead               rows offered to {@link OffPolicyEvaluation#add}
 * @param rowsUsed               rows that entered the estimates
 * @param holdoutRows            rows skipped as holdout
 * @param invalidRows            rows skipped as malformed
 * @param outOfOrderRows         rows older than the row before them (used, counted)
 * @param flooredPropensities    used rows whose logged propensity was below the floor
 * @param loggedDecisions        {@code sum s} over used rows: the decisions the (sampled) log stands for
 * @param meanLoggedReward       {@code sum s r / sum s}: the logging policy's value on the log
 * @param missingDecisions       rewards whose decision row was missing ({@link OffPolicyEvaluation#addMissingDecision})
 * @param droppedDecisions       decision rows known to be missing ({@link OffPolicyEvaluation#addDroppedDecisions})
 * @param missingFraction        share of decision rows missing: from the known count when given, else estimated
 *                               from the rewards without a decision row; NaN when it cannot be estimated
 * @param rewardMin              smallest reward seen (rows and missing-decision rewards)
 * @param rewardMax              largest reward seen
 * @param contextKeys            distinct context keys with their own cell
 * @param contextKeyOverflowRows rows whose key was pooled beyond the cap
 * @param candidates             per candidate, in the order given
 * @param warnings               warnings about the log as a whole (also at the head of every candidate's list)
 */
public record EvaluationResult(long rowsRead, long rowsUsed, long holdoutRows, long invalidRows, long outOfOrderRows,
                               long flooredPropensities, double loggedDecisions, double meanLoggedReward,
                               long missingDecisions, double droppedDecisions, double missingFraction,
                               double rewardMin, double rewardMax,
                               long contextKeys, long contextKeyOverflowRows, List<CandidateResult> candidates,
                               List<Warning> warnings) {

    /** The candidate named {@code name}, or null. */
    public CandidateResult candidate(String name) {
        for (final CandidateResult c : candidates) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The result as JSON, in the shape of the server's evaluation answer (see docs/evaluation.md). */
    public String toJson() {
        return EvaluationJson.write(this);
    }
}

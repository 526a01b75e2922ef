package io.arbiter.bandits.eval;

import java.util.List;
import java.util.Map;

/**
 * One candidate's answer.
 *
 * @param name                 the candidate's name
 * @param estimates            per estimator asked for
 * @param effectiveSampleSize  Kish's {@code (sum s w)^2 / sum (s w)^2}, in logged rows: how many on-policy rows the
 *                             weighted log is worth
 * @param weightedRows         rows with a positive importance weight (where the candidate could have agreed)
 * @param clippedWeights       rows whose weight was clipped
 * @param flooredPropensities  rows with a positive weight whose propensity was raised to the floor
 * @param unsupportedShare     share of the candidate's choices (probability mass) on (context, variant) pairs the
 *                             log never served
 * @param replayAcceptedRows   rows the replay accepted (the ones a learning candidate learned from)
 * @param replayScaleExceeded  rows where the replay's acceptance probability exceeded 1
 * @param warnings             what the log cannot support, the evaluation's own warnings first
 */
public record CandidateResult(String name, Map<Estimator, Estimate> estimates, double effectiveSampleSize,
                              long weightedRows, long clippedWeights, long flooredPropensities,
                              double unsupportedShare, long replayAcceptedRows, long replayScaleExceeded,
                              List<Warning> warnings) {

    /** The estimate of {@code e}, or null when it was not asked for. */
    public Estimate estimate(Estimator e) {
        return estimates.get(e);
    }
}

package io.arbiter.bandits.eval;

import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adding rows allocates nothing: measured with the JVM's per-thread allocation counter around 200,000 rows after
 * warm-up, for every candidate kind (logged, fixed, uniform, a table policy, the one-sample path, a learning
 * Thompson candidate and one under share bounds, per context), every estimator, 200 bootstrap replicates, and each
 * reward model. The bound (8 KiB for 200,000 rows) leaves room for a stray JIT or counter artefact but not for one
 * object per row.
 */
class EvaluationAllocationTest {
    static final int ROWS = 200_000;

    @Test
    void addingRowsAllocatesNothing() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        for (final RewardModel.Factory model : List.of(RewardModel.contextMeans(2), RewardModel.ridge(3, 1))) {
            final KeyedLog log = KeyedLog.random(20, 4, 0.2, 1, 2);
            final OffPolicyEvaluation eval = new OffPolicyEvaluation(new EvaluationConfig(4).rewardModel(model)
                .replayScale(0.05), List.of(
                    new OffPolicyEvaluation.Candidate("logged", Candidates.logged()),
                    new OffPolicyEvaluation.Candidate("fixed", Candidates.fixed(4, 1)),
                    new OffPolicyEvaluation.Candidate("uniform", Candidates.uniform(4)),
                    new OffPolicyEvaluation.Candidate("greedy", KeyedLog.table(log.greedy(0.5))),
                    new OffPolicyEvaluation.Candidate("sampled", KeyedLog.sampled(log.greedy(0.5))),
                    new OffPolicyEvaluation.Candidate("thompson",
                        new BanditCandidate(new BetaBernoulliThompson(), 4, 0, 3)),
                    new OffPolicyEvaluation.Candidate("bounded", new BoundedCandidate(
                        new BanditCandidate(new BetaBernoulliThompson(), 4, 0, 4),
                        ShareBounds.of(new double[] {0.1, 0.1, 0.1, 0.1}, new double[] {1, 1, 1, 0.5}),
                        new int[] {0, 1, 2, 3}, 1_000, 1_000, 64, 5)),
                    new OffPolicyEvaluation.Candidate("bounded-by-context", new BoundedCandidate(
                        KeyedLog.sampled(log.greedy(0.5)), ShareBounds.minShare(4, 0.1), new int[] {0, 1, 2, 3},
                        1_000, 1_000, 64, 6))));
            final LoggedDecision row = new LoggedDecision(3);
            for (int round = 0; round < 2; round++) { // round 0 warms up (and lets the JIT compile)
                final long before = threads.getThreadAllocatedBytes(me);
                for (int i = 0; i < ROWS; i++) {
                    log.next(row);
                    row.features()[0] = row.contextKey();
                    row.features()[1] = i & 7;
                    row.features()[2] = 1;
                    eval.add(row);
                }
                final long allocated = threads.getThreadAllocatedBytes(me) - before;
                if (round == 1) {
                    assertTrue(allocated < 8192, model.create(4, 1).name() + ": allocated " + allocated
                        + " bytes in " + ROWS + " rows");
                }
            }
            assertTrue(eval.result().rowsUsed() == 2L * ROWS);
        }
    }
}

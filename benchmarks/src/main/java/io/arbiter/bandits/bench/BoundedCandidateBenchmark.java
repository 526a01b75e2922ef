package io.arbiter.bandits.bench;

import io.arbiter.bandits.eval.BanditCandidate;
import io.arbiter.bandits.eval.BoundedCandidate;
import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.Estimator;
import io.arbiter.bandits.eval.EvaluationConfig;
import io.arbiter.bandits.eval.OffPolicyEvaluation;
import io.arbiter.bandits.guard.ShareBounds;
import io.arbiter.bandits.policy.BetaBernoulliThompson;
import io.arbiter.bandits.policy.ThompsonPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One logged row through {@link OffPolicyEvaluation#add} with one learning Thompson candidate, plain
 * ({@code thompson}: one posterior draw per row) or under share bounds ({@code bounded}: {@link BoundedCandidate},
 * minShare 0.05 and max 0.6 for the first variant; a Monte-Carlo estimate of 4,000 draws per refresh, the bounded
 * allocation, and the served draw through the allocator). IPS and SNIPS with 200 bootstrap replicates, a uniform log
 * of 4 variants with rates 0.02–0.08. {@code rowsPerRefresh}: logged rows per second of log time, so how many rows
 * share one estimate (serving refreshes once a second: 100 is a log of 100 decisions a second, 1,000 of 1,000).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class BoundedCandidateBenchmark {
    private static final int ACTIONS = 4;

    @Param({"thompson", "bounded"})
    String candidate;
    @Param({"100", "1000"})
    int rowsPerRefresh;

    private SeededLog log;
    private OffPolicyEvaluation evaluation;
    private long next;
    private double millisPerRow;

    @Setup(Level.Trial)
    public void setUp() {
        log = new SeededLog(42, 1, null, new double[] {0.02, 0.04, 0.06, 0.08});
        millisPerRow = 1000.0 / rowsPerRefresh;
        final CandidatePolicy thompson = new BanditCandidate(new BetaBernoulliThompson(), ACTIONS, 0, 7);
        final CandidatePolicy policy = "thompson".equals(candidate) ? thompson : new BoundedCandidate(thompson,
            ShareBounds.of(new double[] {0.05, 0.05, 0.05, 0.05}, new double[] {0.6, 1, 1, 1}),
            new int[] {0, 1, 2, 3}, ThompsonPolicy.DEFAULT_PROPENSITY_DRAWS, BoundedCandidate.DEFAULT_REFRESH_MILLIS,
            BoundedCandidate.DEFAULT_CACHE_SLOTS, 8);
        evaluation = new OffPolicyEvaluation(new EvaluationConfig(ACTIONS).bootstrapReplicates(200)
            .estimators(EnumSet.of(Estimator.IPS, Estimator.SNIPS)).replayScale(1.0 / ACTIONS),
            List.of(new OffPolicyEvaluation.Candidate("c", policy)));
    }

    @Benchmark
    public boolean addRow() {
        final long time = (long) (next * millisPerRow);
        return evaluation.add(log.row(next++, time));
    }
}

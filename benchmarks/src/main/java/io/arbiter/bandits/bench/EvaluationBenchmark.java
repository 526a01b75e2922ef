package io.arbiter.bandits.bench;

import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.Candidates;
import io.arbiter.bandits.eval.Estimator;
import io.arbiter.bandits.eval.EvaluationConfig;
import io.arbiter.bandits.eval.OffPolicyEvaluation;
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

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One logged row through {@link OffPolicyEvaluation#add}: the per-row cost of the estimators, their bootstrap
 * replicates and the reward model, which bounds how many logged decisions per second an evaluation can read
 * (the server adds the cost of reading the rows from Postgres). The rows are pre-generated (64 context keys,
 * 4 variants, a skewed logging policy, 5% rewards) and replayed in a cycle so that generating them is not
 * measured.
 *
 * <p>{@code candidates}: {@code 1} is one fixed variant; {@code 4} adds uniform, the logging policy and a second
 * fixed variant. {@code estimators}: {@code ips} is IPS and SNIPS (no reward model); {@code all} adds DR (with
 * per-context means) and the replay.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class EvaluationBenchmark {
    private static final int ACTIONS = 4;

    @Param({"0", "200"})
    int replicates;
    @Param({"1", "4"})
    int candidates;
    @Param({"ips", "all"})
    String estimators;

    private SeededLog log;
    private OffPolicyEvaluation evaluation;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        log = new SeededLog(42, 64, new double[] {0.55, 0.25, 0.15, 0.05}, new double[] {0.05, 0.05, 0.05, 0.05});
        final List<OffPolicyEvaluation.Candidate> list = new ArrayList<>();
        final CandidatePolicy[] pool = {Candidates.fixed(ACTIONS, 1), Candidates.uniform(ACTIONS),
            Candidates.logged(), Candidates.fixed(ACTIONS, 3)};
        for (int c = 0; c < candidates; c++) {
            list.add(new OffPolicyEvaluation.Candidate("c" + c, pool[c]));
        }
        final EnumSet<Estimator> set = "ips".equals(estimators) ? EnumSet.of(Estimator.IPS, Estimator.SNIPS)
            : EnumSet.allOf(Estimator.class);
        evaluation = new OffPolicyEvaluation(new EvaluationConfig(ACTIONS).bootstrapReplicates(replicates)
            .estimators(set).replayScale(0.05), list);
    }

    @Benchmark
    public boolean addRow() {
        final int n = next++;
        return evaluation.add(log.row(n, next));
    }
}

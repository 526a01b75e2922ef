package io.arbiter.bandits.eval.digits;

import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.CandidateResult;
import io.arbiter.bandits.eval.Candidates;
import io.arbiter.bandits.eval.Estimate;
import io.arbiter.bandits.eval.Estimator;
import io.arbiter.bandits.eval.EvaluationConfig;
import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.eval.OffPolicyEvaluation;
import io.arbiter.bandits.eval.RewardModel;
import io.arbiter.bandits.random.SplitMix64;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ground-truth study of the estimators on full-information data, after Dudik, Langford and Li (2011): the digits
 * become a ten-armed contextual bandit, a known stochastic policy logs decisions, and IPS, SNIPS and DR (with two
 * reward models) estimate the value of target policies whose true value is known exactly. Over many seeded logs it
 * reports each estimator's bias, RMSE and interval coverage at each log size.
 *
 * <p>The logging policy is a softmax (temperature {@code loggingTemperature}) over a weak nearest-centroid classifier
 * that sees only the top three rows of pixels, mixed with {@code epsilon} uniform exploration (so every propensity
 * is at least {@code epsilon / 10}). The targets: {@code logged} (the check), {@code centroid-argmax} (deterministic:
 * the nearest-centroid class on all pixels), {@code centroid-softmax} (stochastic: a softmax over the same scores at
 * {@code targetTemperature}) and {@code uniform}. DR uses per-segment means (the segment is the logging classifier's
 * guess) in {@code dr} and per-action ridge regression on the 64 pixels in {@code dr-ridge}.
 *
 * <p>Log {@code s} uses {@code SplitMix64.derive(seed, s)}; the sizes are prefixes of one log per seed (the largest
 * size), so the results do not depend on the thread count.
 */
public final class DigitsStudy {
    /** Estimator columns, in order. */
    public static final List<String> ESTIMATORS = List.of("ips", "snips", "dr", "dr-ridge");
    private static final int VALUE = 0;
    private static final int LOWER = 1;
    private static final int UPPER = 2;
    private static final int ESS = 3;
    private static final long EVALUATION_STREAM = 0x5eed_e7a1L;

    /**
     * @param logs               seeded logs, at least 2
     * @param sizes              log sizes reported, ascending, each at least 1
     * @param seed               base seed
     * @param threads            worker threads, at least 1
     * @param replicates         bootstrap replicates (0: no intervals)
     * @param epsilon            the logging policy's uniform share, in (0, 1]
     * @param loggingTemperature softmax temperature of the logging policy, positive
     * @param targetTemperature  softmax temperature of the stochastic target, positive
     * @param ridgeLambda        ridge penalty of dr-ridge's model, positive
     */
    public record Settings(int logs, int[] sizes, long seed, int threads, int replicates, double epsilon,
                           double loggingTemperature, double targetTemperature, double ridgeLambda) {
        /** The settings of the study in docs/evaluation.md, with the given logs, sizes and seed. */
        public static Settings of(int logs, int[] sizes, long seed) {
            return new Settings(logs, sizes, seed, Runtime.getRuntime().availableProcessors(), 200, 0.1, 4.0, 2.0,
                10.0);
        }

        public Settings withThreads(int n) {
            return new Settings(logs, sizes, seed, n, replicates, epsilon, loggingTemperature, targetTemperature,
                ridgeLambda);
        }

        public Settings withReplicates(int n) {
            return new Settings(logs, sizes, seed, threads, n, epsilon, loggingTemperature, targetTemperature,
                ridgeLambda);
        }
    }

    /** A target policy and its exact value. */
    record Target(String name, double[][] table, double truth) {
    }

    private final Settings settings;
    private final DigitsData data;
    private final double[][] logging;
    private final int[] segment;
    private final List<Target> targets = new ArrayList<>();

    public DigitsStudy(Settings settings) {
        validate(settings);
        this.settings = settings;
        this.data = DigitsData.load();
        final CentroidClassifier weak = new CentroidClassifier(data, CentroidClassifier.range(0, 24));
        final CentroidClassifier full = new CentroidClassifier(data, CentroidClassifier.allPixels());
        this.logging = DigitsPolicy.softmax(data, weak, settings.loggingTemperature(), settings.epsilon());
        this.segment = new int[data.size()];
        for (int i = 0; i < data.size(); i++) {
            segment[i] = weak.predict(data.features()[i]);
        }
        addTarget("logged", logging);
        addTarget("centroid-argmax", DigitsPolicy.argmax(data, full));
        addTarget("centroid-softmax", DigitsPolicy.softmax(data, full, settings.targetTemperature(), 0.0));
        addTarget("uniform", DigitsPolicy.uniform(data));
    }

    private static void validate(Settings s) {
        if (s.logs() < 2 || s.sizes().length == 0 || s.threads() < 1 || !(s.epsilon() > 0 && s.epsilon() <= 1)
            || !(s.loggingTemperature() > 0) || !(s.targetTemperature() > 0) || !(s.ridgeLambda() > 0)) {
            throw new IllegalArgumentException("need logs >= 2, sizes, threads >= 1, 0 < epsilon <= 1 and "
                + "positive temperatures and lambda");
        }
        for (int i = 0; i < s.sizes().length; i++) {
            if (s.sizes()[i] < 1 || i > 0 && s.sizes()[i] <= s.sizes()[i - 1]) {
                throw new IllegalArgumentException("sizes must be positive and ascending");
            }
        }
    }

    private void addTarget(String name, double[][] table) {
        targets.add(new Target(name, table, DigitsPolicy.trueValue(table, data)));
    }

    /** Runs every log and summarises. */
    public StudyReport run() {
        final long start = System.nanoTime();
        final ExecutorService pool = Executors.newFixedThreadPool(settings.threads());
        try {
            final List<Future<double[][][][]>> futures = new ArrayList<>();
            for (int s = 0; s < settings.logs(); s++) {
                final int log = s;
                futures.add(pool.submit(() -> runLog(log)));
            }
            final List<double[][][][]> perLog = new ArrayList<>();
            for (final Future<double[][][][]> f : futures) {
                perLog.add(f.get());
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            return summarise(perLog, seconds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a log failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One log: {@code [target][estimator][size][value, lower, upper, ess]}. */
    double[][][][] runLog(int log) {
        final DigitsLog source = new DigitsLog(data, logging, segment, SplitMix64.derive(settings.seed(), log));
        final List<OffPolicyEvaluation.Candidate> candidates = new ArrayList<>();
        for (final Target t : targets) {
            final CandidatePolicy p = "logged".equals(t.name()) ? Candidates.logged()
                : new DigitsPolicy(t.table(), source);
            candidates.add(new OffPolicyEvaluation.Candidate(t.name(), p));
        }
        final long evalSeed = SplitMix64.derive(settings.seed() ^ EVALUATION_STREAM, log);
        final OffPolicyEvaluation means = new OffPolicyEvaluation(new EvaluationConfig(DigitsData.CLASSES)
            .bootstrapReplicates(settings.replicates()).seed(evalSeed)
            .estimators(EnumSet.of(Estimator.IPS, Estimator.SNIPS, Estimator.DR))
            .rewardModel(RewardModel.contextMeans(EvaluationConfig.DEFAULT_SHRINKAGE)), candidates);
        final OffPolicyEvaluation ridge = new OffPolicyEvaluation(new EvaluationConfig(DigitsData.CLASSES)
            .bootstrapReplicates(settings.replicates()).seed(evalSeed + 1).estimators(EnumSet.of(Estimator.DR))
            .rewardModel(RewardModel.ridge(DigitsData.DIMENSIONS, settings.ridgeLambda())), candidates);
        final int[] sizes = settings.sizes();
        final double[][][][] out = new double[targets.size()][ESTIMATORS.size()][sizes.length][4];
        final LoggedDecision row = new LoggedDecision(DigitsData.DIMENSIONS);
        int next = 0;
        for (int t = 1; next < sizes.length; t++) {
            source.next(row);
            means.add(row);
            ridge.add(row);
            if (t == sizes[next]) {
                snapshot(means.result().candidates(), ridge.result().candidates(), next, out);
                next++;
            }
        }
        return out;
    }

    private void snapshot(List<CandidateResult> means, List<CandidateResult> ridge, int size, double[][][][] out) {
        for (int c = 0; c < targets.size(); c++) {
            final CandidateResult m = means.get(c);
            put(out[c][0][size], m.estimate(Estimator.IPS), m.effectiveSampleSize());
            put(out[c][1][size], m.estimate(Estimator.SNIPS), m.effectiveSampleSize());
            put(out[c][2][size], m.estimate(Estimator.DR), m.effectiveSampleSize());
            put(out[c][3][size], ridge.get(c).estimate(Estimator.DR), m.effectiveSampleSize());
        }
    }

    private static void put(double[] into, Estimate e, double ess) {
        into[VALUE] = e.value();
        into[LOWER] = e.lower();
        into[UPPER] = e.upper();
        into[ESS] = ess;
    }

    private StudyReport summarise(List<double[][][][]> perLog, double seconds) {
        final List<StudyReport.Row> rows = new ArrayList<>();
        final int n = perLog.size();
        for (int z = 0; z < settings.sizes().length; z++) {
            for (int c = 0; c < targets.size(); c++) {
                final Target t = targets.get(c);
                for (int e = 0; e < ESTIMATORS.size(); e++) {
                    double sum = 0;
                    double sumSq = 0;
                    double width = 0;
                    double ess = 0;
                    int covered = 0;
                    for (final double[][][][] log : perLog) {
                        final double[] v = log[c][e][z];
                        final double err = v[VALUE] - t.truth();
                        sum += err;
                        sumSq += err * err;
                        width += v[UPPER] - v[LOWER];
                        ess += v[ESS];
                        if (v[LOWER] <= t.truth() && t.truth() <= v[UPPER]) {
                            covered++;
                        }
                    }
                    final double bias = sum / n;
                    final double sd = Math.sqrt(Math.max(0, (sumSq - n * bias * bias) / (n - 1)));
                    rows.add(new StudyReport.Row(settings.sizes()[z], t.name(), t.truth(), ESTIMATORS.get(e),
                        t.truth() + bias, bias, sd / Math.sqrt(n), Math.sqrt(sumSq / n), (double) covered / n,
                        width / n, ess / n));
                }
            }
        }
        long total = 0;
        for (final int s : settings.sizes()) {
            total = Math.max(total, s);
        }
        return new StudyReport(settings, rows, total * n, seconds);
    }

    /** The target policies' exact values, by name. */
    public List<String> targetNames() {
        final List<String> out = new ArrayList<>();
        for (final Target t : targets) {
            out.add(t.name());
        }
        return out;
    }
}

package io.arbiter.bandits.sim;

import io.arbiter.bandits.policy.Policy;
import io.arbiter.bandits.random.SplitMix64;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs every policy {@code runs} times on the same Bernoulli bandit, in parallel over (run, policy) pairs, and
 * aggregates mean cumulative regret and its standard error at each checkpoint. Run {@code r} uses seed
 * {@code SplitMix64.derive(seed, r)} for every policy (common random numbers), so results do not depend on the
 * number of threads or the order in which tasks finish.
 */
final class Experiment {
    final double[] before;
    final double[] after;
    final long changeAt;
    final long horizon;
    final int runs;
    final long seed;
    final List<Policy> policies;
    final long[] checkpoints;
    /** [policy][checkpoint] */
    final double[][] meanRegret;
    final double[][] standardError;
    double elapsedSeconds;

    Experiment(double[] before, double[] after, long changeAt, long horizon, int runs, long seed,
               List<Policy> policies, long[] checkpoints) {
        this.before = before.clone();
        this.after = after.clone();
        this.changeAt = changeAt;
        this.horizon = horizon;
        this.runs = runs;
        this.seed = seed;
        this.policies = List.copyOf(policies);
        this.checkpoints = checkpoints.clone();
        this.meanRegret = new double[policies.size()][checkpoints.length];
        this.standardError = new double[policies.size()][checkpoints.length];
    }

    Experiment execute(int threads) {
        final long started = System.nanoTime();
        final int p = policies.size();
        final double[][][] results = new double[p][runs][];
        final ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            final Thread t = new Thread(r, "simulator");
            t.setDaemon(true);
            return t;
        });
        try {
            final List<Future<?>> futures = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                for (int i = 0; i < p; i++) {
                    final int policyIndex = i;
                    final int runIndex = run;
                    final Policy policy = policies.get(i);
                    futures.add(pool.submit(() -> {
                        results[policyIndex][runIndex] = BernoulliSimulation.run(policy, before, after, changeAt,
                            horizon, checkpoints, SplitMix64.derive(seed, runIndex));
                    }));
                }
            }
            for (final Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a simulation run failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < p; i++) {
            for (int c = 0; c < checkpoints.length; c++) {
                double sum = 0;
                for (int r = 0; r < runs; r++) {
                    sum += results[i][r][c];
                }
                final double mean = sum / runs;
                double squares = 0;
                for (int r = 0; r < runs; r++) {
                    final double d = results[i][r][c] - mean;
                    squares += d * d;
                }
                meanRegret[i][c] = mean;
                standardError[i][c] = runs > 1 ? Math.sqrt(squares / (runs - 1) / runs) : Double.NaN;
            }
        }
        elapsedSeconds = (System.nanoTime() - started) / 1e9;
        return this;
    }

    int policyIndex(String name) {
        for (int i = 0; i < policies.size(); i++) {
            if (policies.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no policy " + Objects.requireNonNull(name));
    }

    double lowerBound(int checkpoint) {
        return BernoulliSimulation.laiRobbinsLowerBound(before, checkpoints[checkpoint]);
    }
}

package io.arbiter.bandits.sim;

import io.arbiter.bandits.random.SplitMix64;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs every policy {@code runs} times in parallel over (run, policy) pairs and aggregates each curve's mean and
 * standard error per checkpoint. Run {@code r} uses {@code SplitMix64.derive(seed, r)} for every policy (common random
 * numbers), so results do not depend on the thread count.
 */
final class ContextualRunner {
    /** One run of one policy: {@code [curve][checkpoint]}. */
    interface RunTask {
        double[][] run(String policy, long runSeed);
    }

    final String[] policies;
    final int runs;
    final long[] checkpoints;
    /** {@code [curve][policy][checkpoint]} */
    double[][][] mean;
    double[][][] standardError;
    double elapsedSeconds;

    ContextualRunner(String[] policies, int runs, long[] checkpoints) {
        this.policies = policies.clone();
        this.runs = runs;
        this.checkpoints = checkpoints.clone();
    }

    ContextualRunner execute(long seed, int threads, RunTask task) {
        final long started = System.nanoTime();
        final double[][][][] results = new double[policies.length][runs][][];
        final ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            final Thread t = new Thread(r, "contextual-simulator");
            t.setDaemon(true);
            return t;
        });
        try {
            final List<Future<?>> futures = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                for (int p = 0; p < policies.length; p++) {
                    final int policyIndex = p;
                    final int runIndex = run;
                    futures.add(pool.submit(() -> {
                        results[policyIndex][runIndex] = task.run(policies[policyIndex],
                            SplitMix64.derive(seed, runIndex));
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
        aggregate(results);
        elapsedSeconds = (System.nanoTime() - started) / 1e9;
        return this;
    }

    private void aggregate(double[][][][] results) {
        final int curves = results[0][0].length;
        mean = new double[curves][policies.length][checkpoints.length];
        standardError = new double[curves][policies.length][checkpoints.length];
        for (int k = 0; k < curves; k++) {
            for (int p = 0; p < policies.length; p++) {
                for (int c = 0; c < checkpoints.length; c++) {
                    double sum = 0;
                    for (int r = 0; r < runs; r++) {
                        sum += results[p][r][k][c];
                    }
                    final double m = sum / runs;
                    double squares = 0;
                    for (int r = 0; r < runs; r++) {
                        final double d = results[p][r][k][c] - m;
                        squares += d * d;
                    }
                    mean[k][p][c] = m;
                    standardError[k][p][c] = runs > 1 ? Math.sqrt(squares / (runs - 1) / runs) : Double.NaN;
                }
            }
        }
    }

    int policyIndex(String name) {
        for (int i = 0; i < policies.length; i++) {
            if (policies[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no policy " + name);
    }
}

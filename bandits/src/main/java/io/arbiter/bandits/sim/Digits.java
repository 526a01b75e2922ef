package io.arbiter.bandits.sim;

import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The digits data set (UCI optical recognition of handwritten digits, test part, as shipped by scikit-learn; see
 * {@code datasets/digits/README.md} beside it in the jar): 1,797 rows of 8x8 pixel counts 0..16 and a class 0..9, read
 * from the classpath.
 *
 * <p>Features for the linear models: {@code x[0] = 1} (the intercept) and {@code x[i] = pixel_i / 16} for i = 1..63.
 * Pixel 0 (the top-left corner) is 0 in every row, so its slot carries the intercept and d stays 64.
 */
final class Digits {
    static final String RESOURCE = "/datasets/digits/digits.csv.gz";
    static final int FEATURES = 64;
    static final int CLASSES = 10;

    final double[][] x;
    final int[] label;

    private Digits(double[][] x, int[] label) {
        this.x = x;
        this.label = label;
    }

    int rows() {
        return label.length;
    }

    static Digits load() {
        final List<double[]> features = new ArrayList<>();
        final List<Integer> labels = new ArrayList<>();
        try (InputStream raw = Digits.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            final BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw),
                StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                final String[] cells = line.split(",");
                if (cells.length != FEATURES + 1) {
                    throw new IllegalStateException("digits row with " + cells.length + " columns");
                }
                final double[] row = new double[FEATURES];
                for (int i = 0; i < FEATURES; i++) {
                    final int pixel = Integer.parseInt(cells[i]);
                    if (i == 0 && pixel != 0) {
                        throw new IllegalStateException("pixel 0 is not 0: its slot cannot carry the intercept");
                    }
                    row[i] = i == 0 ? 1.0 : pixel / 16.0;
                }
                features.add(row);
                labels.add(Integer.parseInt(cells[FEATURES]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Digits(features.toArray(new double[0][]), labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The supervised ceiling: ridge regression one-vs-rest (each class's 0/1 indicator regressed on the features,
     * the largest prediction wins), trained on {@code train} rows and scored on {@code test} rows.
     *
     * @return accuracy on the test rows
     */
    double ridgeAccuracy(boolean[] train, double lambda) {
        final int d = FEATURES;
        final double[][] a = new double[d][d];
        final double[][] b = new double[CLASSES][d];
        for (int r = 0; r < rows(); r++) {
            if (!train[r]) {
                continue;
            }
            for (int i = 0; i < d; i++) {
                b[label[r]][i] += x[r][i];
                for (int j = 0; j < d; j++) {
                    a[i][j] += x[r][i] * x[r][j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            a[i][i] += lambda;
        }
        final double[][] w = new double[CLASSES][];
        for (int k = 0; k < CLASSES; k++) {
            w[k] = solve(a, b[k]);
        }
        int right = 0;
        int tested = 0;
        for (int r = 0; r < rows(); r++) {
            if (train[r] && !allTrain(train)) {
                continue;
            }
            tested++;
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < CLASSES; k++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    s += w[k][i] * x[r][i];
                }
                if (s > bestScore) {
                    bestScore = s;
                    best = k;
                }
            }
            right += best == label[r] ? 1 : 0;
        }
        return right / (double) tested;
    }

    /**
     * A stronger linear ceiling: multinomial logistic regression (softmax over the 10 classes, small L2 penalty)
     * fitted by full-batch gradient descent on all rows; its accuracy on those rows.
     *
     * @param epochs gradient steps, at least 1
     */
    double softmaxTrainingAccuracy(int epochs, double learningRate, double l2) {
        final int d = FEATURES;
        final double[][] w = new double[CLASSES][d];
        final double[][] gradient = new double[CLASSES][d];
        final double[] p = new double[CLASSES];
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (final double[] g : gradient) {
                java.util.Arrays.fill(g, 0.0);
            }
            for (int r = 0; r < rows(); r++) {
                probabilities(w, x[r], p);
                for (int k = 0; k < CLASSES; k++) {
                    final double error = p[k] - (label[r] == k ? 1.0 : 0.0);
                    for (int i = 0; i < d; i++) {
                        gradient[k][i] += error * x[r][i];
                    }
                }
            }
            for (int k = 0; k < CLASSES; k++) {
                for (int i = 0; i < d; i++) {
                    w[k][i] -= learningRate * (gradient[k][i] / rows() + l2 * w[k][i]);
                }
            }
        }
        int right = 0;
        for (int r = 0; r < rows(); r++) {
            probabilities(w, x[r], p);
            int best = 0;
            for (int k = 1; k < CLASSES; k++) {
                best = p[k] > p[best] ? k : best;
            }
            right += best == label[r] ? 1 : 0;
        }
        return right / (double) rows();
    }

    private static void probabilities(double[][] w, double[] features, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < CLASSES; k++) {
            double s = 0;
            for (int i = 0; i < features.length; i++) {
                s += w[k][i] * features[i];
            }
            p[k] = s;
            max = Math.max(max, s);
        }
        double total = 0;
        for (int k = 0; k < CLASSES; k++) {
            p[k] = Math.exp(p[k] - max);
            total += p[k];
        }
        for (int k = 0; k < CLASSES; k++) {
            p[k] /= total;
        }
    }

    /**
     * Ridge one-vs-rest accuracy by {@code folds}-fold cross-validation (rows assigned to folds by a seeded shuffle):
     * the mean of the folds' held-out accuracies.
     */
    double ridgeCrossValidatedAccuracy(int folds, double lambda, long seed) {
        final int[] fold = new int[rows()];
        final Xoroshiro128PlusPlus rng = new Xoroshiro128PlusPlus(seed);
        for (int r = 0; r < rows(); r++) {
            fold[r] = r % folds;
        }
        for (int r = rows() - 1; r > 0; r--) {
            final int j = rng.nextInt(r + 1);
            final int swap = fold[r];
            fold[r] = fold[j];
            fold[j] = swap;
        }
        double sum = 0;
        for (int f = 0; f < folds; f++) {
            final boolean[] train = new boolean[rows()];
            for (int r = 0; r < rows(); r++) {
                train[r] = fold[r] != f;
            }
            sum += ridgeAccuracy(train, lambda);
        }
        return sum / folds;
    }

    private static boolean allTrain(boolean[] train) {
        for (final boolean t : train) {
            if (!t) {
                return false;
            }
        }
        return true;
    }

    /** Solves {@code a w = b} for symmetric positive definite {@code a} (Cholesky). */
    static double[] solve(double[][] a, double[] b) {
        final int d = b.length;
        final double[][] l = new double[d][d];
        for (int j = 0; j < d; j++) {
            double s = a[j][j];
            for (int k = 0; k < j; k++) {
                s -= l[j][k] * l[j][k];
            }
            l[j][j] = Math.sqrt(s);
            for (int i = j + 1; i < d; i++) {
                double t = a[i][j];
                for (int k = 0; k < j; k++) {
                    t -= l[i][k] * l[j][k];
                }
                l[i][j] = t / l[j][j];
            }
        }
        final double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * y[k];
            }
            y[i] = s / l[i][i];
        }
        final double[] w = new double[d];
        for (int i = d - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < d; k++) {
                s -= l[k][i] * w[k];
            }
            w[i] = s / l[i][i];
        }
        return w;
    }
}

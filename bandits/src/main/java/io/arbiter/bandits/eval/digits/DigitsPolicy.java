package io.arbiter.bandits.eval.digits;

import io.arbiter.bandits.eval.CandidatePolicy;
import io.arbiter.bandits.eval.LoggedDecision;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;

/**
 * A fixed policy over the digits given by its probability table ({@code table[i][a]} for image {@code i}), answering
 * for the image the log last drew. Its true value on the data set is {@code mean_i table[i][label_i]}.
 */
public final class DigitsPolicy implements CandidatePolicy {
    private final double[][] table;
    private final DigitsLog log;

    public DigitsPolicy(double[][] table, DigitsLog log) {
        this.table = table;
        this.log = log;
    }

    @Override
    public boolean probabilities(LoggedDecision row, double[] into) {
        System.arraycopy(table[log.current()], 0, into, 0, DigitsData.CLASSES);
        return true;
    }

    @Override
    public int sample(LoggedDecision row, Xoroshiro128PlusPlus rng) {
        throw new UnsupportedOperationException("answers with probabilities");
    }

    /** The exact value of the policy with this table: the mean probability it gives each image's true class. */
    public static double trueValue(double[][] table, DigitsData data) {
        double v = 0;
        for (int i = 0; i < data.size(); i++) {
            v += table[i][data.labels()[i]];
        }
        return v / data.size();
    }

    /** Softmax of the classifier's scores at {@code temperature}, mixed with {@code epsilon} uniform. */
    public static double[][] softmax(DigitsData data, CentroidClassifier classifier, double temperature,
                                     double epsilon) {
        final double[][] out = new double[data.size()][DigitsData.CLASSES];
        final double[] s = new double[DigitsData.CLASSES];
        for (int i = 0; i < data.size(); i++) {
            classifier.scores(data.features()[i], s);
            double max = Double.NEGATIVE_INFINITY;
            for (final double v : s) {
                max = Math.max(max, v);
            }
            double z = 0;
            for (int k = 0; k < s.length; k++) {
                s[k] = Math.exp((s[k] - max) / temperature);
                z += s[k];
            }
            for (int k = 0; k < s.length; k++) {
                out[i][k] = (1 - epsilon) * s[k] / z + epsilon / DigitsData.CLASSES;
            }
        }
        return out;
    }

    /** The classifier's best class with probability 1. */
    public static double[][] argmax(DigitsData data, CentroidClassifier classifier) {
        final double[][] out = new double[data.size()][DigitsData.CLASSES];
        for (int i = 0; i < data.size(); i++) {
            out[i][classifier.predict(data.features()[i])] = 1.0;
        }
        return out;
    }

    /** Every class with probability 1/10. */
    public static double[][] uniform(DigitsData data) {
        final double[][] out = new double[data.size()][DigitsData.CLASSES];
        for (final double[] row : out) {
            java.util.Arrays.fill(row, 1.0 / DigitsData.CLASSES);
        }
        return out;
    }
}

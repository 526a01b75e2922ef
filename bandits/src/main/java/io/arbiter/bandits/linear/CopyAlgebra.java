package io.arbiter.bandits.linear;

import org.agrona.concurrent.AtomicBuffer;

import static io.arbiter.bandits.linear.LinearModelDescriptor.PRECISION_OFFSET;

/**
 * The linear algebra of one posterior copy of a {@link LinearModelTable} variant, in place in the table's buffer: the
 * rank-one update of an observation (precision, b, Sherman–Morrison on the covariance), the mean {@code A^-1 b}, and
 * the exact recomputation of the covariance from the precision by Cholesky. Plain loads and stores only: the copy
 * being written is not published ({@link LinearModelTable} owns the ordering). <b>Single writer</b>: the applier.
 */
final class CopyAlgebra {
    /** Below this, a take-back's Sherman–Morrison denominator is too close to 0 to divide by: refactor instead. */
    private static final double MIN_DENOMINATOR = 1e-9;
    private final AtomicBuffer buffer;
    private final int d;
    private final int bOffset;
    private final int covarianceOffset;
    private final int meanOffset;
    private final double[] covX;
    private final double[] precision;
    private final double[] factor;

    CopyAlgebra(AtomicBuffer buffer, int d) {
        this.buffer = buffer;
        this.d = d;
        this.bOffset = LinearModelDescriptor.bOffset(d);
        this.covarianceOffset = LinearModelDescriptor.covarianceOffset(d);
        this.meanOffset = LinearModelDescriptor.meanOffset(d);
        this.covX = new double[d];
        this.precision = new double[d * d];
        this.factor = new double[d * d];
    }

    int at(int copy, int region, int i, int j) {
        return copy + region + 8 * (i * d + j);
    }

    /**
     * A += w x x', b += w r x, and the Sherman–Morrison update of the covariance, in the copy at {@code copy}:
     * {@code w = 1} adds an observation, {@code w = -1} takes one back that the copy contains.
     *
     * @return false when the covariance was not updated (a take-back whose denominator {@code 1 - x' A^-1 x} is not
     *         safely positive in floating point): the caller recomputes it from A ({@link #refactor})
     */
    boolean rankOneUpdate(int copy, double[] features, double reward, double weight) {
        for (int i = 0; i < d; i++) {
            final double xi = features[i];
            if (xi == 0.0) {
                continue;
            }
            final int bi = copy + bOffset + 8 * i;
            buffer.putDouble(bi, buffer.getDouble(bi) + weight * reward * xi);
            for (int j = 0; j < d; j++) {
                final double xj = features[j];
                if (xj != 0.0) {
                    final int a = at(copy, PRECISION_OFFSET, i, j);
                    buffer.putDouble(a, buffer.getDouble(a) + weight * xi * xj);
                }
            }
        }
        double quadratic = 0.0;
        for (int i = 0; i < d; i++) {
            double sum = 0.0;
            for (int j = 0; j < d; j++) {
                final double xj = features[j];
                if (xj != 0.0) {
                    sum += buffer.getDouble(at(copy, covarianceOffset, i, j)) * xj;
                }
            }
            covX[i] = sum;
            quadratic += features[i] * sum;
        }
        final double denominator = 1.0 + weight * quadratic;
        if (!(denominator > MIN_DENOMINATOR)) {
            return false; // A - x x' is positive definite in exact arithmetic; rounding here: refactor instead
        }
        final double scale = weight / denominator;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) { // symmetric: compute the upper triangle once, mirror it
                final double value = buffer.getDouble(at(copy, covarianceOffset, i, j)) - covX[i] * covX[j] * scale;
                buffer.putDouble(at(copy, covarianceOffset, i, j), value);
                buffer.putDouble(at(copy, covarianceOffset, j, i), value);
            }
        }
        return true;
    }

    void updateMean(int copy) {
        for (int i = 0; i < d; i++) {
            double sum = 0.0;
            for (int j = 0; j < d; j++) {
                sum += buffer.getDouble(at(copy, covarianceOffset, i, j)) * buffer.getDouble(copy + bOffset + 8 * j);
            }
            buffer.putDouble(copy + meanOffset + 8 * i, sum);
        }
    }

    /** covariance = A^-1 by Cholesky (A = L L', A^-1 = L^-T L^-1); O(d^3), every refactorEvery observations. */
    void refactor(int copy) {
        for (int i = 0; i < d * d; i++) {
            precision[i] = buffer.getDouble(copy + PRECISION_OFFSET + 8 * i);
        }
        final double[] l = factor;
        java.util.Arrays.fill(l, 0.0);
        for (int j = 0; j < d; j++) {
            double s = precision[j * d + j];
            for (int k = 0; k < j; k++) {
                s -= l[j * d + k] * l[j * d + k];
            }
            if (!(s > 0)) {
                return; // not positive definite (cannot happen with lambda > 0): keep the rank-one covariance
            }
            final double diagonal = Math.sqrt(s);
            l[j * d + j] = diagonal;
            for (int i = j + 1; i < d; i++) {
                double t = precision[i * d + j];
                for (int k = 0; k < j; k++) {
                    t -= l[i * d + k] * l[j * d + k];
                }
                l[i * d + j] = t / diagonal;
            }
        }
        final double[] inverse = precision; // reuse: L^-1, lower triangular
        java.util.Arrays.fill(inverse, 0.0);
        for (int j = 0; j < d; j++) {
            inverse[j * d + j] = 1.0 / l[j * d + j];
            for (int i = j + 1; i < d; i++) {
                double s = 0.0;
                for (int k = j; k < i; k++) {
                    s += l[i * d + k] * inverse[k * d + j];
                }
                inverse[i * d + j] = -s / l[i * d + i];
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double s = 0.0;
                for (int k = j; k < d; k++) {
                    s += inverse[k * d + i] * inverse[k * d + j];
                }
                buffer.putDouble(at(copy, covarianceOffset, i, j), s);
                buffer.putDouble(at(copy, covarianceOffset, j, i), s);
            }
        }
    }
}

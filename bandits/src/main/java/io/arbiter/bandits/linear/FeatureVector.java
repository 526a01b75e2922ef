package io.arbiter.bandits.linear;

import java.util.Arrays;

/**
 * One request's feature vector {@code x} for a linear model, and the per-variant score moments of its last choice
 * (read by the propensity). Reused from request to request: nothing allocates. The non-zero entries are tracked so
 * that sparse vectors (one-hot attributes) cost O(nnz^2) per variant rather than O(d^2).
 *
 * <p><b>Single writer</b>: one per thread (per event loop).
 */
public final class FeatureVector {
    final double[] values;
    final int[] nonZero;
    int nonZeroCount;
    private boolean indexed;
    private int dimension;
    /** Per arm position, from the last choice: the score's mean {@code x.mu} and standard deviation. */
    final double[] means;
    final double[] spreads;
    /** Scratch for one variant's (mean, quadratic form) while scoring. */
    final double[] moments = new double[2];
    /** Scratch of the propensity's quadrature. */
    final GaussianMaxProbability.Scratch quadrature;

    /**
     * @param maxDimension the largest d of any model it is used with, 1..64
     * @param maxArms      the most variants of any experiment it is used with, at least 1
     */
    public FeatureVector(int maxDimension, int maxArms) {
        if (maxDimension < 1 || maxDimension > LinearModelDescriptor.MAX_DIMENSION || maxArms < 1) {
            throw new IllegalArgumentException("maxDimension must be in 1..64 and maxArms positive");
        }
        this.values = new double[maxDimension];
        this.nonZero = new int[maxDimension];
        this.means = new double[maxArms];
        this.spreads = new double[maxArms];
        this.quadrature = new GaussianMaxProbability.Scratch(maxArms);
    }

    /**
     * Zeroes the vector and sets its dimension.
     *
     * @param dimension 1..maxDimension
     * @return this vector
     */
    public FeatureVector clear(int dimension) {
        if (dimension < 1 || dimension > values.length) {
            throw new IllegalArgumentException("dimension must be in 1.." + values.length + ", was " + dimension);
        }
        Arrays.fill(values, 0, dimension, 0.0);
        this.dimension = dimension;
        this.nonZeroCount = 0;
        this.indexed = true;
        return this;
    }

    /**
     * Sets entry {@code index} (replacing its value).
     *
     * @param index 0..dimension-1
     * @param value finite
     * @return this vector
     */
    public FeatureVector set(int index, double value) {
        if (index < 0 || index >= dimension) {
            throw new IndexOutOfBoundsException("feature " + index + " outside 0.." + (dimension - 1));
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("feature " + index + " must be finite, was " + value);
        }
        if (values[index] == 0.0 && value != 0.0 && indexed) {
            nonZero[nonZeroCount++] = index;
        } else if (value == 0.0 && values[index] != 0.0) {
            indexed = false; // an entry went back to zero: rebuild the index on next use
        }
        values[index] = value;
        return this;
    }

    /** @param index 0..dimension-1 */
    public double get(int index) {
        return values[index];
    }

    public int dimension() {
        return dimension;
    }

    /** Makes {@code nonZero[0..nonZeroCount)} the non-zero indices. */
    void index() {
        if (indexed) {
            return;
        }
        nonZeroCount = 0;
        for (int i = 0; i < dimension; i++) {
            if (values[i] != 0.0) {
                nonZero[nonZeroCount++] = i;
            }
        }
        indexed = true;
    }

    /** The mean of the score of the variant at {@code position} in the last choice with this vector. */
    public double scoreMean(int position) {
        return means[position];
    }

    /** The standard deviation of the score of the variant at {@code position} in the last choice. */
    public double scoreSpread(int position) {
        return spreads[position];
    }
}

package io.arbiter.bandits.eval.digits;

/**
 * Nearest-centroid classifier on a subset of the pixels: class {@code k}'s score is minus the mean squared distance
 * between the image and the class's mean image over the chosen pixels. Deterministic (no training randomness), so a
 * policy built on it has an exactly known value on the data set.
 */
public final class CentroidClassifier {
    private final double[][] centroids;
    private final int[] pixels;

    /**
     * @param data   the images the centroids are the class means of
     * @param pixels the pixel indices (0..63) the classifier looks at, at least one
     */
    public CentroidClassifier(DigitsData data, int[] pixels) {
        if (pixels.length == 0) {
            throw new IllegalArgumentException("at least one pixel");
        }
        this.pixels = pixels.clone();
        this.centroids = new double[DigitsData.CLASSES][pixels.length];
        final int[] counts = new int[DigitsData.CLASSES];
        for (int i = 0; i < data.size(); i++) {
            final int y = data.labels()[i];
            counts[y]++;
            for (int j = 0; j < pixels.length; j++) {
                centroids[y][j] += data.features()[i][pixels[j]];
            }
        }
        for (int k = 0; k < DigitsData.CLASSES; k++) {
            for (int j = 0; j < pixels.length; j++) {
                centroids[k][j] /= Math.max(1, counts[k]);
            }
        }
    }

    /** Every pixel. */
    public static int[] allPixels() {
        return range(0, DigitsData.DIMENSIONS);
    }

    /** Pixels {@code from} (inclusive) to {@code to} (exclusive), row-major over the 8x8 image. */
    public static int[] range(int from, int to) {
        final int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    /** Writes every class's score for image {@code x} into {@code into[0..9]}. */
    public void scores(double[] x, double[] into) {
        for (int k = 0; k < DigitsData.CLASSES; k++) {
            double d = 0;
            final double[] c = centroids[k];
            for (int j = 0; j < pixels.length; j++) {
                final double diff = x[pixels[j]] - c[j];
                d += diff * diff;
            }
            into[k] = -d / pixels.length;
        }
    }

    /** The highest-scoring class (the lowest index among ties). */
    public int predict(double[] x) {
        final double[] s = new double[DigitsData.CLASSES];
        scores(x, s);
        int best = 0;
        for (int k = 1; k < s.length; k++) {
            if (s[k] > s[best]) {
                best = k;
            }
        }
        return best;
    }
}

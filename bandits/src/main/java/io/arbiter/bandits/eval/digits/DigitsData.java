package io.arbiter.bandits.eval.digits;

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
 * The digits data set bundled in the jar ({@code datasets/digits/}, see its README for the source and licence):
 * 1,797 images of 8x8 pixels (counts 0..16) and their class 0..9.
 *
 * @param features one row of {@link #DIMENSIONS} pixel values per image
 * @param labels   the class of each image
 */
public record DigitsData(double[][] features, int[] labels) {
    /** Pixels per image. */
    public static final int DIMENSIONS = 64;
    /** Classes (the bandit's actions). */
    public static final int CLASSES = 10;
    private static final String RESOURCE = "/datasets/digits/digits.csv.gz";

    /** Reads the bundled copy from the classpath. */
    public static DigitsData load() {
        try (InputStream raw = DigitsData.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            return parse(new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static DigitsData parse(BufferedReader in) throws IOException {
        final List<double[]> rows = new ArrayList<>();
        final List<Integer> labels = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            final String[] cells = line.split(",");
            if (cells.length != DIMENSIONS + 1) {
                throw new IllegalStateException("digits row " + (rows.size() + 1) + " has " + cells.length
                    + " cells, expected " + (DIMENSIONS + 1));
            }
            final double[] x = new double[DIMENSIONS];
            for (int j = 0; j < DIMENSIONS; j++) {
                x[j] = Double.parseDouble(cells[j]);
            }
            rows.add(x);
            labels.add(Integer.parseInt(cells[DIMENSIONS].trim()));
        }
        final int[] y = new int[labels.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.get(i);
        }
        return new DigitsData(rows.toArray(new double[0][]), y);
    }

    public int size() {
        return labels.length;
    }
}

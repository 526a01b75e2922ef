package io.arbiter.server.bid.pricing;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The process {@link WinRatePersistenceTest} kills: maps the counts file, applies the seeded notice sequence without
 * end, and after every 1,000 notices says how many it applied. Never closes or flushes the file.
 */
public final class WinRateKillTarget {
    static final long SEED = 19L;

    private WinRateKillTarget() {
    }

    public static void main(String[] args) throws InterruptedException {
        final WinRateCounts counts = WinRateCounts.mapFile(Path.of(args[0]), Integer.parseInt(args[1]), 0);
        final WinRateCurve curve = new WinRateCurve(counts, 0.8, 200, 20, 0);
        final SplittableRandom rng = new SplittableRandom(SEED);
        for (long applied = 1; ; applied++) {
            WinRatePersistenceTest.notice(curve, rng);
            if (applied % 1_000 == 0) {
                System.out.println("applied " + applied);
                System.out.flush();
            }
        }
    }
}

package io.arbiter.server.bid.pricing;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The process {@link ClickRatePersistenceTest} kills: maps the click-rate counts file, applies the seeded notice
 * sequence without end, and after every 1,000 notices says how many it applied. Never closes or flushes the file.
 */
public final class ClickRateKillTarget {
    static final long SEED = 23L;

    private ClickRateKillTarget() {
    }

    public static void main(String[] args) {
        final ClickRateContexts contexts = ClickRateContexts.mapFile(Path.of(args[0]), Integer.parseInt(args[1]),
            ClickRatePersistenceTest.STRENGTH);
        final SplittableRandom rng = new SplittableRandom(SEED);
        for (long applied = 1; ; applied++) {
            ClickRatePersistenceTest.notice(contexts, rng);
            if (applied % 1_000 == 0) {
                System.out.println("applied " + applied);
                System.out.flush();
            }
        }
    }
}

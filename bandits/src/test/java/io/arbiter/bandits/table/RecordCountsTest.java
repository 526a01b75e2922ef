package io.arbiter.bandits.table;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link PosteriorTable#recordCounts}: trials and successes that arrive as separate events (an impression billed,
 * then maybe a click) add up exactly, also when several threads add to one arm at once (a lost update fails).
 */
class RecordCountsTest {

    @Test
    void trialsAndSuccessesAddSeparately() {
        final PosteriorTable table = PosteriorTable.allocateHeap(4, 0);
        final int arm = table.allocateArm();
        table.recordCounts(arm, 1, 0, 0.0, 10);
        table.recordCounts(arm, 1, 0, 0.0, 20);
        table.recordCounts(arm, 0, 1, 1.0, 30);
        assertEquals(2, table.trials(arm));
        assertEquals(1, table.successes(arm));
        assertEquals(1.0, table.rewardSum(arm));
        assertEquals(1.0, table.rewardSquareSum(arm));
        assertEquals(0, table.decisions(arm));
        assertEquals(30, table.lastUpdateMillis(arm));
    }

    @Test
    void concurrentAddsLoseNothing() throws Exception {
        final PosteriorTable table = PosteriorTable.allocateHeap(4, 0);
        final int arm = table.allocateArm();
        final int threads = 4;
        final int perThread = 1_000_000;
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        table.recordCounts(arm, 1, 0, 0.0, i); // an impression
                        table.recordCounts(arm, 0, 1, 1.0, i); // its click
                    }
                    return null;
                }));
            }
            start.countDown();
            for (final Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS); // rethrows a worker's failure
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals((long) threads * perThread, table.trials(arm), "trials lost");
        assertEquals((long) threads * perThread, table.successes(arm), "successes lost");
        assertEquals((double) threads * perThread, table.rewardSum(arm), "reward sum lost");
    }
}

package io.arbiter.server.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's servers take small claims tables ({@link TestServer#CLAIMS_LOG2}), so the direct memory of the suite,
 * which starts many servers in one JVM and gets it back only when the collector finds them, does not grow by the two
 * default tables (2 x 64 MiB) with every server.
 */
class TestServerMemoryTest {

    @TempDir
    Path dataDir;

    private static long directBytes() {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }

    @Test
    void aHarnessServerHoldsLessDirectMemoryThanOneDefaultClaimsTable() throws Exception {
        System.gc(); // what earlier servers left, freed (their buffers' cleaners) before the baseline
        Thread.sleep(200);
        final long before = directBytes();
        try (TestServer server = TestServer.start(dataDir)) {
            final long held = directBytes() - before;
            assertTrue(held < 64L << 20, held + " bytes of direct memory taken by a started harness server (one "
                + "default claims table alone takes 64 MiB)");
        }
    }
}

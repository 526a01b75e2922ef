package io.arbiter.server.outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGKILL: a child JVM appends rewards and prints every acknowledged id; it is killed without warning in the middle
 * of appending and shipping. A fresh pipeline on the same journal then ships every printed id, each counted once.
 */
class CrashRecoveryTest {

    @TempDir
    Path journalDir;
    @RegisterExtension
    final PgFixture pg = PgFixture.shared();

    @Test
    void everyAcknowledgedAppendSurvivesAKill() throws Exception {
        final long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println("CrashRecoveryTest seed=" + seed);
        final int killAfter = 2_000 + new Random(seed).nextInt(6_000);

        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final CountDownLatch enough = new CountDownLatch(1);
        final Process child = startChild();
        final Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("ACK ")) {
                        acknowledged.add(line.substring(4));
                        if (acknowledged.size() >= killAfter) {
                            enough.countDown();
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // the pipe closes when the child dies
            }
        });
        reader.start();
        final boolean reached = enough.await(60, TimeUnit.SECONDS);
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no final fsync
        child.waitFor(30, TimeUnit.SECONDS);
        reader.join(10_000);
        assertTrue(reached, "child acknowledged only " + acknowledged.size() + " appends; exit "
                + (child.isAlive() ? "alive" : child.exitValue()));
        final long shippedByChild = pg.count("SELECT count(*) FROM rewards");
        System.out.println("crash: child acknowledged " + acknowledged.size() + " (kill after " + killAfter
                + "), " + shippedByChild + " already shipped by the child");

        final OutcomePipeline recovered = pg.start(PgFixture.config(journalDir));
        System.out.println("crash: recovered " + recovered.recoveredEvents() + " unshipped events, truncated "
                + recovered.recoveredTruncatedBytes() + " bytes");
        PgFixture.await(recovered.flush());
        final Set<String> inPostgres = pg.strings("SELECT decision_id FROM rewards");
        final List<String> missing = new ArrayList<>();
        for (final String id : acknowledged) {
            if (!inPostgres.contains(id)) {
                missing.add(id);
            }
        }
        assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())),
                missing.size() + " acknowledged ids missing");
        // Never double counted, even though the child's last batches are replayed from an older checkpoint.
        assertEquals(inPostgres.size(), pg.count("SELECT sum(trials) FROM arm_aggregates"));
        assertEquals(pg.count("SELECT count(*) FROM rewards WHERE reward > 0"),
                pg.count("SELECT sum(successes) FROM arm_aggregates"));
        PgFixture.await(recovered.close());
    }

    private Process startChild() throws java.io.IOException {
        final String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, CrashingAppender.class.getName(), journalDir.toString(),
                Integer.toString(pg.options.getPort()), pg.options.getDatabase());
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}

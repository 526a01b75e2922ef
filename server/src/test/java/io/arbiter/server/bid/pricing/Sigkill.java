package io.arbiter.server.bid.pricing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs a writer in a child JVM and kills it with SIGKILL once it reports enough, for the mapped files' kill tests. */
final class Sigkill {
    private Sigkill() {
    }

    /**
     * Starts {@code main} with {@code args} on this test's class path, reads its {@code applied N} lines until N is at
     * least {@code atLeast}, then kills it (SIGKILL: no shutdown hook, no close, no flush). Answers the last N it
     * reported.
     */
    static long afterApplied(Class<?> main, long atLeast, String... args) throws Exception {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = new ArrayList<>(List.of(java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED")); // Agrona's Unsafe, as the build's argLine
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        long reported = -1;
        final StringBuilder said = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (said.length() < 4000) {
                    said.append(line).append('\n');
                }
                if (line.startsWith("applied ")) {
                    reported = Long.parseLong(line.substring(8));
                    if (reported >= atLeast) {
                        break;
                    }
                }
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(reported >= atLeast, "the writer got going: " + reported + "; it said:\n" + said);
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        return reported;
    }
}

package io.arbiter.server.pg;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresBinariesTest {

    @Test
    void repairsACacheEmptiedUnderItsMarkerAndExtractsReadableByEveryone() throws Exception {
        final Path cache = Path.of("target", "pg-test", "binaries-" + System.nanoTime()).toAbsolutePath();
        try {
            // What a tmp cleaner leaves behind: the completion marker, but not the files.
            Files.createDirectories(cache.resolve("bin"));
            Files.createFile(cache.resolve(".complete"));

            PostgresBinaries.ensureExtracted(cache);

            for (final String tool : new String[] {"initdb", "pg_ctl", "postgres"}) {
                final Path binary = cache.resolve("bin").resolve(tool);
                assertTrue(Files.isExecutable(binary), binary.toString());
                assertTrue(Files.getPosixFilePermissions(binary).contains(PosixFilePermission.OTHERS_EXECUTE));
            }
            assertTrue(Files.getPosixFilePermissions(cache.resolve("share"))
                    .contains(PosixFilePermission.OTHERS_EXECUTE));
            assertTrue(Files.exists(cache.resolve("share").resolve("postgresql").resolve("postgres.bki")));
        } finally {
            PostgresBinaries.deleteRecursively(cache);
        }
    }
}

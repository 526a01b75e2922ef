package io.arbiter.server.pg;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresBinariesTest {

    @Test
    void extractsReadableByEveryoneAndRepairsAPartlyDeletedCache() throws Exception {
        Path cache = Path.of("target", "pg-test", "binaries-" + System.nanoTime()).toAbsolutePath();
        try {
            PostgresBinaries.ensureExtracted(cache);
            Path initdb = cache.resolve("bin").resolve("initdb");
            assertTrue(Files.getPosixFilePermissions(initdb).contains(PosixFilePermission.OTHERS_EXECUTE));
            assertTrue(Files.getPosixFilePermissions(cache.resolve("share"))
                    .contains(PosixFilePermission.OTHERS_EXECUTE));

            Files.delete(initdb); // a tmp cleaner took a file but left the completion marker
            PostgresBinaries.ensureExtracted(cache);
            assertTrue(Files.isExecutable(initdb));
        } finally {
            PostgresBinaries.deleteRecursively(cache);
        }
    }
}

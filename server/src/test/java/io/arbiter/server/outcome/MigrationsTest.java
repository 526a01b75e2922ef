package io.arbiter.server.outcome;

import io.arbiter.server.pg.TestPostgres;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationsTest {

    @Test
    void appliesOnceAndIsIdempotentEvenWhenNodesMigrateConcurrently() {
        try (PgFixture pg = PgFixture.shared()) { // the fixture has applied them once already
            final Set<String> tables =
                    pg.strings("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
            assertTrue(tables.containsAll(
                    Set.of("decisions", "rewards", "rtb_events", "arm_aggregates", "schema_version")), tables.toString(
                            ));
            assertEquals(0, PgFixture.await(Migrations.migrate(pg.pool)));

            // Two "nodes" migrating a fresh database at the same time: each migration is applied exactly once.
            final io.vertx.pgclient.PgConnectOptions fresh = TestPostgres.freshDatabase(pg.vertx, TestPostgres.shared(
                    ));
            final Pool a = TestPostgres.pool(pg.vertx, fresh, 1);
            final Pool b = TestPostgres.pool(pg.vertx, fresh, 1);
            final List<Integer> applied = PgFixture.await(Future.all(Migrations.migrate(a), Migrations.migrate(b)))
                    .list();
            assertEquals(Migrations.available().size(), applied.get(0) + applied.get(1));
            assertEquals(Migrations.available().size(),
                    PgFixture.await(a.query("SELECT count(*) FROM schema_version").execute())
                            .iterator().next().getLong(0));
            a.close();
            b.close();
        }
    }

    @Test
    void theIndexListsEveryMigrationFileInVersionOrder() throws IOException {
        final Path dir = Path.of("src", "main", "resources", "db", "migration");
        final Set<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".sql"))
                    .collect(Collectors.toSet());
        }
        final List<Migrations.Migration> available = Migrations.available();
        assertEquals(files.size(), available.size());
        assertEquals(1, available.get(0).version());
        for (int i = 1; i < available.size(); i++) {
            assertTrue(available.get(i).version() > available.get(i - 1).version(), "versions must increase");
        }
    }
}

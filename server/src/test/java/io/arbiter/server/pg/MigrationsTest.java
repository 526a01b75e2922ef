package io.arbiter.server.pg;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
    void appliesOnceAndIsIdempotentEvenWhenNodesMigrateConcurrently() throws Exception {
        final Vertx vertx = Vertx.vertx();
        try {
            final Pool pool = TestPostgres.pool(vertx, TestPostgres.freshDatabase(vertx, TestPostgres.shared()), 2);
            assertEquals(Migrations.available().size(), await(Migrations.migrate(pool)));
            final Set<String> tables = new java.util.HashSet<>();
            await(pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
                .execute()).forEach(row -> tables.add(row.getString(0)));
            assertTrue(tables.containsAll(
                    Set.of("decisions", "rewards", "rtb_events", "arm_aggregates", "schema_version")),
                    tables.toString());
            assertEquals(0, await(Migrations.migrate(pool)));

            // Two "nodes" migrating a fresh database at the same time: each migration is applied exactly once.
            final io.vertx.pgclient.PgConnectOptions fresh = TestPostgres.freshDatabase(vertx, TestPostgres.shared());
            final Pool a = TestPostgres.pool(vertx, fresh, 1);
            final Pool b = TestPostgres.pool(vertx, fresh, 1);
            final List<Integer> applied = await(Future.all(Migrations.migrate(a), Migrations.migrate(b))).list();
            assertEquals(Migrations.available().size(), applied.get(0) + applied.get(1));
            assertEquals(Migrations.available().size(),
                    await(a.query("SELECT count(*) FROM schema_version").execute()).iterator().next().getLong(0));
            a.close();
            b.close();
            pool.close();
        } finally {
            await(vertx.close());
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
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

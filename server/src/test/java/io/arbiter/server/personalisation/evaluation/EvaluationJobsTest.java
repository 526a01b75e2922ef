package io.arbiter.server.personalisation.evaluation;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-memory job list: one job at a time in order, progress then result or error, the last N kept, close. */
class EvaluationJobsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void jobsRunOneAtATimeAndShowProgressThenTheirResult() throws Exception {
        try (EvaluationJobs jobs = new EvaluationJobs(CLOCK, 10)) {
            final CountDownLatch release = new CountDownLatch(1);
            final CountDownLatch running = new CountDownLatch(1);
            final EvaluationJobs.Job first = jobs.submit("e", job -> {
                job.progress(42, Instant.parse("2026-12-05T12:00:00Z"));
                running.countDown();
                assertTrue(release.await(10, TimeUnit.SECONDS));
                return new JsonObject().put("policies", "answer");
            });
            final EvaluationJobs.Job second = jobs.submit("e", job -> new JsonObject().put("policies", "second"));
            assertTrue(running.await(10, TimeUnit.SECONDS));
            final JsonObject progress = first.toJson();
            assertEquals("running", progress.getString("status"));
            assertEquals(42L, progress.getLong("rowsRead"));
            assertEquals("2026-12-05T12:00:00Z", progress.getString("readUpTo"));
            assertEquals("queued", second.status(), "the second waits for the first");
            release.countDown();
            awaitFinished(second);
            assertEquals("done", first.status());
            assertEquals("answer", first.toJson().getString("policies"));
            assertEquals("done", first.toJson().getString("status"), "the result does not hide the status");
            assertEquals(first.id(), first.toJson().getString("id"));
            assertEquals("second", second.toJson().getString("policies"));
        }
    }

    @Test
    void aFailingJobSaysWhyAndTheLastNAreKept() throws Exception {
        try (EvaluationJobs jobs = new EvaluationJobs(CLOCK, 2)) {
            final EvaluationJobs.Job failed = jobs.submit("e", job -> {
                throw new ExecutionException("reading decisions failed: connection refused", null);
            });
            awaitFinished(failed);
            assertEquals("failed", failed.status());
            final String error = failed.toJson().getString("error");
            assertTrue(error.contains("connection refused") && error.contains("post the evaluation again"), error);
            final EvaluationJobs.Job b = jobs.submit("e", job -> new JsonObject());
            final EvaluationJobs.Job c = jobs.submit("e", job -> new JsonObject());
            awaitFinished(c);
            awaitFinished(b);
            assertNull(jobs.get(failed.id()), "the oldest finished job is dropped beyond keptJobs");
            assertNotNull(jobs.get(b.id()));
            assertNotNull(jobs.get(c.id()));
        }
    }

    @Test
    void closingFailsTheRunningJobVisibly() throws Exception {
        final EvaluationJobs jobs = new EvaluationJobs(CLOCK, 10);
        final CountDownLatch running = new CountDownLatch(1);
        final EvaluationJobs.Job job = jobs.submit("e", j -> {
            running.countDown();
            Thread.sleep(60_000);
            return new JsonObject();
        });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        jobs.close();
        awaitFinished(job);
        assertEquals("failed", job.status());
        assertTrue(job.toJson().getString("error").contains("stopped before it finished"), job.toJson().encode());
    }

    private static void awaitFinished(EvaluationJobs.Job job) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (("queued".equals(job.status()) || "running".equals(job.status())) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }
}

package io.arbiter.server.personalisation.evaluation;

import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The evaluation jobs of one node, in its memory: one worker thread ({@code arbiter-evaluation}) runs them one at a
 * time in the order they were submitted, so a second job waits ({@code queued}) rather than doubling the load on
 * Postgres. A job is {@code queued}, {@code running}, {@code done} or {@code failed} (with the error); the last
 * {@code keptJobs} finished ones are kept. A restart loses every job, running ones included: their {@code GET}
 * answers 404 and the evaluation is re-run by posting it again (the decision log is in Postgres, nothing is lost).
 * The worker runs {@code threadSetup} first (the server lowers its CPU priority there: {@code evaluation.priority}).
 */
public final class EvaluationJobs implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EvaluationJobs.class.getName());

    /** The work of one job: it runs on the evaluation thread and returns the answer's JSON. */
    @FunctionalInterface
    public interface Work {
        JsonObject run(Job job) throws Exception;
    }

    /** One job; its fields are written by the evaluation thread and read by any. */
    public static final class Job {
        private final String id;
        private final String experiment;
        private final Instant submitted;
        private volatile String status = "queued";
        private volatile long rowsRead;
        private volatile Instant lastTime;
        private volatile JsonObject result;
        private volatile String error;
        private volatile boolean cancelled;

        Job(String id, String experiment, Instant submitted) {
            this.id = id;
            this.experiment = experiment;
            this.submitted = submitted;
        }

        public String id() {
            return id;
        }

        public String experiment() {
            return experiment;
        }

        public String status() {
            return status;
        }

        /** Progress: rows read and the decision time reached. */
        public void progress(long rows, Instant time) {
            this.rowsRead = rows;
            this.lastTime = time;
        }

        public boolean cancelled() {
            return cancelled;
        }

        /** The job as {@code GET} shows it: progress while it runs, then the result (or the error). */
        public JsonObject toJson() {
            final JsonObject json = new JsonObject().put("id", id).put("experiment", experiment)
                .put("status", status).put("submitted", submitted.toString()).put("rowsRead", rowsRead);
            if (lastTime != null) {
                json.put("readUpTo", lastTime.toString());
            }
            if (error != null) {
                json.put("error", error);
            }
            final JsonObject r = result;
            if (r != null) {
                json.mergeIn(r).put("status", status).put("id", id);
            }
            return json;
        }
    }

    private final Clock clock;
    private final int keptJobs;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Deque<String> finished = new ArrayDeque<>();
    private final SecureRandom ids = new SecureRandom();
    private final ExecutorService worker;

    public EvaluationJobs(Clock clock, int keptJobs) {
        this(clock, keptJobs, () -> { });
    }

    /**
     * @param threadSetup run once on the worker thread before its first job
     */
    public EvaluationJobs(Clock clock, int keptJobs, Runnable threadSetup) {
        this.clock = clock;
        this.keptJobs = keptJobs;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(() -> {
                threadSetup.run();
                r.run();
            }, "arbiter-evaluation");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a job; it starts when the jobs before it have finished. */
    public Job submit(String experiment, Work work) {
        final byte[] raw = new byte[8];
        ids.nextBytes(raw);
        final Job job = new Job("ev-" + HexFormat.of().formatHex(raw), experiment, clock.instant());
        jobs.put(job.id, job);
        try {
            worker.execute(() -> run(job, work));
        } catch (RejectedExecutionException e) {
            jobs.remove(job.id);
            throw new ApiException(503, "the server is stopping: no new evaluation starts");
        }
        return job;
    }

    private void run(Job job, Work work) {
        job.status = "running";
        try {
            job.result = work.run(job);
            job.status = "done";
        } catch (InterruptedException e) {
            job.error = "stopped before it finished (the server is stopping or the job was cancelled); post it "
                + "again to re-run it";
            job.status = "failed";
        } catch (RuntimeException | Error e) {
            job.error = "internal error: " + e;
            job.status = "failed";
            LOG.log(System.Logger.Level.ERROR, "evaluation " + job.id + " failed", e);
        } catch (Exception e) { // Postgres failed a query or did not answer: the job fails, it can be re-run
            job.error = (e instanceof java.util.concurrent.TimeoutException ? "Postgres did not answer in time"
                : e.getMessage()) + "; post the evaluation again to re-run it";
            job.status = "failed";
            LOG.log(System.Logger.Level.WARNING, "evaluation " + job.id + " of experiment " + job.experiment
                + " failed: " + job.error);
        } finally {
            retire(job.id);
        }
    }

    private synchronized void retire(String id) {
        finished.addLast(id);
        while (finished.size() > keptJobs) {
            jobs.remove(finished.removeFirst());
        }
    }

    /**
     * The jobs of {@code experiment} this node still keeps (running, queued, and the last {@code keptJobs} finished of
     * all experiments), newest first.
     */
    public java.util.List<Job> ofExperiment(String experiment) {
        final java.util.List<Job> out = new java.util.ArrayList<>();
        for (final Job job : jobs.values()) {
            if (job.experiment.equals(experiment)) {
                out.add(job);
            }
        }
        out.sort((a, b) -> b.submitted.compareTo(a.submitted));
        return out;
    }

    /** The job, or null when unknown (never submitted, evicted, or lost with a restart). */
    public Job get(String id) {
        return jobs.get(id);
    }

    /** Stops the worker; a running job fails with "stopped before it finished". */
    @Override
    public void close() {
        for (final Job job : jobs.values()) {
            job.cancelled = true;
        }
        worker.shutdownNow();
    }
}

package io.arbiter.loadtest.run;

import io.arbiter.loadtest.plan.ArrivalPlan;
import io.arbiter.loadtest.scenario.Request;
import io.arbiter.loadtest.scenario.RequestKind;
import io.arbiter.loadtest.scenario.Scenario;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One open-loop sender on one event loop. It walks its {@link ArrivalPlan}, sending each request
 * at its intended time whatever the server is doing. When every connection is busy the send waits
 * in the generator's own backlog; its latency still counts from the intended time, and the wait
 * is counted, so a slow server cannot hide behind a slow generator.
 *
 * <p>For every answer in the measured window it records, in microseconds:
 * <ul>
 *   <li><b>corrected</b> latency = answer time &minus; intended send time (what a user waits);</li>
 *   <li><b>service</b> time = answer time &minus; actual write time (what most tools report);</li>
 *   <li><b>send lag</b> = actual write &minus; intended time (the generator's own delay).</li>
 * </ul>
 * Each value is recorded once, from timestamps; nothing is corrected after the fact, so nothing
 * can be corrected twice. All state is touched from this worker's event loop only.
 */
public final class Worker extends VerticleBase {
    private final int index;
    private final RunConfig config;
    private final Scenario scenario;
    private final ArrivalPlan plan;
    private final NanoClock clock;
    private final long startNanos;
    private final long measureFromOffset;
    private final long planEndOffset;
    private final long timeoutMillis;
    private final String basePath;

    final IntervalSampler corrected = new IntervalSampler();
    final IntervalSampler service = new IntervalSampler();
    final IntervalSampler sendLag = new IntervalSampler();
    final IntervalSampler[] correctedByKind = new IntervalSampler[RequestKind.values().length];
    final WorkerCounters counters = new WorkerCounters();

    private final LongRing backlog = new LongRing();
    private final Promise<Void> finished = Promise.promise();
    private Connections connections;   // HTTP/2 or TLS: the Vert.x HTTP client
    private Http1Connections http1;    // plain HTTP/1.1: the lean transport
    private ContextInternal ctx;
    private EventLoop eventLoop;
    private long nextOffset;
    private int inFlight;
    private int measuredInFlight;
    private boolean planDone;
    private boolean done;
    private boolean measuring;

    /**
     * @param startNanos the run's time zero on {@code clock}; the plan's offsets count from it
     */
    public Worker(int index, RunConfig config, Scenario scenario, ArrivalPlan plan, NanoClock clock, long startNanos) {
        this.index = index;
        this.config = Objects.requireNonNull(config, "config");
        this.scenario = Objects.requireNonNull(scenario, "scenario");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.startNanos = startNanos;
        this.measureFromOffset = config.warmupNanos();
        this.planEndOffset = config.warmupNanos() + config.durationNanos();
        this.timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(config.timeoutNanos()));
        this.basePath = config.basePath();
        for (int i = 0; i < correctedByKind.length; i++) {
            correctedByKind[i] = new IntervalSampler();
        }
    }

    @Override
    public Future<?> start() {
        ctx = (ContextInternal) context;
        eventLoop = ctx.nettyEventLoop();
        if (!config.http2() && !config.tls()) {
            http1 = new Http1Connections(vertx, ctx, config.url().getHost(), config.port(), basePath,
                    config.connectionsOf(index), config.maxInFlight(), config.timeoutNanos(), clock, this::answered);
        } else {
            final HttpClientAgent client = vertx.createHttpClient(clientOptions(), poolOptions());
            connections = new Connections(client, config.connectionsOf(index), config.maxInFlight());
        }
        nextOffset = plan.nextOffsetNanos();
        scheduleTickAt(nextOffset);
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        if (http1 != null) {
            return http1.close();
        }
        return connections == null ? Future.succeededFuture() : connections.close();
    }

    /** Completes when the plan is done and every request is answered, or the drain time is up. */
    public Future<Void> finished() {
        return finished.future();
    }

    public int index() {
        return index;
    }

    private HttpClientOptions clientOptions() {
        final HttpClientOptions options = new HttpClientOptions()
                .setDefaultHost(config.url().getHost())
                .setDefaultPort(config.port())
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        if (config.tls()) {
            options.setSsl(true).setUseAlpn(config.http2());
            if (config.insecure()) {
                options.setTrustAll(true).setVerifyHost(false);
            }
        }
        if (config.http2()) {
            options.setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false)
                    .setHttp2MultiplexingLimit(config.maxInFlight());
        } else if (config.maxInFlight() > 1) {
            options.setPipelining(true).setPipeliningLimit(config.maxInFlight());
        }
        return options;
    }

    private PoolOptions poolOptions() {
        final int connections = config.connectionsOf(index);
        return new PoolOptions().setHttp1MaxSize(connections).setHttp2MaxSize(connections).setMaxWaitQueueSize(-1);
    }

    /** Netty's loop timer has microsecond resolution with epoll; Vert.x timers tick in milliseconds. */
    private void scheduleTickAt(long offsetNanos) {
        final long delay = startNanos + offsetNanos - clock.nanoTime();
        eventLoop.schedule(() -> ctx.dispatch(this::tick), Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    private void tick() {
        final long nowOffset = clock.nanoTime() - startNanos;
        drainBacklog(); // a connection that came free without an answer (e.g. a reconnect) must not idle
        while (nextOffset <= nowOffset && nextOffset < planEndOffset) {
            dispatch(nextOffset);
            nextOffset = plan.nextOffsetNanos();
        }
        if (nextOffset >= planEndOffset) {
            planDone = true;
            final long drainEnd = planEndOffset + config.timeoutNanos();
            scheduleDrainDeadline(drainEnd - nowOffset);
            finishIfIdle();
        } else {
            scheduleTickAt(nextOffset);
        }
    }

    private void dispatch(long intendedOffset) {
        final boolean measured = intendedOffset >= measureFromOffset;
        if (measured) {
            if (!measuring) {
                skipWarmupBacklog();
            }
            counters.increment(Counter.PLANNED);
        }
        final Object slot = backlog.isEmpty() ? acquire() : null;
        if (slot != null) {
            send(slot, intendedOffset);
        } else if (backlog.size() < config.maxBacklog()) {
            backlog.addLast(intendedOffset);
            if (measured) {
                counters.increment(Counter.BACKLOGGED);
            }
            counters.set(Counter.BACKLOG_DEPTH, backlog.size());
            counters.raiseTo(Counter.MAX_BACKLOG_DEPTH, backlog.size());
        } else if (measured) {
            counters.increment(Counter.DROPPED);
        }
    }

    /**
     * Warm-up exists to get the JIT, connections and caches ready, not to be measured. Warm-up sends
     * still queued when measuring starts would only delay the first measured ones, so they are
     * dropped and counted ({@link Counter#WARMUP_SKIPPED}); the backlog holds nothing else yet.
     */
    private void skipWarmupBacklog() {
        measuring = true;
        counters.add(Counter.WARMUP_SKIPPED, backlog.size());
        while (!backlog.isEmpty()) {
            backlog.pollFirst();
        }
        counters.set(Counter.BACKLOG_DEPTH, 0);
    }

    /** A slot of whichever transport this worker uses, or null when all its connections are busy. */
    private Object acquire() {
        return http1 != null ? http1.acquire() : connections.acquire();
    }

    private void release(Object slot) {
        if (http1 != null) {
            http1.release((Http1Connections.Slot) slot);
        } else {
            connections.release((Connections.Slot) slot);
        }
    }

    private void send(Object slot, long intendedOffset) {
        final Request request = scenario.next();
        final boolean measured = intendedOffset >= measureFromOffset;
        inFlight++;
        if (measured) {
            measuredInFlight++;
            counters.increment(Counter.SENT);
        }
        if (http1 != null) {
            http1.send((Http1Connections.Slot) slot, request, intendedOffset);
        } else {
            sendViaClient((Connections.Slot) slot, request, intendedOffset);
        }
    }

    private void answered(Http1Connections.Slot slot, Http1Connections.Pending pending, int status, Buffer body,
                          Throwable failure) {
        complete(slot, pending.request, pending.intendedOffset, pending.writtenAt, status, body, failure);
    }

    private void sendViaClient(Connections.Slot slot, Request request, long intendedOffset) {
        final RequestOptions options = new RequestOptions()
                .setMethod(request.method())
                .setURI(basePath + request.path())
                .setIdleTimeout(timeoutMillis);
        if (request.body() != null) {
            options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        final long[] writtenAt = {0};
        connections.request(options)
                .compose(req -> {
                    writtenAt[0] = clock.nanoTime();
                    return request.body() == null ? req.send() : req.send(request.body());
                })
                // body() rather than end(): with Vert.x 5.0.10, end() on an answer that had already
                // arrived in full sometimes never completed (seen in ShortfallAndErrorsTest).
                .compose(response -> response.body().map(body -> new Answer(response.statusCode(), body)))
                .onComplete(ar -> complete(slot, request, intendedOffset, writtenAt[0],
                        ar.succeeded() ? ar.result().status() : 0, ar.succeeded() ? ar.result().body() : null,
                        ar.cause()));
    }

    /** An HTTP answer: status and the whole body. */
    private record Answer(int status, Buffer body) {
    }

    private void complete(Object slot, Request request, long intendedOffset, long writtenAt, int status, Buffer body,
                          Throwable failure) {
        if (done) {
            return; // answered after the drain deadline: already counted as unfinished
        }
        final long now = clock.nanoTime();
        inFlight--;
        release(slot);
        final boolean measured = intendedOffset >= measureFromOffset;
        if (measured) {
            measuredInFlight--;
        }
        if (failure != null) {
            if (measured) {
                final Counter kind = FailureKinds.classify(failure);
                counters.failure(kind, failure.getClass().getSimpleName() + ": " + failure.getMessage());
            }
        } else {
            counters.increment(Counter.ALL_RESPONSES);
            if (measured) {
                counters.increment(Counter.RESPONSES);
                counters.countStatus(status);
                final long intended = startNanos + intendedOffset;
                final long latency = Histograms.toMicros(now - intended);
                corrected.record(latency);
                correctedByKind[request.kind().ordinal()].record(latency);
                service.record(Histograms.toMicros(now - writtenAt));
                sendLag.record(Histograms.toMicros(writtenAt - intended));
            }
            if (request.needsResponseBody()) {
                scenario.onResponse(request, status, body);
            }
        }
        drainBacklog();
        finishIfIdle();
    }

    private void drainBacklog() {
        if (backlog.isEmpty()) {
            return;
        }
        Object free;
        while (!backlog.isEmpty() && (free = acquire()) != null) {
            send(free, backlog.pollFirst());
        }
        counters.set(Counter.BACKLOG_DEPTH, backlog.size());
    }

    private void finishIfIdle() {
        if (planDone && inFlight == 0 && backlog.isEmpty()) {
            finish();
        }
    }

    private void scheduleDrainDeadline(long delayNanos) {
        eventLoop.schedule(() -> ctx.dispatch(this::finish), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        long unsent = 0;
        while (!backlog.isEmpty()) {
            if (backlog.pollFirst() >= measureFromOffset) {
                unsent++;
            }
        }
        counters.add(Counter.UNSENT, unsent);
        counters.add(Counter.UNFINISHED, measuredInFlight);
        counters.set(Counter.BACKLOG_DEPTH, 0);
        finished.tryComplete();
    }
}

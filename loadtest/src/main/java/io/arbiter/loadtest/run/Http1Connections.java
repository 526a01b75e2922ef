package io.arbiter.loadtest.run;

import io.arbiter.loadtest.scenario.Request;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The lean transport for plain HTTP/1.1 (no TLS, no HTTP/2): a worker's own TCP connections, each request written
 * as one pre-encoded buffer and each answer read by {@link Http1ResponseParser}. It does per request what the
 * generator must do and little else (no request/response objects, header maps, futures or per-request timers), so
 * one generator core drives several times the rate the Vert.x HTTP client can; HTTP/2 and TLS keep using that
 * client ({@link Connections}).
 *
 * <p>Like {@link Connections}, the worker takes a slot (a connection with room for one more request) before each
 * send, so its backlog is the only queue. Answers on a connection arrive in request order (pipelining keeps the
 * order), so each connection keeps a FIFO of its requests in flight.
 *
 * <p><b>Timeouts.</b> Every request gets the same timeout, so deadlines expire in write order: one timer per worker
 * waits for the oldest unanswered request's deadline, instead of a timer per request. A request that times out
 * closes its connection (an HTTP/1.1 connection cannot skip an answer); requests pipelined behind it on that
 * connection fail as timeouts too. Event loop only.
 */
final class Http1Connections {

    /** The worker's answer to each request: exactly one call per {@link #send}. */
    interface Completion {
        void completed(Slot slot, Pending pending, int status, Buffer body, Throwable failure);
    }

    /** One connection's place. */
    static final class Slot implements Http1ResponseParser.Sink {
        private final Http1Connections owner;
        private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        private NetSocket socket;
        private Http1ResponseParser parser;
        private boolean connecting;
        private int acquired;
        private Throwable lastError;

        private Slot(Http1Connections owner) {
            this.owner = owner;
        }

        @Override
        public boolean wantsBody() {
            final Pending head = inFlight.peekFirst();
            return head != null && head.request.needsResponseBody();
        }

        @Override
        public void response(int status, Buffer body, boolean connectionClose) {
            owner.answered(this, status, body, connectionClose);
        }
    }

    /** A request in flight. */
    static final class Pending {
        final Request request;
        final long intendedOffset;
        private final Slot slot;
        long writtenAt;
        private long deadline;
        private boolean done;

        private Pending(Slot slot, Request request, long intendedOffset) {
            this.slot = slot;
            this.request = request;
            this.intendedOffset = intendedOffset;
        }
    }

    private final NetClient client;
    private final String host;
    private final int port;
    private final String hostHeader;
    private final String basePath;
    private final Slot[] slots;
    private final int maxInFlight;
    private final long timeoutNanos;
    private final NanoClock clock;
    private final ContextInternal ctx;
    private final EventLoop eventLoop;
    private final Completion completion;
    private final ArrayDeque<Pending> timeline = new ArrayDeque<>();
    private boolean timerArmed;
    private boolean closed;
    private int cursor;

    Http1Connections(Vertx vertx, ContextInternal ctx, String host, int port, String basePath, int count,
                     int maxInFlight, long timeoutNanos, NanoClock clock, Completion completion) {
        this.ctx = ctx;
        this.eventLoop = ctx.nettyEventLoop();
        this.host = host;
        this.port = port;
        this.hostHeader = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        this.basePath = basePath;
        this.maxInFlight = maxInFlight;
        this.timeoutNanos = timeoutNanos;
        this.clock = clock;
        this.completion = completion;
        this.client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)
                .setConnectTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos)))));
        this.slots = new Slot[count];
        for (int i = 0; i < count; i++) {
            slots[i] = new Slot(this);
        }
    }

    /** @return a slot with room for one more request (now counted), or null when all are busy */
    Slot acquire() {
        Slot unconnected = null;
        for (int i = 0; i < slots.length; i++) {
            final Slot slot = slots[(cursor + i) % slots.length];
            if (slot.connecting || slot.acquired >= maxInFlight) {
                continue;
            }
            if (slot.socket != null) {
                cursor = (cursor + i + 1) % slots.length; // round robin spreads pipelined load
                slot.acquired++;
                return slot;
            }
            if (unconnected == null) {
                unconnected = slot;
            }
        }
        if (unconnected != null) {
            unconnected.acquired++;
        }
        return unconnected;
    }

    /** Gives back the room taken by {@link #acquire}, once the request's completion has been handled. */
    void release(Slot slot) {
        slot.acquired--;
    }

    /** Sends the request on the slot (connecting first if needed); the answer goes to the completion. */
    void send(Slot slot, Request request, long intendedOffset) {
        final Pending pending = new Pending(slot, request, intendedOffset);
        slot.inFlight.addLast(pending);
        if (slot.socket != null) {
            write(slot.socket, pending);
        } else if (!slot.connecting) {
            connect(slot);
        }
    }

    private void connect(Slot slot) {
        slot.connecting = true;
        client.connect(port, host).onComplete(ar -> {
            slot.connecting = false;
            if (ar.failed()) {
                failAll(slot, ar.cause());
                return;
            }
            final NetSocket socket = ar.result();
            if (closed) {
                socket.close();
                failAll(slot, new ClosedChannelException());
                return;
            }
            slot.socket = socket;
            slot.parser = new Http1ResponseParser(slot);
            slot.lastError = null;
            socket.handler(data -> onData(slot, socket, data));
            socket.exceptionHandler(t -> slot.lastError = t);
            socket.closeHandler(v -> onClosed(slot, socket));
            for (final Pending pending : slot.inFlight) {
                write(socket, pending);
            }
        });
    }

    private void write(NetSocket socket, Pending pending) {
        final Buffer bytes = encode(pending.request);
        pending.writtenAt = clock.nanoTime();
        pending.deadline = pending.writtenAt + timeoutNanos;
        timeline.addLast(pending);
        if (!timerArmed) {
            armTimer(pending.deadline);
        }
        socket.write(bytes);
    }

    private Buffer encode(Request request) {
        final Buffer body = request.body();
        final String target = basePath + request.path();
        final Buffer out = Buffer.buffer(96 + target.length() + (body == null ? 0 : body.length()));
        out.appendString(request.method().name()).appendByte((byte) ' ').appendString(target)
                .appendString(" HTTP/1.1\r\nHost: ").appendString(hostHeader);
        if (body != null) {
            out.appendString("\r\nContent-Type: application/json\r\nContent-Length: ")
                    .appendString(Integer.toString(body.length()));
        }
        out.appendString("\r\n\r\n");
        if (body != null) {
            out.appendBuffer(body);
        }
        return out;
    }

    private void onData(Slot slot, NetSocket socket, Buffer data) {
        if (slot.socket != socket) {
            return; // a connection given up on (timed out) that still delivers bytes
        }
        try {
            slot.parser.feed(data);
        } catch (Http1ResponseParser.MalformedResponseException e) {
            drop(slot, e);
        }
    }

    private void answered(Slot slot, int status, Buffer body, boolean connectionClose) {
        final Pending pending = slot.inFlight.pollFirst();
        if (pending == null) {
            drop(slot, new Http1ResponseParser.MalformedResponseException("an answer nobody asked for"));
            return;
        }
        if (connectionClose) {
            // The server closes after this answer: requests pipelined behind it will not be answered here. They are
            // taken first, because the completion may already send the next request through this slot.
            final List<Pending> behind = takeInFlight(slot);
            final NetSocket socket = slot.socket;
            slot.socket = null;
            if (socket != null) {
                socket.close();
            }
            finish(pending, status, body, null);
            fail(behind, new ClosedChannelException());
        } else {
            finish(pending, status, body, null);
        }
    }

    private void onClosed(Slot slot, NetSocket socket) {
        if (slot.socket != socket) {
            return; // closed on purpose, already accounted for
        }
        slot.socket = null;
        // Requests sent through this slot from completions below belong to the next connection: only these fail.
        final List<Pending> lost = new ArrayList<>(slot.inFlight);
        slot.parser.end(); // completes an answer delimited by the close, if one was being read
        slot.inFlight.removeAll(lost);
        final ClosedChannelException closedEx = new ClosedChannelException();
        if (slot.lastError != null) {
            closedEx.initCause(slot.lastError);
        }
        fail(lost, closedEx);
    }

    /** Closes the slot's connection and fails everything in flight on it. */
    private void drop(Slot slot, Throwable failure) {
        final NetSocket socket = slot.socket;
        slot.socket = null;
        if (socket != null) {
            socket.close();
        }
        failAll(slot, failure);
    }

    private void failAll(Slot slot, Throwable failure) {
        fail(takeInFlight(slot), failure);
    }

    /** Empties the slot's FIFO first: a completion may send the next request through this very slot. */
    private static List<Pending> takeInFlight(Slot slot) {
        if (slot.inFlight.isEmpty()) {
            return List.of();
        }
        final List<Pending> taken = new ArrayList<>(slot.inFlight);
        slot.inFlight.clear();
        return taken;
    }

    private void fail(List<Pending> pendings, Throwable failure) {
        for (final Pending pending : pendings) {
            finish(pending, 0, null, failure); // skips those already answered
        }
    }

    private void finish(Pending pending, int status, Buffer body, Throwable failure) {
        if (pending.done) {
            return;
        }
        pending.done = true;
        // Answers come back roughly in write order, so dropping answered requests from the head here keeps the
        // timeline short: a request held for its whole timeout would survive young collections and make them slow.
        Pending head;
        while ((head = timeline.peekFirst()) != null && head.done) {
            timeline.pollFirst();
        }
        completion.completed(pending.slot, pending, status, body, failure);
    }

    private void armTimer(long deadlineNanos) {
        timerArmed = true;
        eventLoop.schedule(() -> ctx.dispatch(this::sweep), Math.max(0, deadlineNanos - clock.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    private void sweep() {
        timerArmed = false;
        final long now = clock.nanoTime();
        Pending head;
        while ((head = timeline.peekFirst()) != null) {
            if (head.done) {
                timeline.pollFirst();
                continue;
            }
            if (head.deadline > now) {
                break;
            }
            timeline.pollFirst();
            timeOut(head);
        }
        if (head != null && !closed) {
            armTimer(head.deadline);
        }
    }

    private void timeOut(Pending pending) {
        final Slot slot = pending.slot;
        final long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        final NetSocket socket = slot.socket;
        slot.socket = null;
        if (socket != null) {
            socket.close();
        }
        slot.inFlight.remove(pending);
        final List<Pending> behind = takeInFlight(slot);
        finish(pending, 0, null, new TimeoutException("no answer within " + millis + " ms"));
        fail(behind, new TimeoutException("connection closed: a request before this one on it timed out after "
                + millis + " ms"));
    }

    Future<Void> close() {
        closed = true;
        return client.close();
    }
}

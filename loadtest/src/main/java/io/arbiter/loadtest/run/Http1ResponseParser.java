package io.arbiter.loadtest.run;

import io.vertx.core.buffer.Buffer;

/**
 * Incremental HTTP/1.1 response parser for the lean client ({@link Http1Connections}): feed it the bytes as they
 * arrive, in any split, and it reports each complete response (status and, when asked for, the body). It handles
 * {@code Content-Length} bodies, {@code Transfer-Encoding: chunked} bodies (trailers skipped), bodiless statuses
 * (1xx, 204, 304), bodies delimited by the end of the connection, and {@code Connection: close}. Interim 1xx
 * answers are skipped. Anything else that does not parse is a {@link MalformedResponseException}; the connection
 * cannot be trusted after it. Single-threaded; one parser per connection.
 */
final class Http1ResponseParser {

    /** Receives the parsed responses. */
    interface Sink {
        /** @return true to collect the next response's body (asked when its status line has been read) */
        boolean wantsBody();

        /** A complete response; {@code body} is null unless {@link #wantsBody()} said so. */
        void response(int status, Buffer body, boolean connectionClose);
    }

    static final class MalformedResponseException extends RuntimeException {
        MalformedResponseException(String message) {
            super(message);
        }
    }

    private enum State { STATUS_LINE, HEADERS, BODY_LENGTH, BODY_UNTIL_CLOSE, CHUNK_SIZE, CHUNK_DATA, CHUNK_END,
            TRAILERS }

    private static final int MAX_LINE = 16 * 1024;

    private final Sink sink;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private State state = State.STATUS_LINE;
    private int status;
    private long contentLength;
    private boolean chunked;
    private boolean connectionClose;
    private long remaining;
    private Buffer body;

    Http1ResponseParser(Sink sink) {
        this.sink = sink;
    }

    /** Parses {@code data[0..)}; calls the sink for every response completed by it. */
    void feed(Buffer data) {
        final int length = data.length();
        int i = 0;
        while (i < length) {
            switch (state) {
                case BODY_LENGTH, CHUNK_DATA, BODY_UNTIL_CLOSE -> {
                    final int take = state == State.BODY_UNTIL_CLOSE ? length - i
                            : (int) Math.min(remaining, length - i);
                    if (body != null) {
                        body.appendBuffer(data, i, take);
                    }
                    i += take;
                    remaining -= take;
                    if (state == State.BODY_LENGTH && remaining == 0) {
                        complete();
                    } else if (state == State.CHUNK_DATA && remaining == 0) {
                        state = State.CHUNK_END;
                    }
                }
                default -> {
                    final byte b = data.getByte(i++);
                    if (b == '\n') {
                        line();
                        lineLength = 0;
                    } else if (b != '\r') {
                        if (lineLength == MAX_LINE) {
                            throw new MalformedResponseException("response line longer than " + MAX_LINE + " bytes");
                        }
                        line[lineLength++] = b;
                    }
                }
            }
        }
    }

    /** The connection ended: completes a body that runs until the close. @return true if a response was cut off */
    boolean end() {
        if (state == State.BODY_UNTIL_CLOSE) {
            complete();
            return false;
        }
        return state != State.STATUS_LINE || lineLength > 0;
    }

    private void line() {
        switch (state) {
            case STATUS_LINE -> {
                if (lineLength == 0) {
                    return; // tolerate empty lines between responses
                }
                contentLength = -1;
                chunked = false;
                connectionClose = false;
                status = parseStatus();
                state = State.HEADERS;
            }
            case HEADERS -> {
                if (lineLength > 0) {
                    header();
                    return;
                }
                if (status < 200) {
                    state = State.STATUS_LINE; // interim answer (100 Continue, 103 Early Hints): the real one follows
                    return;
                }
                body = sink.wantsBody() ? Buffer.buffer() : null;
                if (status == 204 || status == 304) {
                    complete();
                } else if (chunked) {
                    state = State.CHUNK_SIZE;
                } else if (contentLength >= 0) {
                    remaining = contentLength;
                    if (remaining == 0) {
                        complete();
                    } else {
                        state = State.BODY_LENGTH;
                    }
                } else {
                    state = State.BODY_UNTIL_CLOSE;
                    connectionClose = true;
                }
            }
            case CHUNK_SIZE -> {
                long size = 0;
                int digits = 0;
                for (int i = 0; i < lineLength; i++) {
                    final int d = Character.digit(line[i], 16);
                    if (d < 0) {
                        break; // chunk extensions after ';'
                    }
                    if (++digits > 15) {
                        throw new MalformedResponseException("chunk size too large");
                    }
                    size = size * 16 + d;
                }
                if (digits == 0) {
                    throw new MalformedResponseException("bad chunk size line");
                }
                if (size == 0) {
                    state = State.TRAILERS;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
            }
            case CHUNK_END -> {
                if (lineLength != 0) {
                    throw new MalformedResponseException("chunk data longer than its size");
                }
                state = State.CHUNK_SIZE;
            }
            case TRAILERS -> {
                if (lineLength == 0) {
                    complete();
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private int parseStatus() {
        // HTTP/1.x SSS reason
        if (lineLength < 12 || line[0] != 'H' || line[1] != 'T' || line[2] != 'T' || line[3] != 'P' || line[4] != '/'
                || line[8] != ' ') {
            throw new MalformedResponseException("not an HTTP/1.x status line");
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            final int d = line[i] - '0';
            if (d < 0 || d > 9) {
                throw new MalformedResponseException("bad status code");
            }
            code = code * 10 + d;
        }
        if (code < 100) {
            throw new MalformedResponseException("bad status code " + code);
        }
        if (line[7] == '0') {
            connectionClose = true; // HTTP/1.0 closes unless kept alive; the load tester does not ask for that
        }
        return code;
    }

    private void header() {
        int colon = -1;
        for (int i = 0; i < lineLength; i++) {
            if (line[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            throw new MalformedResponseException("header line without a name");
        }
        if (is("content-length", colon)) {
            long value = 0;
            int digits = 0;
            for (int i = colon + 1; i < lineLength; i++) {
                final byte b = line[i];
                if (b == ' ' || b == '\t') {
                    continue;
                }
                if (b < '0' || b > '9' || ++digits > 15) {
                    throw new MalformedResponseException("bad content-length");
                }
                value = value * 10 + (b - '0');
            }
            if (digits == 0) {
                throw new MalformedResponseException("empty content-length");
            }
            contentLength = value;
        } else if (is("transfer-encoding", colon)) {
            chunked = valueContains(colon, "chunked");
        } else if (is("connection", colon)) {
            if (valueContains(colon, "close")) {
                connectionClose = true;
            }
        }
    }

    private boolean is(String name, int colon) {
        if (colon != name.length()) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            if (Character.toLowerCase((char) line[i]) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean valueContains(int colon, String token) {
        final String value = new String(line, colon + 1, lineLength - colon - 1,
                java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        return value.contains(token);
    }

    private void complete() {
        final Buffer done = body;
        final boolean close = connectionClose;
        body = null;
        state = State.STATUS_LINE;
        lineLength = 0;
        sink.response(status, done, close);
    }
}

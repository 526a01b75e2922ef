package io.arbiter.loadtest.run;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Http1ResponseParserTest {

    /** Records what the parser reports; collects bodies when {@code wantBodies}. */
    private static final class Recorder implements Http1ResponseParser.Sink {
        final boolean wantBodies;
        final List<String> answers = new ArrayList<>();

        Recorder(boolean wantBodies) {
            this.wantBodies = wantBodies;
        }

        @Override
        public boolean wantsBody() {
            return wantBodies;
        }

        @Override
        public void response(int status, Buffer body, boolean connectionClose) {
            answers.add(status + "|" + (body == null ? "-" : body.toString(StandardCharsets.UTF_8))
                    + (connectionClose ? "|close" : ""));
        }
    }

    private static final String STREAM = ""
            + "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 13\r\n\r\n{\"variant\":1}"
            + "HTTP/1.1 100 Continue\r\n\r\n"
            + "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\n"
            + "X-Trailer: 1\r\n\r\nHTTP/1.1 204 No Content\r\nx-openrtb-version: 2.6\r\n\r\nHTTP/1.1 304 Not Modified\r"
            + "\nContent-Length: 10\r\n\r\nHTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\nHTTP/1.1 400 "
            + "Bad Request\r\nCONTENT-LENGTH: 2\r\nConnection: close\r\n\r\nno";

    private static final List<String> EXPECTED = List.of("200|{\"variant\":1}", "202|abcdefg", "204|", "304|",
            "500|", "400|no|close");

    @Test
    void parsesLengthChunkedBodilessAndInterimAnswersInOneStream() {
        final Recorder recorder = new Recorder(true);
        new Http1ResponseParser(recorder).feed(Buffer.buffer(STREAM));
        assertEquals(EXPECTED, recorder.answers);
    }

    /** The same stream cut at random places (seeded) gives the same answers: the parser keeps state across reads. */
    @Test
    void anySplitOfTheBytesGivesTheSameAnswers() {
        final byte[] bytes = STREAM.getBytes(StandardCharsets.ISO_8859_1);
        final long seed = 20261123L;
        final SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 500; trial++) {
            final Recorder recorder = new Recorder(true);
            final Http1ResponseParser parser = new Http1ResponseParser(recorder);
            int at = 0;
            while (at < bytes.length) {
                final int n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 3 : 40));
                parser.feed(Buffer.buffer().appendBytes(bytes, at, n));
                at += n;
            }
            assertEquals(EXPECTED, recorder.answers, "seed " + seed + ", trial " + trial);
        }
    }

    @Test
    void bodiesAreSkippedWhenNotWanted() {
        final Recorder recorder = new Recorder(false);
        new Http1ResponseParser(recorder).feed(Buffer.buffer(STREAM));
        assertEquals(List.of("200|-", "202|-", "204|-", "304|-", "500|-", "400|-|close"), recorder.answers);
    }

    @Test
    void aBodyWithoutLengthRunsUntilTheConnectionCloses() {
        final Recorder recorder = new Recorder(true);
        final Http1ResponseParser parser = new Http1ResponseParser(recorder);
        parser.feed(Buffer.buffer("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nhello "));
        parser.feed(Buffer.buffer("world"));
        assertTrue(recorder.answers.isEmpty());
        assertFalse(parser.end(), "nothing was cut off");
        assertEquals(List.of("200|hello world|close"), recorder.answers);
    }

    @Test
    void anAnswerCutOffByTheCloseIsReported() {
        final Recorder recorder = new Recorder(true);
        final Http1ResponseParser parser = new Http1ResponseParser(recorder);
        parser.feed(Buffer.buffer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
        assertTrue(parser.end());
        assertTrue(recorder.answers.isEmpty());
        assertFalse(new Http1ResponseParser(recorder).end(), "a fresh parser has nothing in progress");
    }

    @Test
    void garbageIsRejected() {
        for (final String bad : List.of("SSH-2.0-OpenSSH\r\n", "HTTP/1.1 2x0 OK\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r"
                        + "\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n")) {
            final Http1ResponseParser parser = new Http1ResponseParser(new Recorder(true));
            assertThrows(Http1ResponseParser.MalformedResponseException.class, () -> parser.feed(Buffer.buffer(bad)),
                    bad);
        }
    }

    @Test
    void noBodyIsCollectedForAnEmptyAnswer() {
        final List<Buffer> bodies = new ArrayList<>();
        final Http1ResponseParser parser = new Http1ResponseParser(new Http1ResponseParser.Sink() {
            @Override
            public boolean wantsBody() {
                return false;
            }

            @Override
            public void response(int status, Buffer body, boolean connectionClose) {
                bodies.add(body);
            }
        });
        parser.feed(Buffer.buffer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(1, bodies.size());
        assertNull(bodies.get(0));
    }
}

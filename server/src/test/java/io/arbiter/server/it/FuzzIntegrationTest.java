package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded fuzzing against a real server. Bodies of decide and reward: random bytes, truncations, mutations of valid
 * bodies and type swaps; no input may produce a 5xx, and the posteriors must have moved by exactly the rewards that
 * were acknowledged. What comes before the body, at every endpoint: request targets with malformed percent-encodings
 * and other mutations of paths and query strings, and odd header values, sent over a raw socket (a URI class would
 * refuse to build them); no request may get a 5xx, and the server's log must carry no stack trace (bad traffic must
 * not flood it: every record is captured through a JUL handler). The seed is printed, and can be fixed with
 * {@code -Dfuzz.seed=N}.
 */
class FuzzIntegrationTest {
    private static final String[] TARGETS = {
        "/health", "/ready", "/metrics", "/v1/experiments", "/v1/experiments/hero", "/v1/experiments/hero/pause",
        "/v1/experiments/hero/evaluations", "/v1/experiments/hero/evaluations/ev-0",
        "/v1/experiments/hero/variants/B/resume",
        "/v1/campaigns", "/v1/campaigns/none", "/rtb/win?t=abc&p=1.5", "/rtb/bill?t=abc&p=2", "/rtb/loss?t=x&l=102",
        "/rtb/click?t=abc", "/rtb/conversion?t=abc", "/rtb/imp?t=abc&p=1", "/v1/decide", "/v1/reward",
        "/v1/reward/batch", "/openrtb2/bid", "/v1/experiments/hero/validate", "/v1/experiments/hero/history?range=24h",
        "/v1/campaigns/none/history", "/v1/bidder/win-rate?contexts=3",
        "/v1/bidder/win-rate?top=x", "/ui/", "/ui/app.js", "/ui/nope.html",
        "/sdk/arbiter.js", "/no/such/path"};
    private static final String[] METHODS = {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS"};
    private static final String[] BAD_ESCAPES = {"%zz", "%", "%1", "%g0", "%u0041", "%C3%28", "%FF%FE", "%00",
        "%%", "%2", "%E2%82"};
    private static final String[] HEADERS = {"Content-Type", "Authorization", "Content-Encoding", "Accept-Encoding",
        "Expect", "x-openrtb-version", "Host", "Origin", "Cookie"}; // framing headers: see the fixed cases
    private static final String[] VALUES = {"", " ", "application/json", "application/json; charset=utf-8",
        "Bearer " + TestServer.ADMIN_TOKEN, "Bearer", "Bearer %zz", "gzip", "br", "x-gzip, gzip", "100-continue",
        "2.5", "9999999999999999999999", "-1", "chunked", "\u00e9\u00e8", "a=%zz", "*/*;q=%zz", "null",
        "text/plain", "application/x-www-form-urlencoded"};

    @TempDir
    static Path dataDir;
    static TestServer server;
    static final List<LogRecord> LOGGED = new CopyOnWriteArrayList<>();
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getThrown() != null || record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                LOGGED.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dataDir);
        Logger.getLogger("").addHandler(CAPTURE);
    }

    @AfterAll
    static void stop() {
        Logger.getLogger("").removeHandler(CAPTURE);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void noInputCausesA5xxOrAWrongPosteriorChange() throws Exception {
        final long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FuzzIntegrationTest seed: " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        final SplittableRandom random = new SplittableRandom(seed);
        final List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            tokens.add(server.decide("hero", "fuzz-" + i).getString("decisionId"));
        }
        final long trialsBefore = totalRewards();
        long accepted = 0;
        for (int i = 0; i < 1_500; i++) {
            final boolean rewardPath = random.nextBoolean();
            final String path = rewardPath ? "/v1/reward" : "/v1/decide";
            final String valid = rewardPath
                ? "{\"decisionId\":\"" + tokens.get(random.nextInt(tokens.size())) + "\",\"reward\":"
                    + (random.nextBoolean() ? "1" : "0") + "}"
                : "{\"experiment\":\"hero\",\"unit\":\"u" + i + "\",\"count\":" + (1 + random.nextInt(3))
                    + (random.nextBoolean() ? "" : ",\"context\":{\"device\":\"mobile\",\"country\":\"DE\"},"
                        + "\"features\":{\"recency\":3.5},\"eligible\":[\"A\",\"B\"],\"exclude\":[\"B\"]") + "}";
            final byte[] body = mutate(valid, random);
            final HttpResponse<String> response = server.post(path, "application/json", body);
            final String context = "seed " + seed + ", request " + i + " to " + path + ": "
                + new String(body, StandardCharsets.UTF_8) + " -> " + response.statusCode() + " " + response.body();
            assertTrue(response.statusCode() < 500, context);
            if (response.statusCode() >= 400) {
                assertTrue(new JsonObject(response.body()).getString("error") != null, context);
            }
            if (rewardPath && response.statusCode() == 202) {
                accepted++;
            }
        }
        assertEquals(trialsBefore + accepted, totalRewards(), "seed " + seed
            + ": the posteriors moved by exactly the acknowledged rewards");
        assertTrue(LOGGED.isEmpty(), "seed " + seed + ": bad bodies logged " + describe(LOGGED));
    }

    @Test
    void mutatedTargetsAndHeadersNeverGet5xxNorLogAStackTrace() throws Exception {
        final long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FuzzIntegrationTest (targets) seed: " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        LOGGED.clear();
        final SplittableRandom random = new SplittableRandom(seed);
        int answered = 0;
        for (int i = 0; i < 800; i++) {
            final String method = METHODS[random.nextInt(METHODS.length)];
            final String target = mutateTarget(TARGETS[random.nextInt(TARGETS.length)], random);
            final StringBuilder headers = new StringBuilder();
            for (int h = random.nextInt(4); h > 0; h--) {
                headers.append(HEADERS[random.nextInt(HEADERS.length)]).append(": ")
                    .append(VALUES[random.nextInt(VALUES.length)]).append("\r\n");
            }
            final String body = random.nextBoolean() ? "" : "{\"experiment\":\"hero\",\"unit\":\"u\"}";
            final int status;
            try {
                status = send(method, target, headers.toString(), body);
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("seed " + seed + ", request " + i + " hung: " + method + " " + target + "\n"
                    + headers, e);
            }
            final String context = "seed " + seed + ", request " + i + ": " + method + " " + target + "\n" + headers
                + " -> " + status;
            assertTrue(status < 500, context);
            assertTrue(LOGGED.isEmpty(), context + "\nlogged: " + describe(LOGGED));
            if (status > 0) {
                answered++;
            }
        }
        // the percent-encodings the issue found, every time
        for (final String target : new String[] {"/rtb/win?t=abc&p=%zz", "/v1/experiments/hero?%zz",
            "/rtb/bill?t=%zz", "/v1/campaigns?x=%", "/v1/experiments/%zz", "/health?%zz"}) {
            final int status = send("GET", target, "Authorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\n", "");
            assertTrue(status >= 400 && status < 500, target + " -> " + status);
            assertTrue(LOGGED.isEmpty(), target + " logged: " + describe(LOGGED));
        }
        // malformed framing (a valid but unfulfilled length or chunking only makes the server wait, as it should)
        for (final String framing : new String[] {"Content-Length: abc", "Content-Length: -1",
            "Content-Length: 1, 2", "Transfer-Encoding: gzip"}) {
            final int status = send("POST", "/v1/decide", framing + "\r\n", "");
            assertTrue(status < 500, framing + " -> " + status);
            assertTrue(LOGGED.isEmpty(), framing + " logged: " + describe(LOGGED));
        }
        assertTrue(answered > 700, "most requests are answered, not dropped: " + answered);
    }

    private static String mutateTarget(String target, SplittableRandom random) {
        final StringBuilder s = new StringBuilder(target);
        switch (random.nextInt(6)) {
            case 0 -> s.append(s.indexOf("?") < 0 ? '?' : '&').append("p=").append(bad(random));
            case 1 -> s.append(s.indexOf("?") < 0 ? "?" : "&").append(bad(random));
            case 2 -> s.insert(random.nextInt(1, s.length() + 1), bad(random));
            case 3 -> s.append(s.indexOf("?") < 0 ? "?" : "&").append("t=").append(bad(random)).append("&l=")
                .append(bad(random));
            case 4 -> s.insert(random.nextInt(1, s.length() + 1), random.nextBoolean() ? "//" : "/../");
            default -> {
                // untouched
            }
        }
        return s.toString();
    }

    private static String bad(SplittableRandom random) {
        return BAD_ESCAPES[random.nextInt(BAD_ESCAPES.length)];
    }

    /** One request on its own connection; the status, or -1 when the server closed without an answer. */
    private static int send(String method, String target, String headers, String body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port)) {
            socket.setSoTimeout(10_000);
            final byte[] content = body.getBytes(StandardCharsets.UTF_8);
            final String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + (headers.contains("Content-Length") || content.length == 0 ? ""
                    : "Content-Length: " + content.length + "\r\n") + headers + "\r\n";
            final OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            out.write(content);
            out.flush();
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            final String status = line.toString(StandardCharsets.ISO_8859_1);
            return status.startsWith("HTTP/1.") && status.length() >= 12 ? Integer.parseInt(status.substring(9, 12))
                : -1;
        } catch (java.net.SocketException e) {
            return -1; // reset: the server refused to parse the request
        }
    }

    private static String describe(List<LogRecord> records) {
        final StringBuilder s = new StringBuilder();
        for (final LogRecord r : records) {
            s.append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(r.getMessage())
                .append(r.getThrown() == null ? "" : " [" + r.getThrown() + "]").append('\n');
        }
        return s.toString();
    }

    private static long totalRewards() throws Exception {
        long total = 0;
        for (final Object v : server.stats("hero").getJsonArray("variantStats")) {
            total += ((JsonObject) v).getLong("rewards");
        }
        return total;
    }

    private static final String[] REPLACEMENTS = {"null", "true", "[]", "{}", "\"\"", "-1", "1e999", "NaN", "0.5",
        "\"\\u0000\"", "99999999999999999999", "{\"a\":[[[[[]]]]]}", "\"hero\"", "2"};

    static byte[] mutate(String valid, SplittableRandom random) {
        switch (random.nextInt(6)) {
            case 0: // untouched: keeps accepted rewards flowing
                return valid.getBytes(StandardCharsets.UTF_8);
            case 1: { // random bytes
                final byte[] bytes = new byte[random.nextInt(1, 200)];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) random.nextInt(256);
                }
                return bytes;
            }
            case 2: // truncation
                return valid.substring(0, random.nextInt(valid.length())).getBytes(StandardCharsets.UTF_8);
            case 3: { // flip characters
                final char[] chars = valid.toCharArray();
                for (int n = random.nextInt(1, 4); n > 0; n--) {
                    chars[random.nextInt(chars.length)] = (char) random.nextInt(32, 127);
                }
                return new String(chars).getBytes(StandardCharsets.UTF_8);
            }
            case 4: { // replace a value with one of another type
                final int colon = valid.indexOf(':', random.nextInt(valid.length()));
                if (colon < 0) {
                    return valid.getBytes(StandardCharsets.UTF_8);
                }
                int end = colon + 1;
                int depth = 0;
                while (end < valid.length() && (depth > 0 || (valid.charAt(end) != ',' && valid.charAt(end) != '}'))) {
                    depth += valid.charAt(end) == '[' ? 1 : valid.charAt(end) == ']' ? -1 : 0;
                    end++;
                }
                return (valid.substring(0, colon + 1) + REPLACEMENTS[random.nextInt(REPLACEMENTS.length)]
                    + valid.substring(end)).getBytes(StandardCharsets.UTF_8);
            }
            default: // duplicate or drop fields, add unknown ones
                return (random.nextBoolean()
                    ? valid.replace("{", "{\"zz\":{\"deep\":[1,{\"k\":\"v\"}]},")
                    : valid.replaceFirst("\"[a-zA-Z]+\":[^,}]*,?", "")).getBytes(StandardCharsets.UTF_8);
        }
    }
}

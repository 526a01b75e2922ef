package io.arbiter.server.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded fuzzing of decide and reward bodies: random bytes, truncations, mutations of valid bodies and type swaps.
 * No input may produce a 5xx, and the posteriors must have moved by exactly the rewards that were acknowledged.
 * The seed is printed, and can be fixed with {@code -Dfuzz.seed=N}.
 */
class FuzzIntegrationTest {
    @TempDir
    static Path dataDir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dataDir);
    }

    @AfterAll
    static void stop() {
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
                : "{\"experiment\":\"hero\",\"unit\":\"u" + i + "\",\"count\":" + (1 + random.nextInt(3)) + "}";
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

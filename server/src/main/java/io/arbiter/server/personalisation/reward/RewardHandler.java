package io.arbiter.server.personalisation.reward;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.arbiter.server.http.BodyHandler;
import io.arbiter.server.http.Endpoint;
import io.arbiter.server.http.JsonBodies;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.util.Objects;

/**
 * {@code POST /v1/reward}: {@code {"decisionId": "...", "reward": 1}} → 202 {@code {"status": "accepted"}}, or 200
 * {@code {"status": "duplicate"}} when the decision was already rewarded (for that metric). An optional
 * {@code "metric"} names one of the experiment's guardrail metrics: the reward then counts for that guardrail and does
 * not teach the bandit; without it the reward is the experiment's primary reward.
 */
public final class RewardHandler implements BodyHandler {
    private final RewardService rewards;

    public RewardHandler(RewardService rewards) {
        this.rewards = Objects.requireNonNull(rewards);
    }

    @Override
    public void handle(HttpServerRequest request, Buffer body, Endpoint endpoint, long startNanos) throws Exception {
        JsonBodies.requireJsonOrText(request); // text/plain: what sendBeacon sends
        String decisionId = null;
        Double reward = null;
        String metric = "";
        try (JsonParser parser = JsonBodies.openObject(body)) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "decisionId" -> decisionId = JsonBodies.string(parser, "decisionId");
                    case "reward" -> reward = JsonBodies.finiteNumber(parser, "reward");
                    case "metric" -> metric = JsonBodies.string(parser, "metric");
                    default -> parser.skipChildren();
                }
            }
            JsonBodies.requireEnd(parser);
        }
        JsonBodies.required(decisionId, "decisionId");
        JsonBodies.required(reward, "reward");
        rewards.reward(decisionId, reward, metric).onComplete(result -> {
            if (result.failed()) {
                endpoint.fail(request, result.cause(), startNanos);
            } else if (RewardService.ACCEPTED.equals(result.result())) {
                endpoint.respond(request, 202, "{\"status\":\"accepted\"}", startNanos);
            } else {
                endpoint.respond(request, 200, "{\"status\":\"duplicate\"}", startNanos);
            }
        });
    }
}

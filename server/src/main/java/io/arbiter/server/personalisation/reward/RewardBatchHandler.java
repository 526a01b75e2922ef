package io.arbiter.server.personalisation.reward;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.http.BodyHandler;
import io.arbiter.server.http.Endpoint;
import io.arbiter.server.http.JsonBodies;
import io.arbiter.server.outcome.JournalFullException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code POST /v1/reward/batch}: {@code {"rewards": [{"decisionId": "...", "reward": 1}, ...]}} with up to
 * {@code maxBatch} items → 200 {@code {"results": [{"status": "accepted"}, {"status": "duplicate"},
 * {"status": "rejected", "code": 400, "error": "...", "field": "reward"}, ...]}} in request order. Each item is taken
 * or refused on its own, exactly as {@code POST /v1/reward} would; a body that is not a well-formed batch is refused
 * whole (400) and changes nothing.
 */
public final class RewardBatchHandler implements BodyHandler {
    private final RewardService rewards;
    private final int maxBatch;

    public RewardBatchHandler(RewardService rewards, int maxBatch) {
        this.rewards = Objects.requireNonNull(rewards);
        this.maxBatch = maxBatch;
    }

    private record Item(String decisionId, Double reward, String metric, ApiException problem) {
    }

    @Override
    public void handle(HttpServerRequest request, Buffer body, Endpoint endpoint, long startNanos) throws Exception {
        JsonBodies.requireJsonOrText(request); // text/plain: what sendBeacon sends
        List<Item> items = null;
        try (JsonParser parser = JsonBodies.openObject(body)) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                final JsonToken value = parser.nextToken();
                if ("rewards".equals(field)) {
                    if (value != JsonToken.START_ARRAY) {
                        throw ApiException.badField("rewards", "'rewards' must be an array");
                    }
                    items = readItems(parser);
                } else {
                    parser.skipChildren();
                }
            }
            JsonBodies.requireEnd(parser);
        }
        JsonBodies.required(items, "rewards");
        final List<Future<JsonObject>> results = new ArrayList<>(items.size());
        for (final Item item : items) {
            results.add(process(item));
        }
        Future.join(results).onComplete(done -> {
            final JsonArray out = new JsonArray();
            for (final Future<JsonObject> result : results) {
                out.add(result.result());
            }
            endpoint.respond(request, 200, new JsonObject().put("results", out).encode(), startNanos);
        });
    }

    private List<Item> readItems(JsonParser parser) throws Exception {
        final List<Item> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (items.size() == maxBatch) {
                throw ApiException.badField("rewards", "at most " + maxBatch + " rewards per batch");
            }
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                parser.skipChildren();
                items.add(new Item(null, null, "", ApiException.badField("rewards", "each reward must be an object")));
                continue;
            }
            String decisionId = null;
            Double reward = null;
            String metric = "";
            ApiException problem = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                parser.nextToken();
                try {
                    switch (field) {
                        case "decisionId" -> decisionId = JsonBodies.string(parser, "decisionId");
                        case "reward" -> reward = JsonBodies.finiteNumber(parser, "reward");
                        case "metric" -> metric = JsonBodies.string(parser, "metric");
                        default -> parser.skipChildren();
                    }
                } catch (ApiException e) {
                    parser.skipChildren();
                    problem = problem == null ? e : problem;
                }
            }
            if (problem == null && decisionId == null) {
                problem = ApiException.badField("decisionId", "'decisionId' is required");
            }
            if (problem == null && reward == null) {
                problem = ApiException.badField("reward", "'reward' is required");
            }
            items.add(new Item(decisionId, reward, metric, problem));
        }
        return items;
    }

    private Future<JsonObject> process(Item item) {
        if (item.problem() != null) {
            return Future.succeededFuture(rejected(item.problem()));
        }
        try {
            return rewards.reward(item.decisionId(), item.reward(), item.metric())
                .map(status -> new JsonObject().put("status", status))
                .recover(failure -> Future.succeededFuture(failure instanceof JournalFullException
                    || failure instanceof java.io.IOException
                    ? new JsonObject().put("status", "rejected").put("code", 503)
                        .put("error", "outcome journal is full; retry later")
                    : new JsonObject().put("status", "rejected").put("code", 500).put("error", "internal error")));
        } catch (ApiException e) {
            return Future.succeededFuture(rejected(e));
        }
    }

    private static JsonObject rejected(ApiException e) {
        final JsonObject result = new JsonObject().put("status", "rejected").put("code", e.status())
            .put("error", e.getMessage());
        if (e.field() != null) {
            result.put("field", e.field());
        }
        return result;
    }
}

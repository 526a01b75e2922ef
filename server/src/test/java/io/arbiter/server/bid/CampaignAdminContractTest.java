package io.arbiter.server.bid;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** PUT/GET /v1/campaigns over HTTP (bid module only, in-memory campaign store): auth, validation, effect on bids. */
class CampaignAdminContractTest {

    @Test
    void campaignsAreCreatedAndReplacedWithTheAdminTokenAndTakeEffectAtOnce() {
        final BidFixture fixture = new BidFixture(new JsonObject(), new JsonArray());
        try (HttpHarness http = new HttpHarness(fixture)) {
            final String request = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]}";
            assertEquals(204, http.bid(request).status(), "no campaigns yet");
            final Buffer body = BidFixture.campaign("new-one", 10).toBuffer();
            assertEquals(401, http.send(HttpMethod.PUT, "/v1/campaigns/new-one", body,
                "Content-Type", "application/json").status());
            assertEquals(401, http.send(HttpMethod.PUT, "/v1/campaigns/new-one", body,
                "Content-Type", "application/json", "Authorization", "Bearer wrong").status());
            final String auth = "Bearer " + BidFixture.ADMIN_TOKEN;
            assertEquals(201, http.send(HttpMethod.PUT, "/v1/campaigns/new-one", body,
                "Content-Type", "application/json", "Authorization", auth).status());
            assertEquals(200, http.bid(request).status(), "bidding at once");
            final JsonObject stored = BidFixture.await(fixture.store.loadAll()).get(0).definition();
            assertFalse(stored.containsKey("arms") || stored.containsKey("slot"),
                "the shared definition names no node's slots: " + stored);
            final JsonObject paused = BidFixture.campaign("new-one", 10).put("status", "paused");
            assertEquals(200, http.send(HttpMethod.PUT, "/v1/campaigns/new-one", paused.toBuffer(),
                "Content-Type", "application/json", "Authorization", auth).status());
            assertEquals(204, http.bid(request).status(), "paused");
            final HttpHarness.Response bad = http.send(HttpMethod.PUT, "/v1/campaigns/bad",
                new JsonObject().put("maxCpm", -1).toBuffer(), "Content-Type", "application/json",
                "Authorization", auth);
            assertEquals(400, bad.status());
            assertNotNull(bad.body().toJsonObject().getString("field"));
            for (final String broken : new String[] {"{\"creatives\":[null]}", "{\"creatives\":\"x\"}",
                "{\"budget\":{\"daily\":\"lots\"}}", "{\"creatives\":[{\"id\":\"c\",\"banner\":[null]}]}"}) {
                assertEquals(400, http.send(HttpMethod.PUT, "/v1/campaigns/broken", Buffer.buffer(broken),
                    "Content-Type", "application/json", "Authorization", auth).status(), broken);
            }
            final HttpHarness.Response status = http.send(HttpMethod.GET, "/v1/campaigns/new-one", null,
                "Authorization", auth);
            assertEquals(200, status.status());
            assertNotNull(status.body().toJsonObject().getJsonObject("state").getDouble("dailyExposure"));
        }
    }
}

package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.BidRequestParser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code bidding.pacingGain} reaches the bid module's pacing: a campaign far ahead of its schedule has its bid
 * modifier lowered at the first bid by {@code exp(-3 x gain)} (the error is clamped at three intervals' worth).
 */
class PacingGainSettingTest {

    @Test
    void theSettingIsTheControllersGain() {
        for (final double gain : new double[] {0.02, 0.08}) {
            final BidFixture f = new BidFixture(new JsonObject().put("pacingGain", gain),
                new JsonArray().add(AuctionSimulation.campaign(100)));
            final Campaign campaign = f.module.registry().get("sim");
            f.ledger.reserve(campaign.slot(), 80_000_000, 100_000_000); // 80 of 100 spent by noon: far ahead
            final BidRequest request = new BidRequest();
            new BidRequestParser().parse(("{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"site\":{\"domain\":\"site.example\"}}").getBytes(StandardCharsets.UTF_8), request);
            f.module.newBidder(1).bid(request, BidFixture.NOON);
            assertEquals(Math.exp(-3 * gain), f.ledger.modifier(campaign.slot()), 1e-9, "gain " + gain);
        }
    }
}

package io.arbiter.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What the bidder records, by intent: bids and no-bids by reason, bid and clearing prices, notices by kind, spend;
 * per campaign where an ad-tech team reads them per campaign. Meters are resolved once: the no-bid reasons in an
 * array, each campaign's meters on its first use and then found with one map lookup by its id (whose hash the
 * string caches), so recording on the bid path allocates nothing. Win rate is derived:
 * {@code rate(arbiter_bid_notices_total{kind="win"}) / rate(arbiter_bid_bids_total)} per campaign.
 */
public final class BidMetrics {
    /** The {@code kind} tag of {@code arbiter.bid.notices}. */
    private static final String[] KINDS = {"win", "bill", "loss", "click", "conversion"};
    private static final int WIN = 0;
    private static final int BILL = 1;
    private static final int LOSS = 2;
    private static final int CLICK = 3;
    private static final int CONVERSION = 4;

    private final MeterRegistry registry;
    private final Counter[] noBids;
    private final DistributionSummary bidPrice;
    private final DistributionSummary clearingPrice;
    private final ConcurrentHashMap<String, CampaignMeters> campaigns = new ConcurrentHashMap<>();

    /** One campaign's meters. */
    private static final class CampaignMeters {
        final Counter bids;
        final Counter spend;
        final Counter[] notices = new Counter[KINDS.length];

        CampaignMeters(MeterRegistry registry, String campaign) {
            bids = Counter.builder(MetricName.BID_BIDS.metricName()).description(MetricName.BID_BIDS.description())
                .tag("campaign", campaign).register(registry);
            spend = Counter.builder(MetricName.BID_SPEND.metricName()).description(MetricName.BID_SPEND.description())
                .tag("campaign", campaign).register(registry);
            for (int k = 0; k < KINDS.length; k++) {
                notices[k] = Counter.builder(MetricName.BID_NOTICES.metricName())
                    .description(MetricName.BID_NOTICES.description())
                    .tag("kind", KINDS[k]).tag("campaign", campaign).register(registry);
            }
        }
    }

    BidMetrics(MeterRegistry registry) {
        this.registry = registry;
        final NoBidReason[] reasons = NoBidReason.values();
        noBids = new Counter[reasons.length];
        for (final NoBidReason reason : reasons) {
            noBids[reason.ordinal()] = Counter.builder(MetricName.BID_NO_BIDS.metricName())
                .description(MetricName.BID_NO_BIDS.description()).tag("reason", reason.tag()).register(registry);
        }
        bidPrice = price(registry, MetricName.BID_PRICE);
        clearingPrice = price(registry, MetricName.BID_CLEARING_PRICE);
    }

    private static DistributionSummary price(MeterRegistry registry, MetricName name) {
        return DistributionSummary.builder(name.metricName()).description(name.description()).baseUnit("cpm")
            .publishPercentileHistogram().minimumExpectedValue(0.01).maximumExpectedValue(1000.0)
            .register(registry);
    }

    /** One bid for {@code campaign} at {@code priceCpm} (bidding currency). */
    public void bid(String campaign, double priceCpm) {
        meters(campaign).bids.increment();
        bidPrice.record(priceCpm);
    }

    /** A request answered with no bid, for {@code reason}. */
    public void noBid(NoBidReason reason) {
        noBids[reason.ordinal()].increment();
    }

    /** A win notice for {@code campaign}. */
    public void won(String campaign) {
        meters(campaign).notices[WIN].increment();
    }

    /** A billing notice: the impression was charged {@code spend} (currency units) at {@code clearingCpm}. */
    public void billed(String campaign, double clearingCpm, double spend) {
        final CampaignMeters meters = meters(campaign);
        meters.notices[BILL].increment();
        meters.spend.increment(spend);
        clearingPrice.record(clearingCpm);
    }

    /** A loss notice for {@code campaign}. */
    public void lost(String campaign) {
        meters(campaign).notices[LOSS].increment();
    }

    /** A click on one of {@code campaign}'s creatives. */
    public void clicked(String campaign) {
        meters(campaign).notices[CLICK].increment();
    }

    /** A conversion attributed to {@code campaign}. */
    public void converted(String campaign) {
        meters(campaign).notices[CONVERSION].increment();
    }

    private CampaignMeters meters(String campaign) {
        final CampaignMeters meters = campaigns.get(campaign);
        return meters != null ? meters : campaigns.computeIfAbsent(campaign, c -> new CampaignMeters(registry, c));
    }
}

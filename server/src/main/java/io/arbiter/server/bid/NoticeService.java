package io.arbiter.server.bid;

import io.arbiter.bandits.unit.ClaimTable;
import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.BudgetLedgerDescriptor;
import io.arbiter.server.bid.budget.FrequencyCaps;
import io.arbiter.server.bid.budget.Reservations;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.bid.pricing.ClickRateContexts;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.metrics.BidMetrics;
import io.arbiter.server.outcome.OutcomeEvent;
import io.arbiter.server.outcome.OutcomeKind;
import io.arbiter.server.outcome.OutcomeLog;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.Objects;

/**
 * Win, billing, loss, click and conversion notices. Each is verified (signed token, notice window), claimed against
 * duplicates (one per bid and kind, in an off-heap {@link ClaimTable} of {@code bidding.noticeClaimsLog2} slots whose
 * claims expire with the notice window: a repeated notice is acknowledged and changes nothing), made durable through
 * {@link OutcomeLog#append} and only then applied. What a notice teaches the creative's click and conversion
 * posteriors is the {@link NoticeRules} table (the same one Postgres's aggregates come from); besides:
 * <ul>
 *   <li>BILL: settles the bid's budget reservation at the clearing price (converted to our currency and capped at
 *       the bid), counts the impression for the frequency cap and in the bid's click-rate context.</li>
 *   <li>WIN: feeds the win-rate curve and keeps the reservation for the billing notice (the charge waits for
 *       it) for the longer won-reservation timeout.</li>
 *   <li>LOSS: releases the reservation; a market loss (codes 100..104) feeds the win-rate curve; the code is
 *       recorded.</li>
 *   <li>CLICK: counted in the campaign's ledger counters and in the bid's click-rate context
 *       ({@link ClickRateContexts}).</li>
 *   <li>CONVERSION: counted in the campaign's ledger counters.</li>
 * </ul>
 * Events go to the outcome log with scope = campaign id, arm = creative id, id = the bid token, value = the clearing
 * price CPM in our currency (WIN, BILL).
 */
public final class NoticeService {
    public static final String ACCEPTED = "accepted";
    public static final String DUPLICATE = "duplicate";

    private final CampaignRegistry registry;
    private final NoticeTokens tokens;
    private final OutcomeLog outcomes;
    private final Reservations reservations;
    private final FrequencyCaps frequencyCaps;
    private final WinRateCurve curve;
    private final ClickRateContexts clickContexts;
    private final Clock clock;
    private final long windowMillis;
    private final long wonReservationMillis;
    private final BidMetrics metrics;
    private final ClearingPrices clearingPrices = new ClearingPrices();
    private final ClaimTable claimed;

    public NoticeService(CampaignRegistry registry, NoticeTokens tokens, OutcomeLog outcomes,
                         Reservations reservations, FrequencyCaps frequencyCaps, WinRateCurve curve,
                         ClickRateContexts clickContexts, Clock clock, long windowMillis, long wonReservationMillis,
                         BidMetrics metrics, int claimsLog2) {
        this.registry = Objects.requireNonNull(registry);
        this.tokens = Objects.requireNonNull(tokens);
        this.outcomes = Objects.requireNonNull(outcomes);
        this.reservations = Objects.requireNonNull(reservations);
        this.frequencyCaps = Objects.requireNonNull(frequencyCaps);
        this.curve = Objects.requireNonNull(curve);
        this.clickContexts = Objects.requireNonNull(clickContexts);
        this.clock = Objects.requireNonNull(clock);
        this.windowMillis = windowMillis;
        this.wonReservationMillis = wonReservationMillis;
        this.metrics = Objects.requireNonNull(metrics);
        this.claimed = new ClaimTable(claimsLog2);
    }

    /** Each campaign's clearing prices since start (billed impressions), for the dashboard. */
    public ClearingPrices clearingPrices() {
        return clearingPrices;
    }

    /**
     * Validates synchronously (throwing {@link ApiException}) and returns a future of {@link #ACCEPTED} or
     * {@link #DUPLICATE} that fails only when the notice could not be made durable.
     *
     * @param price    the {@code ${AUCTION_PRICE}} substitution (CPM, response currency), or null
     * @param lossCode the {@code ${AUCTION_LOSS}} substitution, or null
     */
    public Future<String> notice(OutcomeKind kind, String token, String price, String lossCode) {
        final NoticeTokens.NoticeToken t = tokens.parse(token, "t");
        final long now = clock.millis();
        if (now - t.issuedAtMillis() > windowMillis) {
            throw new ApiException(422, "the bid is older than the notice window (" + windowMillis / 1000 + " s)", "t");
        }
        final Campaign campaign = registry.get(t.campaign());
        if (campaign == null) {
            throw new ApiException(422, "the bid's campaign '" + t.campaign() + "' no longer exists", "t");
        }
        final double bidCpm = t.reservedMicros() / 1000.0;
        final double clearingCpm = kind == OutcomeKind.BILL || kind == OutcomeKind.WIN
            ? clearingPrice(price, t, bidCpm) : 0.0;
        final int code = kind == OutcomeKind.LOSS ? lossCode(lossCode) : 0;
        final long claim = ClaimTable.key(t.nonce(), t.issuedAtMillis(), kind.ordinal());
        if (!claimed.claim(claim, expiresAtSecond(t.issuedAtMillis()), Math.floorDiv(now, 1000))) {
            return Future.succeededFuture(DUPLICATE);
        }
        final OutcomeEvent event = new OutcomeEvent(kind, now, token, campaign.id(), t.creative(), "",
            clearingCpm, code);
        return outcomes.append(event).transform(journaled -> {
            if (journaled.failed()) {
                claimed.release(claim);
                return Future.failedFuture(journaled.cause());
            }
            apply(kind, t, campaign, bidCpm, clearingCpm, code);
            return Future.succeededFuture(ACCEPTED);
        });
    }

    private void apply(OutcomeKind kind, NoticeTokens.NoticeToken t, Campaign campaign, double bidCpm,
                       double clearingCpm, int code) {
        final Creative creative = campaign.creative(t.creative());
        final BudgetLedger ledger = registry.ledger();
        final long now = clock.millis();
        if (creative != null) {
            NoticeRules.updatePosteriors(kind, creative, registry.table(), clearingCpm, now); // see the rule table
        }
        switch (kind) {
            case BILL -> {
                final long reserved = reservations.take(t.nonce());
                final long actual = Math.min(t.reservedMicros(), Math.round(clearingCpm * 1000.0));
                ledger.settle(campaign.slot(), reserved, actual);
                metrics.billed(campaign.id(), clearingCpm, actual / 1e6);
                clearingPrices.record(campaign.id(), clearingCpm);
                clickContexts.impression(campaign.slot(), t.shadingContext());
                if (t.frequencyCell() >= 0 && campaign.spec().hasFrequencyCap()) {
                    frequencyCaps.increment(t.frequencyCell(), campaign.spec().frequencyCapPeriodMillis(), now);
                }
            }
            case WIN -> {
                curve.observe(t.shadingContext(), t.deviceType(), t.hour(), bidCpm, true);
                metrics.won(campaign.id());
                reservations.extend(t.nonce(), now + wonReservationMillis); // the bill is coming: keep the money
            }
            case LOSS -> {
                reservations.release(t.nonce());
                metrics.lost(campaign.id());
                if (code >= 100 && code <= 104) {
                    curve.observe(t.shadingContext(), t.deviceType(), t.hour(), bidCpm, false);
                }
            }
            case CLICK -> {
                ledger.count(campaign.slot(), BudgetLedgerDescriptor.CLICKS_OFFSET);
                clickContexts.click(campaign.slot(), t.shadingContext());
                metrics.clicked(campaign.id());
            }
            case CONVERSION -> {
                ledger.count(campaign.slot(), BudgetLedgerDescriptor.CONVERSIONS_OFFSET);
                metrics.converted(campaign.id());
            }
            default -> {
            }
        }
    }

    /**
     * The clearing price in our currency: the macro's value converted from the response currency and capped at the
     * bid; the bid itself when the exchange did not substitute the macro (the conservative charge).
     */
    private double clearingPrice(String price, NoticeTokens.NoticeToken t, double bidCpm) {
        if (price == null || price.isEmpty() || price.startsWith("${")) {
            return bidCpm;
        }
        final double value;
        try {
            value = Double.parseDouble(price);
        } catch (NumberFormatException e) {
            throw ApiException.badField("p", "'p' must be the clearing price (a number)");
        }
        if (!Double.isFinite(value) || value < 0) {
            throw ApiException.badField("p", "'p' must be a finite, non-negative price");
        }
        final double base = registry.rates().toBase(value, t.currency());
        return Double.isNaN(base) ? bidCpm : Math.min(bidCpm, base);
    }

    private static int lossCode(String code) {
        if (code == null || code.isEmpty() || code.startsWith("${")) {
            return 0;
        }
        try {
            return Integer.parseInt(code);
        } catch (NumberFormatException e) {
            throw ApiException.badField("l", "'l' must be an OpenRTB loss reason code (an integer)");
        }
    }

    /** Re-claims a notice already taken before a restart (rebuilding duplicate detection from Postgres). */
    public boolean reclaim(OutcomeKind kind, String token) {
        try {
            final NoticeTokens.NoticeToken t = tokens.parse(token, "t");
            return claimed.claim(ClaimTable.key(t.nonce(), t.issuedAtMillis(), kind.ordinal()),
                expiresAtSecond(t.issuedAtMillis()), Math.floorDiv(clock.millis(), 1000));
        } catch (ApiException e) {
            return false; // signed with another secret: cannot be presented again anyway
        }
    }

    /** The second a claim stops mattering: the notice window has passed and the token is refused anyway. */
    private long expiresAtSecond(long issuedAtMillis) {
        return Math.floorDiv(issuedAtMillis + windowMillis, 1000) + 1;
    }

    /** Slots of the claims table holding a claim (live, or expired and not reused yet). */
    public long claims() {
        return claimed.used();
    }

    /** Claims the claims table can hold. */
    public long claimsCapacity() {
        return claimed.capacity();
    }

    /** Live claims replaced because their group of the claims table was full. */
    public long claimsEvicted() {
        return claimed.evicted();
    }
}

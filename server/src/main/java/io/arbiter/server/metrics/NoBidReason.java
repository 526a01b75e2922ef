package io.arbiter.server.metrics;

import java.util.Locale;

/**
 * Why a bid request got no bid: the {@code reason} tag of {@code arbiter.bid.nobids}. A request has one reason: what
 * stopped the candidate that came closest to a bid, in this order (closest last); a request-level refusal
 * ({@link #CURRENCY}, {@link #SEAT}) comes before any campaign is looked at.
 */
public enum NoBidReason {
    /** None of the request's currencies ({@code cur}) can be priced in. */
    CURRENCY,
    /** Our seat is not allowed ({@code wseat}/{@code bseat}). */
    SEAT,
    /** No active campaign targets the request (site, app, country, device, deal or private auction). */
    NO_CAMPAIGN,
    /** The user has seen the campaign as often as its frequency cap allows. */
    FREQUENCY_CAP,
    /** The campaign is ahead of its even spending schedule, or out of daily budget. */
    PACING,
    /** Every creative is blocked by the request's categories or advertisers ({@code bcat}, {@code badv}). */
    BLOCKED,
    /** No creative fits the imp's formats and sizes, or its attributes are blocked ({@code battr}). */
    FORMAT,
    /** The value (or the shaded price) is below the floor, or the floor is above the campaign's maximum CPM. */
    BELOW_FLOOR,
    /** The budget reservation failed at the last moment (another event loop took the remaining budget). */
    BUDGET;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The tag value in metrics. */
    public String tag() {
        return tag;
    }
}

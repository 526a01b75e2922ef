package io.arbiter.server.bid;

import io.arbiter.server.bid.pricing.ExchangeRates;
import io.arbiter.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * The bidder's settings, read once from the {@code "bidding"} object of the server config and validated here.
 * Every property has a default (listed in {@code docs/bidding.md}).
 *
 * @param seat                 our seat id (checked against {@code wseat}/{@code bseat} and deal {@code wseat})
 * @param currency             the currency budgets, spend and prices are kept in (ISO 4217)
 * @param rates                exchange-rate table: units of {@code currency} per unit of each other currency
 * @param noticeBaseUrl        prefix of the nurl/burl/lurl and click URLs we hand out
 * @param shadingFactor        first-price fallback: bid = factor x value until the win-rate curve has data
 * @param shadingMinObservations wins + losses the win-rate curve needs before it is trusted
 * @param shadingMaxContexts   publisher x format contexts with a win-rate curve of their own, at most (0: one curve)
 * @param shadingContextPriorWeight pseudo-observations of the bidder-wide curve in each bucket of a context's curve
 * @param reservationMillis    how long a bid's budget reservation waits for a win, billing or loss notice
 * @param wonReservationMillis how long it waits for the billing notice once a win notice came
 * @param noticeWindowMillis   how long a notice token stays valid
 * @param controlIntervalMillis how often each campaign's pacing controller updates its bid modifier
 * @param pacingAllowance      how far ahead of the even schedule a campaign may be, as a fraction of its daily budget
 * @param maxCreativesPerImp   upper bound on creatives considered per imp (scratch array size)
 */
public record BiddingConfig(String seat, String currency, ExchangeRates rates, String noticeBaseUrl,
                            double shadingFactor, int shadingMinObservations, int shadingMaxContexts,
                            double shadingContextPriorWeight, long reservationMillis,
                            long wonReservationMillis, long noticeWindowMillis, long controlIntervalMillis,
                                    double pacingAllowance,
                            int maxCreativesPerImp) {

    public BiddingConfig {
        Objects.requireNonNull(seat, "seat");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(noticeBaseUrl, "noticeBaseUrl");
        if (!(shadingFactor > 0 && shadingFactor <= 1)) {
            throw new IllegalArgumentException("bidding.shadingFactor must be in (0, 1], was " + shadingFactor);
        }
        if (shadingMaxContexts < 0) {
            throw new IllegalArgumentException("bidding.shadingMaxContexts must be >= 0, was " + shadingMaxContexts);
        }
        if (!(shadingContextPriorWeight > 0) || Double.isInfinite(shadingContextPriorWeight)) {
            throw new IllegalArgumentException("bidding.shadingContextPriorWeight must be finite and > 0, was "
                + shadingContextPriorWeight);
        }
        if (!(pacingAllowance >= 0 && pacingAllowance <= 1)) {
            throw new IllegalArgumentException("bidding.pacingAllowance must be in [0, 1], was " + pacingAllowance);
        }
        if (reservationMillis <= 0 || wonReservationMillis <= 0 || noticeWindowMillis <= 0
            || controlIntervalMillis <= 0) {
            throw new IllegalArgumentException("bidding durations must be positive");
        }
        if (maxCreativesPerImp < 1) {
            throw new IllegalArgumentException("bidding.maxCreativesPerImp must be positive");
        }
    }

    public static BiddingConfig defaults() {
        return from(new JsonObject());
    }

    public static BiddingConfig from(JsonObject json) {
        final String currency = json.getString("currency", "USD");
        return new BiddingConfig(
            json.getString("seat", "arbiter"),
            currency,
            ExchangeRates.fromJson(currency, json.getJsonObject("exchangeRates", new JsonObject())),
            stripSlash(json.getString("noticeBaseUrl", "http://localhost:8080")),
            json.getDouble("shadingFactor", 0.8),
            json.getInteger("shadingMinObservations", 200),
            json.getInteger("shadingMaxContexts", 4096),
            json.getDouble("shadingContextPriorWeight", 20.0),
            ServerConfig.duration(json.getString("reservationTimeout", "PT30S"), "bidding.reservationTimeout"),
            ServerConfig.duration(json.getString("wonReservationTimeout", "PT1H"), "bidding.wonReservationTimeout"),
            ServerConfig.duration(json.getString("noticeWindow", "P7D"), "bidding.noticeWindow"),
            ServerConfig.duration(json.getString("controlInterval", "PT1M"), "bidding.controlInterval"),
            json.getDouble("pacingAllowance", 0.002),
            json.getInteger("maxCreativesPerImp", 256));
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

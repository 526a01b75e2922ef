package io.arbiter.server.bid.pricing;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A configured exchange-rate table: how many units of the bidder's currency one unit of another currency is worth.
 * Immutable; lookups are one hash-map read. An unknown currency converts to NaN, which every caller treats as
 * "cannot compare": no bid.
 */
public final class ExchangeRates {
    private final String base;
    private final Map<String, Double> toBase;

    private ExchangeRates(String base, Map<String, Double> toBase) {
        this.base = base;
        this.toBase = Map.copyOf(toBase);
    }

    /** {@code {"EUR": 1.08, "GBP": 1.27}}: units of {@code base} per unit of each currency. */
    public static ExchangeRates fromJson(String base, JsonObject rates) {
        final String upper = base.toUpperCase(Locale.ROOT);
        final Map<String, Double> map = new HashMap<>();
        map.put(upper, 1.0);
        for (final String currency : rates.fieldNames()) {
            final Object raw = rates.getValue(currency);
            if (!(raw instanceof Number n) || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
                throw new IllegalArgumentException("bidding.exchangeRates." + currency + " must be a positive number");
            }
            map.put(currency.toUpperCase(Locale.ROOT), n.doubleValue());
        }
        return new ExchangeRates(upper, map);
    }

    public String base() {
        return base;
    }

    public boolean knows(String currency) {
        return toBase.containsKey(currency);
    }

    /** {@code amount} in {@code currency} expressed in the base currency; NaN for an unknown currency. */
    public double toBase(double amount, String currency) {
        if (currency == null || currency.equals(base)) {
            return amount;
        }
        final Double rate = toBase.get(currency);
        return rate == null ? Double.NaN : amount * rate;
    }

    /** {@code amount} in the base currency expressed in {@code currency}; NaN for an unknown currency. */
    public double fromBase(double amount, String currency) {
        if (currency == null || currency.equals(base)) {
            return amount;
        }
        final Double rate = toBase.get(currency);
        return rate == null ? Double.NaN : amount / rate;
    }
}

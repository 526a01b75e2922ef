package io.arbiter.server.bid;

import io.arbiter.bandits.unit.ClaimTable;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.bid.pricing.ExchangeRates;
import io.arbiter.server.config.ConfigException;
import io.arbiter.server.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Objects;

/**
 * The bidder's settings, read once from the {@code "bidding"} section of the server config by the strict
 * {@link ConfigReader} (an unknown or mistyped key stops the start, naming it). Every property has a default (listed
 * in {@code docs/bidding.md}).
 *
 * @param seat                 our seat id (checked against {@code wseat}/{@code bseat} and deal {@code wseat})
 * @param currency             the currency budgets, spend and prices are kept in (ISO 4217)
 * @param rates                exchange-rate table: units of {@code currency} per unit of each other currency
 * @param noticeBaseUrl        prefix of the nurl/burl/lurl and click URLs we hand out; null when not set (the server
 *                             derives it from where it listens and {@code http.publicHost}, see BidModule)
 * @param shadingFactor        first-price fallback: bid = factor x value until the win-rate curve has data
 * @param shadingMinObservations wins + losses the win-rate curve needs before it is trusted
 * @param shadingMaxContexts   publisher x format contexts with a win-rate curve of their own, at most (0: one curve)
 * @param shadingContextPriorWeight pseudo-observations of the coarser curve in each bucket of a context's curve
 * @param shadingHalfLifeMillis half-life of the win-rate counts (0: they never decay)
 * @param reservationMillis    how long a bid's budget reservation waits for a win, billing or loss notice
 * @param wonReservationMillis how long it waits for the billing notice once a win notice came
 * @param noticeWindowMillis   how long a notice token stays valid
 * @param controlIntervalMillis how often each campaign's pacing controller updates its bid modifier
 * @param pacingAllowance      how far ahead of the even schedule a campaign may be, as a fraction of its daily budget
 * @param pacingGain           how strongly each control interval moves the bid modifier per interval's worth of
 *                             budget the campaign is behind or ahead of schedule ({@link Pacing})
 * @param maxCreativesPerImp   upper bound on creatives considered per imp (scratch array size)
 * @param ledgerCapacity       campaign slots in the budget ledger file
 * @param frequencyCellsLog2   size of the frequency-cap table, 2^n cells
 * @param noticeClaimsLog2     size of the duplicate-notice claims table, 2^n slots of 16 bytes
 * @param ctrMaxContexts       (campaign, publisher x format) pairs with a click-rate multiplier of their own, at most
 *                             (0: none, every campaign bids its creatives' rates everywhere)
 * @param ctrContextStrength   pseudo-impressions at the campaign's click rate in each context's multiplier
 * @param creativeSampling     how a draw ranks the candidates: {@link CreativeSampling#OPTIMISTIC} (a draw below the
 *                             posterior mean counts as the mean) or plain {@link CreativeSampling#THOMPSON}
 * @param budgetLeases         whether daily budgets are leased from Postgres in slices (shared by the nodes on one
 *                             database) rather than kept per node
 * @param leaseSlice           one lease slice, as a fraction of the daily budget (at least one maximum bid)
 * @param leaseTtlMillis       how long a lease stays a node's without a heartbeat before others may recover it
 */
public record BiddingConfig(String seat, String currency, ExchangeRates rates, String noticeBaseUrl,
                            double shadingFactor, int shadingMinObservations, int shadingMaxContexts,
                            double shadingContextPriorWeight, long shadingHalfLifeMillis, long reservationMillis,
                            long wonReservationMillis, long noticeWindowMillis, long controlIntervalMillis,
                            double pacingAllowance, double pacingGain, int maxCreativesPerImp, int ledgerCapacity,
                            int frequencyCellsLog2, int noticeClaimsLog2, int ctrMaxContexts,
                            double ctrContextStrength,
                            CreativeSampling creativeSampling,
                            boolean budgetLeases, double leaseSlice, long leaseTtlMillis) {

    /** Chosen on the auction simulation's training days (docs/bidding.md). */
    public static final double DEFAULT_CTR_CONTEXT_STRENGTH = 300;
    /** Chosen on the auction simulation's training days (docs/bidding.md); {@link Pacing#DEFAULT_GAIN} before. */
    public static final double DEFAULT_PACING_GAIN = 0.02;
    private static final Duration ONE_MILLI = Duration.ofMillis(1);

    /**
     * How the candidates of an imp are ranked. {@code THOMPSON}: by a draw from each creative's posterior
     * (probability matching). {@code OPTIMISTIC}: by {@code max(draw, posterior mean)}, optimistic Thompson sampling
     * (May, Korda, Lee and Leslie, "Optimistic Bayesian Sampling in Contextual-Bandit Problems", JMLR 2012): an
     * uncertain creative still wins when its draw is high, but the best-looking one is no longer given away on its
     * low draws. The default,
     * chosen on the auction simulation's training days (docs/bidding.md): at budgets of 1/16 and 1/8 of the day's
     * spend plain Thompson sampling lost a fifth of the clicks the best creative would have had on the same
     * impressions, mostly to a near-best creative it could not tell apart in a day.
     */
    public enum CreativeSampling {
        OPTIMISTIC, THOMPSON;

        static CreativeSampling read(ConfigReader section, String key) {
            final String value = section.string(key, "optimistic");
            return switch (value) {
                case "optimistic" -> OPTIMISTIC;
                case "thompson" -> THOMPSON;
                default -> throw section.fail(key, "must be \"optimistic\" or \"thompson\", was \"" + value + "\"");
            };
        }
    }

    public BiddingConfig {
        Objects.requireNonNull(seat, "seat");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(creativeSampling, "creativeSampling");
    }

    /** Every setting at its default. */
    public static BiddingConfig defaults() {
        return from(new JsonObject());
    }

    /** The settings in {@code json} (the {@code bidding} object), read strictly. */
    public static BiddingConfig from(JsonObject json) {
        return read(ConfigReader.of("bidding", json));
    }

    /** The settings of the {@code bidding} section; finishes it (a key left unread fails, naming it). */
    public static BiddingConfig read(ConfigReader section) {
        final String currency = section.string("currency", "USD");
        final ExchangeRates rates;
        try {
            rates = ExchangeRates.fromJson(currency, section.object("exchangeRates"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        final BiddingConfig config = new BiddingConfig(
            section.string("seat", "arbiter"),
            currency,
            rates,
            stripSlash(section.optionalString("noticeBaseUrl")),
            section.positive("shadingFactor", 0.8, 1.0),
            section.integer("shadingMinObservations", 200, 0, Integer.MAX_VALUE),
            section.integer("shadingMaxContexts", 4096, 0, 1 << 19),
            section.positive("shadingContextPriorWeight", 20.0, Double.MAX_VALUE),
            section.millis("shadingHalfLife", "PT2H", Duration.ZERO),
            section.millis("reservationTimeout", "PT30S", ONE_MILLI),
            section.millis("wonReservationTimeout", "PT1H", ONE_MILLI),
            section.millis("noticeWindow", "P7D", ONE_MILLI),
            section.millis("controlInterval", "PT1M", ONE_MILLI),
            section.number("pacingAllowance", 0.002, 0.0, 1.0),
            section.positive("pacingGain", DEFAULT_PACING_GAIN, 1.0),
            section.integer("maxCreativesPerImp", 256, 1, 1 << 16),
            section.integer("ledgerCapacity", 1024, 1, 1 << 20),
            section.integer("frequencyCellsLog2", 20, 4, 28),
            section.integer("noticeClaimsLog2", 22, ClaimTable.MIN_SLOTS_LOG2, ClaimTable.MAX_SLOTS_LOG2),
            section.integer("ctrMaxContexts", 4096, 0, 1 << 20),
            section.positive("ctrContextStrength", DEFAULT_CTR_CONTEXT_STRENGTH, 1e9),
            CreativeSampling.read(section, "creativeSampling"),
            section.bool("budgetLeases", true),
            section.positive("leaseSlice", 0.01, 1.0),
            section.millis("leaseTtl", "PT30S", Duration.ofSeconds(1)));
        section.finish();
        return config;
    }

    /** The lease thread's period: a tenth of the lease TTL, at most one second. */
    public long leaseRoundMillis() {
        return Math.min(1_000, leaseTtlMillis / 10);
    }

    private static String stripSlash(String url) {
        return url == null ? null : url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

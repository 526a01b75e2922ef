package io.arbiter.server.bid;

import io.arbiter.bandits.random.Samplers;
import io.arbiter.bandits.random.Xoroshiro128PlusPlus;
import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.budget.BudgetLedger;
import io.arbiter.server.bid.budget.BudgetLedgerDescriptor;
import io.arbiter.server.bid.budget.FrequencyCaps;
import io.arbiter.server.bid.budget.Pacing;
import io.arbiter.server.bid.budget.Reservations;
import io.arbiter.server.bid.campaign.Campaign;
import io.arbiter.server.bid.campaign.CampaignRegistry;
import io.arbiter.server.bid.campaign.CampaignSpec;
import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.NativeRequest;
import io.arbiter.server.bid.pricing.ClickRateContexts;
import io.arbiter.server.bid.pricing.ExchangeRates;
import io.arbiter.server.bid.pricing.WinRateCurve;
import io.arbiter.server.metrics.BidMetrics;
import io.arbiter.server.metrics.NoBidReason;

import java.util.List;
import java.util.Objects;

/**
 * The bid decision for one request, on one event loop. For each imp: every active campaign's creatives are filtered
 * (request blocks and seats, targeting, format and size, {@code battr}, deals and private auctions, frequency cap,
 * budget left). Each survivor's click (and conversion) probability is drawn from its Thompson posterior and times the
 * campaign's click-rate multiplier for the publisher and format ({@link ClickRateContexts}); the draw ranks the
 * candidates (which creative, which campaign: the exploration), by default optimistically (a draw below the posterior
 * mean ranks at the mean, {@link BiddingConfig.CreativeSampling}). The bid is priced from posterior <em>means</em>: the
 * campaign's best creative's expected value {@code 1000 * p * multiplier * valuePerAction} CPM, scaled by the
 * campaign's pacing modifier, whichever creative the draw chose (a price from the draw would overpay on every
 * optimistic draw). The price follows the auction type (second price: the value;
 * first price: shaded by the {@link WinRateCurve}; fixed-price deal: the floor), capped at the campaign's maximum CPM;
 * a price below the floor (deal floor first, converted to our currency) drops the creative. The best-ranked survivor
 * whose budget reservation succeeds is the bid.
 *
 * <p><b>Single thread.</b> One instance per event loop: its random generator and scratch arrays are its own. The
 * shared state it touches (registry snapshot, posterior table, ledger, frequency table, reservations) is lock-free.
 */
public final class Bidder {
    private final CampaignRegistry registry;
    private final BudgetLedger ledger;
    private final Pacing pacing;
    private final FrequencyCaps frequencyCaps;
    private final Reservations reservations;
    private final WinRateCurve curve;
    private final ClickRateContexts clickContexts;
    private final NoticeTokens tokens;
    private final BiddingConfig config;
    private final ExchangeRates rates;
    private final Xoroshiro128PlusPlus rng;
    /** Optimistic Thompson sampling: a draw below the posterior mean ranks at the mean. */
    private final boolean optimistic;
    private final BidMetrics metrics;

    // scratch, per imp
    private final int[] candCampaign;
    private final int[] candCreative;
    private final int[] candDeal;
    private final int[] candW;
    private final int[] candH;
    private final int[] candMtype;
    private final double[] candValue;
    /** The candidate's value at its Thompson draw: what ranks candidates. */
    private final double[] candRank;
    private final double[] candPrice;
    private final int[] candFreqCell;
    private final long[] candContext;
    private final StringBuilder tokenScratch = new StringBuilder(128);
    private final int[] nativeChoice = new int[NativeRequest.MAX_ASSETS];
    /** The UTC hour of the request being decided (a shading context key). */
    private int hour;

    /** The bids of the last {@link #bid} call. */
    private final Bids bids = new Bids();

    public Bidder(CampaignRegistry registry, Pacing pacing, FrequencyCaps frequencyCaps, Reservations reservations,
                  WinRateCurve curve, ClickRateContexts clickContexts, NoticeTokens tokens, BiddingConfig config,
                  BidMetrics metrics, long seed) {
        this.registry = Objects.requireNonNull(registry);
        this.ledger = registry.ledger();
        this.pacing = Objects.requireNonNull(pacing);
        this.frequencyCaps = Objects.requireNonNull(frequencyCaps);
        this.reservations = Objects.requireNonNull(reservations);
        this.curve = Objects.requireNonNull(curve);
        this.clickContexts = Objects.requireNonNull(clickContexts);
        this.tokens = Objects.requireNonNull(tokens);
        this.config = Objects.requireNonNull(config);
        this.rates = config.rates();
        this.rng = new Xoroshiro128PlusPlus(seed);
        this.optimistic = config.creativeSampling() == BiddingConfig.CreativeSampling.OPTIMISTIC;
        this.metrics = Objects.requireNonNull(metrics);
        final int n = config.maxCreativesPerImp();
        candCampaign = new int[n];
        candCreative = new int[n];
        candDeal = new int[n];
        candW = new int[n];
        candH = new int[n];
        candMtype = new int[n];
        candValue = new double[n];
        candRank = new double[n];
        candPrice = new double[n];
        candFreqCell = new int[n];
        candContext = new long[n];
    }

    /** One bid of a response (reused). */
    public static final class Bid {
        public int imp;
        public Campaign campaign;
        public Creative creative;
        public String dealId;
        public int w;
        public int h;
        public int mtype;
        /** Price in the response currency, CPM. */
        public double price;
        /** Price in our currency, CPM. */
        public double basePrice;
        public long nonce;
        public String token;
    }

    /** The bids for one request (reused). */
    public static final class Bids {
        private final java.util.ArrayList<Bid> pool = new java.util.ArrayList<>();
        private int size;
        public String currency;
        /** Why there is no bid, when {@link #size()} is 0: what stopped the candidate that came closest. */
        public NoBidReason noBidReason;

        void clear() {
            size = 0;
            noBidReason = NoBidReason.NO_CAMPAIGN;
        }

        /** Notes that a candidate got as far as {@code reason}; the furthest one is the no-bid's reason. */
        void reached(NoBidReason reason) {
            if (reason.ordinal() > noBidReason.ordinal()) {
                noBidReason = reason;
            }
        }

        Bid add() {
            if (size == pool.size()) {
                pool.add(new Bid());
            }
            return pool.get(size++);
        }

        public int size() {
            return size;
        }

        public Bid get(int i) {
            return pool.get(i);
        }
    }

    /**
     * Decides the bids for {@code request} and records them (or the no-bid's reason) in the bid metrics; the result
     * is valid until the next call. Empty means no bid (204).
     */
    public Bids bid(BidRequest request, long nowMillis) {
        decide(request, nowMillis);
        if (bids.size == 0) {
            metrics.noBid(bids.noBidReason);
        }
        for (int i = 0; i < bids.size; i++) {
            final Bid bid = bids.get(i);
            metrics.bid(bid.campaign.id(), bid.basePrice);
        }
        return bids;
    }

    private void decide(BidRequest request, long nowMillis) {
        bids.clear();
        bids.currency = responseCurrency(request.cur);
        if (bids.currency == null) {
            bids.noBidReason = NoBidReason.CURRENCY;
            return;
        }
        if (!seatAllowed(request.wseat, request.bseat)) {
            bids.noBidReason = NoBidReason.SEAT;
            return;
        }
        final Campaign[] campaigns = registry.snapshot().campaigns();
        hour = WinRateCurve.hourOfDay(nowMillis);
        final String userKey = request.frequencyKey();
        final long publisher = WinRateCurve.publisherKey(request.hasApp, request.hasApp ? request.appBundle
            : request.siteDomain != null ? request.siteDomain : request.publisherDomain);
        for (int i = 0; i < request.impCount(); i++) {
            bidImp(request, i, campaigns, userKey, publisher, nowMillis);
        }
    }

    private String responseCurrency(List<String> allowed) {
        final String base = rates.base();
        if (allowed.isEmpty() || allowed.contains(base)) {
            return base;
        }
        for (int i = 0; i < allowed.size(); i++) {
            if (rates.knows(allowed.get(i))) {
                return allowed.get(i);
            }
        }
        return null;
    }

    private boolean seatAllowed(List<String> wseat, List<String> bseat) {
        return (wseat.isEmpty() || wseat.contains(config.seat())) && !bseat.contains(config.seat());
    }

    private void bidImp(BidRequest request, int impIndex, Campaign[] campaigns, String userKey, long publisher,
                        long now) {
        final BidRequest.Imp imp = request.imp(impIndex);
        final PosteriorTable table = registry.table();
        int count = 0;
        for (int c = 0; c < campaigns.length; c++) {
            final Campaign campaign = campaigns[c];
            final CampaignSpec spec = campaign.spec();
            if (!spec.active() || !targeted(spec, request)) {
                continue;
            }
            final int deal = dealFor(campaign, imp);
            if (deal < 0 && (imp.privateAuction || !spec.openAuction())) {
                continue;
            }
            final double floor = deal >= 0
                ? rates.toBase(imp.deal(deal).bidfloor, imp.deal(deal).bidfloorcur)
                : rates.toBase(imp.bidfloor, imp.bidfloorcur);
            if (!(floor >= 0) || floor > spec.maxCpm()) {
                bids.reached(NoBidReason.BELOW_FLOOR);
                continue; // unknown floor currency (NaN), or a floor we would never pay
            }
            int freqCell = -1;
            if (spec.hasFrequencyCap() && userKey != null) {
                freqCell = frequencyCaps.cell(userKey, campaign.slot());
                if (frequencyCaps.count(freqCell, spec.frequencyCapPeriodMillis(), now) >= spec.frequencyCapCount()) {
                    bids.reached(NoBidReason.FREQUENCY_CAP);
                    continue;
                }
            }
            final long dailyLimit = spec.dailyBudgetMicros();
            final double modifier = pacing.modifier(campaign.slot(), dailyLimit, now);
            final long maxBid = spec.maxBidMicros();
            if (ledger.dailyExposure(campaign.slot()) + 1 > pacing.cap(campaign.slot(), dailyLimit, maxBid, now)) {
                ledger.count(campaign.slot(), BudgetLedgerDescriptor.PACING_BLOCKED_OFFSET);
                bids.reached(NoBidReason.PACING);
                continue; // ahead of schedule or out of budget: not worth sampling
            }
            final int auctionType = deal >= 0 && imp.deal(deal).at != 0 ? imp.deal(deal).at : request.at;
            final Creative[] creatives = campaign.creatives();
            final int first = count;
            double bestMean = 0; // what the impression is worth to the campaign: its best creative's expected value
            long multiplierContext = 0;
            double multiplier = 1.0; // of multiplierContext: the creatives of one format share it, looked up once
            for (int k = 0; k < creatives.length && count < candCampaign.length; k++) {
                final Creative creative = creatives[k];
                if (!creativeAllowed(creative, request)) {
                    bids.reached(NoBidReason.BLOCKED);
                    continue;
                }
                if (!formatMatch(creative, imp, count)) {
                    bids.reached(NoBidReason.FORMAT);
                    continue;
                }
                // every bid's notices train its context's win-rate curve and click-rate multiplier
                final long context = WinRateCurve.context(publisher, candW[count], candH[count], candMtype[count]);
                double drawn = sample(table, creative.ctrArm(), spec.ctrPriorAlpha(), spec.ctrPriorBeta());
                double mean = mean(table, creative.ctrArm(), spec.ctrPriorAlpha(), spec.ctrPriorBeta());
                if (spec.perConversion()) {
                    drawn *= sample(table, creative.cvrArm(), spec.cvrPriorAlpha(), spec.cvrPriorBeta());
                    mean *= mean(table, creative.cvrArm(), spec.cvrPriorAlpha(), spec.cvrPriorBeta());
                }
                if (context != multiplierContext) {
                    multiplierContext = context;
                    multiplier = clickContexts.multiplier(campaign.slot(), context);
                }
                final double scale = 1000.0 * spec.valuePerAction() * modifier * multiplier;
                bestMean = Math.max(bestMean, Math.min(spec.maxCpm(), mean * scale));
                candCampaign[count] = c;
                candCreative[count] = k;
                candDeal[count] = deal;
                candRank[count] = Math.min(spec.maxCpm(), (optimistic ? Math.max(drawn, mean) : drawn) * scale);
                candFreqCell[count] = freqCell;
                candContext[count] = context;
                count++;
            }
            count = price(request, first, count, bestMean, auctionType, floor);
        }
        placeBest(request, impIndex, campaigns, count, now);
    }

    /**
     * Prices the campaign's candidates {@code [first, end)} at {@code value}, the campaign's best expected value for
     * the impression, by the auction type; drops those below the floor and returns the new end. Which creative is
     * shown is the draw's choice (exploration); what the impression is worth does not depend on it, so an exploring
     * draw neither overpays (a draw-priced bid) nor underbids (a bid priced at the explored creative's own mean, which
     * the pacing controller then makes up for by overpaying on the other impressions).
     */
    private int price(BidRequest request, int first, int end, double value, int auctionType, double floor) {
        int kept = first;
        for (int j = first; j < end; j++) {
            final double price = switch (auctionType) {
                case 1 -> curve.shade(candContext[j], request.deviceType, hour, value, floor);
                case 3 -> floor;
                default -> value;
            };
            if (value < floor || price < floor || !(price > 0)) {
                bids.reached(NoBidReason.BELOW_FLOOR);
                continue;
            }
            copy(j, kept);
            candValue[kept] = value;
            candPrice[kept] = price;
            kept++;
        }
        return kept;
    }

    /** Bids the best-ranked candidate whose reservation succeeds; a failed one (budget, schedule) falls through. */
    private void placeBest(BidRequest request, int impIndex, Campaign[] campaigns, int candidates, long now) {
        int count = candidates;
        for (int attempt = 0; attempt < 4 && count > 0; attempt++) {
            int best = 0;
            for (int j = 1; j < count; j++) {
                if (candRank[j] > candRank[best]) {
                    best = j;
                }
            }
            final Campaign campaign = campaigns[candCampaign[best]];
            final double basePrice = candPrice[best];
            final long micros = (long) Math.ceil(basePrice * 1000.0);
            final long cap = pacing.cap(campaign.slot(), campaign.spec().dailyBudgetMicros(),
                campaign.spec().maxBidMicros(), now);
            if (ledger.reserve(campaign.slot(), micros, cap)) {
                emit(request, impIndex, campaign, best, basePrice, micros, now);
                return;
            }
            ledger.count(campaign.slot(), BudgetLedgerDescriptor.PACING_BLOCKED_OFFSET);
            bids.reached(NoBidReason.BUDGET);
            // drop every candidate of this campaign: its budget said no
            int kept = 0;
            for (int j = 0; j < count; j++) {
                if (candCampaign[j] != candCampaign[best]) {
                    copy(j, kept++);
                }
            }
            count = kept;
        }
    }

    /** Deals first: the first deal on the imp the campaign is in and our seat may bid on, or -1. */
    private int dealFor(Campaign campaign, BidRequest.Imp imp) {
        for (int d = 0; d < imp.dealCount(); d++) {
            final BidRequest.Deal offered = imp.deal(d);
            if (campaign.inDeal(offered.id) && (offered.wseat.isEmpty() || offered.wseat.contains(config.seat()))) {
                return d;
            }
        }
        return -1;
    }

    private void copy(int from, int to) {
        candCampaign[to] = candCampaign[from];
        candCreative[to] = candCreative[from];
        candDeal[to] = candDeal[from];
        candW[to] = candW[from];
        candH[to] = candH[from];
        candMtype[to] = candMtype[from];
        candValue[to] = candValue[from];
        candRank[to] = candRank[from];
        candPrice[to] = candPrice[from];
        candFreqCell[to] = candFreqCell[from];
        candContext[to] = candContext[from];
    }

    private void emit(BidRequest request, int impIndex, Campaign campaign, int cand, double basePrice, long micros,
                      long now) {
        final BidRequest.Imp imp = request.imp(impIndex);
        final Bid bid = bids.add();
        bid.imp = impIndex;
        bid.campaign = campaign;
        bid.creative = campaign.creatives()[candCreative[cand]];
        bid.dealId = candDeal[cand] >= 0 ? imp.deal(candDeal[cand]).id : null;
        bid.w = candW[cand];
        bid.h = candH[cand];
        bid.mtype = candMtype[cand];
        bid.basePrice = basePrice;
        bid.price = rates.fromBase(basePrice, bids.currency);
        bid.nonce = rng.nextLong();
        bid.token = tokens.issue(campaign.id(), bid.creative.id(), micros, now, bid.nonce, bids.currency,
            candFreqCell[cand], candContext[cand], Math.max(0, request.deviceType), WinRateCurve.hourOfDay(now),
            tokenScratch);
        reservations.add(bid.nonce, campaign.slot(), micros, now + config.reservationMillis());
        ledger.count(campaign.slot(), BudgetLedgerDescriptor.BIDS_OFFSET);
    }

    /** A draw from the Beta posterior of a rate arm: trials are the chances, successes the events (NoticeRules). */
    private double sample(PosteriorTable table, int arm, double alpha, double beta) {
        final long trials = table.trials(arm);
        final long successes = table.successes(arm);
        return Samplers.beta(rng, alpha + successes, beta + Math.max(0, trials - successes));
    }

    /** The mean of that posterior. */
    private static double mean(PosteriorTable table, int arm, double alpha, double beta) {
        final long trials = table.trials(arm);
        final long successes = table.successes(arm);
        return (alpha + successes) / (alpha + beta + Math.max(trials, successes));
    }

    private static boolean targeted(CampaignSpec spec, BidRequest request) {
        if (request.hasApp) {
            final String bundle = request.appBundle;
            if (!spec.allowApps().isEmpty() && (bundle == null || !spec.allowApps().contains(bundle))) {
                return false;
            }
            if (bundle != null && spec.blockApps().contains(bundle)) {
                return false;
            }
        } else {
            final String domain = request.siteDomain != null ? request.siteDomain : request.publisherDomain;
            if (!spec.allowSites().isEmpty() && (domain == null || !spec.allowSites().contains(domain))) {
                return false;
            }
            if (domain != null && spec.blockSites().contains(domain)) {
                return false;
            }
        }
        if (!spec.countries().isEmpty() && (request.country == null || !spec.countries().contains(request.country))) {
            return false;
        }
        final int[] types = spec.deviceTypes();
        if (types.length > 0) {
            boolean found = false;
            for (final int type : types) {
                found |= type == request.deviceType;
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private static boolean creativeAllowed(Creative creative, BidRequest request) {
        for (final String cat : creative.cat()) {
            for (int i = 0; i < request.bcat.size(); i++) {
                final String blocked = request.bcat.get(i);
                // IAB blocks cover subcategories: blocking IAB7 blocks IAB7-39.
                if (cat.equals(blocked) || (cat.startsWith(blocked) && cat.length() > blocked.length()
                    && cat.charAt(blocked.length()) == '-')) {
                    return false;
                }
            }
        }
        for (final String domain : creative.adomain()) {
            if (request.badv.contains(domain.toLowerCase(java.util.Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the creative fits the imp; on success the chosen size and mtype go into slot {@code cand}. */
    private boolean formatMatch(Creative creative, BidRequest.Imp imp, int cand) {
        if (imp.hasBanner && creative.hasBanner() && !blockedAttr(creative, imp.bannerBattr)) {
            int size = -1;
            if (imp.bannerW > 0 && imp.bannerH > 0) {
                size = creative.bannerSize(imp.bannerW, imp.bannerH);
            }
            for (int f = 0; size < 0 && f < imp.formatW.size(); f++) {
                size = creative.bannerSize(imp.formatW.get(f), imp.formatH.get(f));
            }
            if (size < 0 && imp.bannerW == 0 && imp.formatW.size() == 0) {
                size = 0; // no size asked: any
            }
            if (size >= 0) {
                candW[cand] = creative.bannerW()[size];
                candH[cand] = creative.bannerH()[size];
                candMtype[cand] = Creative.MTYPE_BANNER;
                return true;
            }
        }
        if (imp.hasVideo && creative.video() && !blockedAttr(creative, imp.videoBattr)
            && (creative.videoW() == 0 || imp.videoW == 0
                || (creative.videoW() == imp.videoW && creative.videoH() == imp.videoH))) {
            candW[cand] = imp.videoW > 0 ? imp.videoW : creative.videoW();
            candH[cand] = imp.videoH > 0 ? imp.videoH : creative.videoH();
            candMtype[cand] = Creative.MTYPE_VIDEO;
            return true;
        }
        if (imp.hasNative && creative.nativeAd() != null && !blockedAttr(creative, imp.nativeBattr)
            && NativeMarkup.match(imp.nativeRequest, creative.nativeAd(), nativeChoice)) {
            candW[cand] = 0;
            candH[cand] = 0;
            candMtype[cand] = Creative.MTYPE_NATIVE;
            return true;
        }
        return false;
    }

    private static boolean blockedAttr(Creative creative, BidRequest.IntList battr) {
        for (final int attr : creative.attr()) {
            if (battr.contains(attr)) {
                return true;
            }
        }
        return false;
    }
}

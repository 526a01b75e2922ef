package io.arbiter.server.bid.openrtb;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an OpenRTB 2.5 / 2.6 bid request the bidder uses. Mutable and reused: one instance per event loop,
 * {@link #reset} before each parse, imps taken from a pool, so parsing allocates only the strings it keeps.
 * Privacy signals and supply-chain data are read from their 2.6 place and from the 2.5 {@code ext}; the 2.6 place
 * wins when both are present.
 */
public final class BidRequest {
    public String id;
    /** Auction type: 1 first price, 2 second price (the default), 3 fixed price (deal). */
    public int at;
    public int tmax;
    public int test;
    public final List<String> cur = new ArrayList<>(4);
    public final List<String> bcat = new ArrayList<>(16);
    public final List<String> badv = new ArrayList<>(16);
    public final List<String> wseat = new ArrayList<>(4);
    public final List<String> bseat = new ArrayList<>(4);

    public boolean hasSite;
    public String siteDomain;
    public String publisherDomain;
    public boolean hasApp;
    public String appBundle;
    public String appDomain;

    public int deviceType;
    public String country;
    public String ifa;
    public String userId;
    public String buyerUid;

    /** -1 unknown, 0 no, 1 yes. */
    public int gdpr;
    public int coppa;
    public String consent;
    public String usPrivacy;
    public int eidCount;
    public boolean hasSchain;
    public int schainComplete;

    private final List<Imp> pool = new ArrayList<>();
    private int impCount;

    public void reset() {
        id = null;
        at = 2;
        tmax = 0;
        test = 0;
        cur.clear();
        bcat.clear();
        badv.clear();
        wseat.clear();
        bseat.clear();
        hasSite = false;
        siteDomain = null;
        publisherDomain = null;
        hasApp = false;
        appBundle = null;
        appDomain = null;
        deviceType = 0;
        country = null;
        ifa = null;
        userId = null;
        buyerUid = null;
        gdpr = -1;
        coppa = 0;
        consent = null;
        usPrivacy = null;
        eidCount = 0;
        hasSchain = false;
        schainComplete = -1;
        impCount = 0;
    }

    /** A cleared imp appended to this request. */
    public Imp addImp() {
        if (impCount == pool.size()) {
            pool.add(new Imp());
        }
        final Imp imp = pool.get(impCount++);
        imp.reset();
        return imp;
    }

    public int impCount() {
        return impCount;
    }

    public Imp imp(int index) {
        return pool.get(index);
    }

    /** The user key for frequency capping, or null when there is none or it may not be used (GDPR, no consent). */
    public String frequencyKey() {
        if (gdpr == 1 && (consent == null || consent.isEmpty())) {
            return null;
        }
        if (userId != null && !userId.isEmpty()) {
            return userId;
        }
        if (buyerUid != null && !buyerUid.isEmpty()) {
            return buyerUid;
        }
        return ifa != null && !ifa.isEmpty() ? ifa : null;
    }

    /** One impression on offer. */
    public static final class Imp {
        public String id;
        public double bidfloor;
        public String bidfloorcur;
        public int instl;

        public boolean hasBanner;
        public int bannerW;
        public int bannerH;
        public final IntList formatW = new IntList();
        public final IntList formatH = new IntList();
        public final IntList bannerBattr = new IntList();

        public boolean hasVideo;
        public int videoW;
        public int videoH;
        public final IntList videoBattr = new IntList();

        public boolean hasNative;
        public final IntList nativeBattr = new IntList();
        /** The native markup request; {@link NativeRequest#readable} false when there was none we could read. */
        public final NativeRequest nativeRequest = new NativeRequest();

        public boolean privateAuction;
        private final List<Deal> deals = new ArrayList<>(2);
        private int dealCount;

        void reset() {
            id = null;
            bidfloor = 0;
            bidfloorcur = "USD";
            instl = 0;
            hasBanner = false;
            bannerW = 0;
            bannerH = 0;
            formatW.clear();
            formatH.clear();
            bannerBattr.clear();
            hasVideo = false;
            videoW = 0;
            videoH = 0;
            videoBattr.clear();
            hasNative = false;
            nativeBattr.clear();
            nativeRequest.reset();
            privateAuction = false;
            dealCount = 0;
        }

        public Deal addDeal() {
            if (dealCount == deals.size()) {
                deals.add(new Deal());
            }
            final Deal deal = deals.get(dealCount++);
            deal.reset();
            return deal;
        }

        public int dealCount() {
            return dealCount;
        }

        public Deal deal(int index) {
            return deals.get(index);
        }
    }

    /** A private-marketplace deal offered on an imp. */
    public static final class Deal {
        public String id;
        public double bidfloor;
        public String bidfloorcur;
        /** 0 when the deal does not say (the request's {@code at} applies). */
        public int at;
        public final List<String> wseat = new ArrayList<>(2);

        void reset() {
            id = null;
            bidfloor = 0;
            bidfloorcur = "USD";
            at = 0;
            wseat.clear();
        }
    }

    /** A growable int list without boxing. */
    public static final class IntList {
        private int[] values = new int[8];
        private int size;

        public void add(int value) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        public int get(int index) {
            return values[index];
        }

        public int size() {
            return size;
        }

        public boolean contains(int value) {
            for (int i = 0; i < size; i++) {
                if (values[i] == value) {
                    return true;
                }
            }
            return false;
        }

        public void clear() {
            size = 0;
        }
    }
}

package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.bid.openrtb.BidRequest;
import io.arbiter.server.bid.openrtb.NativeRequest;

/**
 * Writes an OpenRTB bid response by hand into a reused {@link StringBuilder} (no tree, no data binding). Notice URLs
 * carry the bid's signed token and the standard macros, which the exchange substitutes:
 * <pre>
 *   nurl  {base}/rtb/win?t={token}&amp;p=${AUCTION_PRICE}&amp;a=${AUCTION_ID}&amp;i=${AUCTION_IMP_ID}
 *   burl  {base}/rtb/bill?t={token}&amp;p=${AUCTION_PRICE}
 *   lurl  {base}/rtb/loss?t={token}&amp;p=${AUCTION_PRICE}&amp;l=${AUCTION_LOSS}
 * </pre>
 * and the creative's markup gets {@code {{CLICK_URL}}} = {@code {base}/rtb/click?t={token}},
 * {@code {{CONVERSION_URL}}} = {@code {base}/rtb/conversion?t={token}} and {@code {{IMPRESSION_URL}}} =
 * {@code {base}/rtb/imp?t={token}&amp;p=${AUCTION_PRICE}}; OpenRTB macros in markup pass through untouched. A native
 * bid's markup is its native response, assembled for the imp's native request ({@link NativeMarkup}).
 */
public final class BidResponseWriter {
    private static final String CLICK = "{{CLICK_URL}}";
    private static final String CONVERSION = "{{CONVERSION_URL}}";
    private static final String IMPRESSION = "{{IMPRESSION_URL}}";

    private final NoticeBase noticeBase;
    private String base;
    private final String seat;
    private final StringBuilder out = new StringBuilder(2048);
    private final StringBuilder scratch = new StringBuilder(512);
    private final StringBuilder vast = new StringBuilder(512);
    private final int[] choice = new int[NativeRequest.MAX_ASSETS];

    public BidResponseWriter(String noticeBaseUrl, String seat) {
        this(NoticeBase.fixed(noticeBaseUrl), seat);
    }

    public BidResponseWriter(NoticeBase noticeBase, String seat) {
        this.noticeBase = noticeBase;
        this.seat = seat;
    }

    public String write(BidRequest request, Bidder.Bids bids) {
        final StringBuilder o = out;
        o.setLength(0);
        base = noticeBase.get();
        o.append("{\"id\":");
        string(o, request.id);
        o.append(",\"bidid\":\"").append(Long.toHexString(bids.get(0).nonce)).append('"');
        o.append(",\"cur\":\"").append(bids.currency).append("\",\"seatbid\":[{\"seat\":");
        string(o, seat);
        o.append(",\"bid\":[");
        for (int i = 0; i < bids.size(); i++) {
            if (i > 0) {
                o.append(',');
            }
            bid(o, request, bids.get(i));
        }
        return o.append("]}]}").toString();
    }

    private void bid(StringBuilder o, BidRequest request, Bidder.Bid bid) {
        final Creative creative = bid.creative;
        o.append("{\"id\":\"").append(Long.toHexString(bid.nonce)).append("\",\"impid\":");
        string(o, request.imp(bid.imp).id);
        o.append(",\"price\":");
        decimal(o, bid.price);
        o.append(",\"adid\":");
        string(o, creative.id());
        o.append(",\"crid\":");
        string(o, creative.id());
        o.append(",\"cid\":");
        string(o, bid.campaign.id());
        if (creative.adomain().length > 0) {
            o.append(",\"adomain\":[");
            for (int i = 0; i < creative.adomain().length; i++) {
                if (i > 0) {
                    o.append(',');
                }
                string(o, creative.adomain()[i]);
            }
            o.append(']');
        }
        if (creative.cat().length > 0) {
            o.append(",\"cat\":[");
            for (int i = 0; i < creative.cat().length; i++) {
                if (i > 0) {
                    o.append(',');
                }
                string(o, creative.cat()[i]);
            }
            o.append(']');
        }
        if (bid.w > 0 && bid.h > 0) {
            o.append(",\"w\":").append(bid.w).append(",\"h\":").append(bid.h);
        }
        o.append(",\"mtype\":").append(bid.mtype);
        if (bid.dealId != null) {
            o.append(",\"dealid\":");
            string(o, bid.dealId);
        }
        o.append(",\"nurl\":\"").append(base).append("/rtb/win?t=").append(bid.token)
            .append("&p=${AUCTION_PRICE}&a=${AUCTION_ID}&i=${AUCTION_IMP_ID}\"");
        o.append(",\"burl\":\"").append(base).append("/rtb/bill?t=").append(bid.token)
            .append("&p=${AUCTION_PRICE}\"");
        o.append(",\"lurl\":\"").append(base).append("/rtb/loss?t=").append(bid.token)
            .append("&p=${AUCTION_PRICE}&l=${AUCTION_LOSS}\"");
        o.append(",\"adm\":");
        final StringBuilder adm = scratch;
        adm.setLength(0);
        if (bid.mtype == Creative.MTYPE_NATIVE) {
            final BidRequest.Imp imp = request.imp(bid.imp);
            NativeMarkup.match(imp.nativeRequest, creative.nativeAd(), choice); // as the bidder matched it
            NativeMarkup.write(adm, vast, imp.nativeRequest, creative.nativeAd(), choice, base, bid.token);
        } else {
            fill(adm, creative.markup(), base, bid.token);
        }
        string(o, adm);
        o.append('}');
    }

    /**
     * Fills the creative's own placeholders into {@code s}: {@code {{CLICK_URL}}}, {@code {{CONVERSION_URL}}} and
     * {@code {{IMPRESSION_URL}}} (the render pixel, which bills like {@code burl}). Everything else, OpenRTB macros
     * such as {@code ${AUCTION_PRICE}} included, is copied as it is for the exchange to substitute.
     */
    static void fill(StringBuilder s, String template, String base, String token) {
        int from = 0;
        while (true) {
            final int open = template.indexOf("{{", from);
            if (open < 0) {
                break;
            }
            s.append(template, from, open);
            if (template.startsWith(CLICK, open)) {
                NativeMarkup.clickUrl(s, base, token);
                from = open + CLICK.length();
            } else if (template.startsWith(CONVERSION, open)) {
                s.append(base).append("/rtb/conversion?t=").append(token);
                from = open + CONVERSION.length();
            } else if (template.startsWith(IMPRESSION, open)) {
                NativeMarkup.impressionUrl(s, base, token);
                from = open + IMPRESSION.length();
            } else {
                s.append("{{");
                from = open + 2;
            }
        }
        s.append(template, from, template.length());
    }

    /** A price with at most 6 decimals, never in exponent notation. */
    static void decimal(StringBuilder o, double value) {
        final long micros = Math.round(value * 1_000_000.0);
        o.append(micros / 1_000_000);
        long fraction = micros % 1_000_000;
        if (fraction != 0) {
            o.append('.');
            int digits = 6;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            final String text = Long.toString(fraction);
            for (int i = text.length(); i < digits; i++) {
                o.append('0');
            }
            o.append(text);
        }
    }

    static void string(StringBuilder o, CharSequence s) {
        o.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> o.append("\\\"");
                case '\\' -> o.append("\\\\");
                case '\n' -> o.append("\\n");
                case '\r' -> o.append("\\r");
                case '\t' -> o.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        o.append(String.format("\\u%04x", (int) c));
                    } else {
                        o.append(c);
                    }
                }
            }
        }
        o.append('"');
    }
}

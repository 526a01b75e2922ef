package io.arbiter.server.bid;

import io.arbiter.server.bid.campaign.NativeAd;
import io.arbiter.server.bid.openrtb.NativeRequest;

/**
 * Native responses assembled per request from a creative's declared assets ({@link NativeAd}).
 *
 * <p>{@link #match} fills every asset of the request it can: a title no longer than {@code len}; an image of the
 * asked type (any when none) whose size is exactly {@code w x h}, or at least {@code wmin x hmin} when those are
 * given; data of the asked type no longer than {@code len}; a video whose duration is within the asked bounds and
 * whose MIME type is accepted. A creative that cannot fill every required asset (or fills none) does not match.
 * {@link #write} writes the response in the request's version with the request's asset ids: Native 1.0 under a
 * {@code {"native": ...}} root, 1.1 and 1.2 as the root; {@code link} with the landing page and the bid's click URL
 * as click tracker; impression trackers as {@code eventtrackers} (event 1, method 1) when a 1.2 request lists
 * event trackers and allows that, else as {@code imptrackers}. Both are allocation-free given their scratch.
 */
public final class NativeMarkup {
    private NativeMarkup() {
    }

    /**
     * Chooses, for each asset {@code a} of {@code request}, what fills it: {@code choice[a]} is the index of the
     * title (0), image, data item or video (0) in {@code ad}, or -1. True when every required asset is filled and at
     * least one asset is.
     *
     * @param choice at least {@link NativeRequest#MAX_ASSETS} long
     */
    public static boolean match(NativeRequest request, NativeAd ad, int[] choice) {
        if (!request.readable) {
            return false;
        }
        int filled = 0;
        for (int a = 0; a < request.assetCount(); a++) {
            final int c = switch (request.kind(a)) {
                case NativeRequest.TITLE -> ad.title() != null && fits(ad.title(), request.len(a)) ? 0 : -1;
                case NativeRequest.IMAGE -> image(request, a, ad);
                case NativeRequest.DATA -> data(request, a, ad);
                case NativeRequest.VIDEO -> video(request, a, ad) ? 0 : -1;
                default -> -1;
            };
            choice[a] = c;
            if (c >= 0) {
                filled++;
            } else if (request.required(a)) {
                return false;
            }
        }
        return filled > 0;
    }

    private static boolean fits(String text, int maxLength) {
        return maxLength <= 0 || text.codePointCount(0, text.length()) <= maxLength;
    }

    private static int image(NativeRequest request, int a, NativeAd ad) {
        final NativeAd.Image[] images = ad.images();
        final int wmin = request.wmin(a);
        final int hmin = request.hmin(a);
        final boolean byMinimum = wmin > 0 || hmin > 0;
        for (int i = 0; i < images.length; i++) {
            final NativeAd.Image image = images[i];
            if (request.type(a) != 0 && image.type() != request.type(a)) {
                continue;
            }
            final boolean sized = byMinimum
                ? image.w() >= wmin && image.h() >= hmin
                : (request.w(a) == 0 || image.w() == request.w(a)) && (request.h(a) == 0 || image.h() == request.h(a));
            if (sized) {
                return i;
            }
        }
        return -1;
    }

    private static int data(NativeRequest request, int a, NativeAd ad) {
        final NativeAd.Data[] data = ad.data();
        for (int i = 0; i < data.length; i++) {
            if (data[i].type() == request.type(a) && fits(data[i].value(), request.len(a))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean video(NativeRequest request, int a, NativeAd ad) {
        if (ad.vastTag() == null) {
            return false;
        }
        final int min = request.minDuration(a);
        final int max = request.maxDuration(a);
        if ((min > 0 || max > 0) && (ad.videoDuration() == 0 || ad.videoDuration() < min
            || (max > 0 && ad.videoDuration() > max))) {
            return false;
        }
        if (request.mimeCount(a) == 0) {
            return true;
        }
        for (int i = 0; i < request.mimeCount(a); i++) {
            if (request.mime(a, i).equals(ad.videoMime())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the native response (JSON, not yet escaped as a string) for a match made by {@link #match}.
     *
     * @param scratch for the video's VAST with its URLs filled in
     * @param base  the notice base URL
     * @param token the bid's token
     */
    public static void write(StringBuilder s, StringBuilder scratch, NativeRequest request, NativeAd ad, int[] choice,
                             String base, String token) {
        if (request.wrapped || request.minor == 0) {
            s.append("{\"native\":");
        }
        s.append("{\"ver\":");
        BidResponseWriter.string(s, request.ver);
        s.append(",\"assets\":[");
        boolean first = true;
        for (int a = 0; a < request.assetCount(); a++) {
            if (choice[a] < 0) {
                continue;
            }
            if (!first) {
                s.append(',');
            }
            first = false;
            s.append("{\"id\":").append(request.id(a));
            if (request.required(a)) {
                s.append(",\"required\":1");
            }
            asset(s, scratch, request, a, ad, choice[a], base, token);
            s.append('}');
        }
        s.append("],\"link\":{\"url\":");
        if (ad.link() != null) {
            BidResponseWriter.string(s, ad.link());
            s.append(",\"clicktrackers\":[\"");
            clickUrl(s, base, token);
            s.append('"');
            for (final String tracker : ad.clickTrackers()) {
                s.append(',');
                BidResponseWriter.string(s, tracker);
            }
            s.append(']');
        } else {
            s.append('"');
            clickUrl(s, base, token);
            s.append('"');
            strings(s, ",\"clicktrackers\":[", ad.clickTrackers());
        }
        s.append('}');
        trackers(s, request, ad, base, token);
        s.append('}');
        if (request.wrapped || request.minor == 0) {
            s.append('}');
        }
    }

    private static void asset(StringBuilder s, StringBuilder scratch, NativeRequest request, int a, NativeAd ad,
                              int c, String base, String token) {
        switch (request.kind(a)) {
            case NativeRequest.TITLE -> {
                s.append(",\"title\":{\"text\":");
                BidResponseWriter.string(s, ad.title());
                s.append('}');
            }
            case NativeRequest.IMAGE -> {
                final NativeAd.Image image = ad.images()[c];
                s.append(",\"img\":{");
                if (request.minor >= 2) {
                    s.append("\"type\":").append(image.type()).append(',');
                }
                s.append("\"url\":");
                BidResponseWriter.string(s, image.url());
                s.append(",\"w\":").append(image.w()).append(",\"h\":").append(image.h()).append('}');
            }
            case NativeRequest.DATA -> {
                s.append(",\"data\":{");
                if (request.minor >= 2) {
                    s.append("\"type\":").append(ad.data()[c].type()).append(',');
                }
                s.append("\"value\":");
                BidResponseWriter.string(s, ad.data()[c].value());
                s.append('}');
            }
            default -> {
                s.append(",\"video\":{\"vasttag\":");
                scratch.setLength(0);
                BidResponseWriter.fill(scratch, ad.vastTag(), base, token);
                BidResponseWriter.string(s, scratch);
                s.append('}');
            }
        }
    }

    private static void trackers(StringBuilder s, NativeRequest request, NativeAd ad, String base, String token) {
        final boolean any = ad.impTrackers().length > 0 || ad.impressionPixel();
        if (!any) {
            return;
        }
        if (request.minor >= 2 && request.hasEventTrackers) {
            if (!request.impressionImage) {
                return; // the request allows no image impression tracker
            }
            s.append(",\"eventtrackers\":[");
            boolean first = true;
            if (ad.impressionPixel()) {
                s.append("{\"event\":1,\"method\":1,\"url\":\"");
                impressionUrl(s, base, token);
                s.append("\"}");
                first = false;
            }
            for (final String tracker : ad.impTrackers()) {
                if (!first) {
                    s.append(',');
                }
                first = false;
                s.append("{\"event\":1,\"method\":1,\"url\":");
                BidResponseWriter.string(s, tracker);
                s.append('}');
            }
            s.append(']');
            return;
        }
        s.append(",\"imptrackers\":[");
        if (ad.impressionPixel()) {
            s.append('"');
            impressionUrl(s, base, token);
            s.append('"');
        }
        for (int i = 0; i < ad.impTrackers().length; i++) {
            if (i > 0 || ad.impressionPixel()) {
                s.append(',');
            }
            BidResponseWriter.string(s, ad.impTrackers()[i]);
        }
        s.append(']');
    }

    private static void strings(StringBuilder s, String prefix, String[] values) {
        if (values.length == 0) {
            return;
        }
        s.append(prefix);
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            BidResponseWriter.string(s, values[i]);
        }
        s.append(']');
    }

    static void clickUrl(StringBuilder s, String base, String token) {
        s.append(base).append("/rtb/click?t=").append(token);
    }

    /** The render pixel: bills once per bid, like {@code burl}; the exchange substitutes the price macro. */
    static void impressionUrl(StringBuilder s, String base, String token) {
        s.append(base).append("/rtb/imp?t=").append(token).append("&p=${AUCTION_PRICE}");
    }
}

package io.arbiter.server.bid.campaign;

/**
 * One creative of a campaign, immutable. Formats: any number of banner sizes, and/or video (with its player size,
 * 0 x 0 meaning any), and/or native. {@code ctrArm} and {@code cvrArm} are its records in the shared posterior table
 * (clicks per billed impression, conversions per click).
 *
 * @param nativeAd the native assets, or null when the creative is not native
 * @param markup   the banner or video markup template ({@code {{CLICK_URL}}}, {@code {{CONVERSION_URL}}},
 *                 {@code {{IMPRESSION_URL}}} are filled in when bidding; OpenRTB macros such as
 *                 {@code ${AUCTION_PRICE}} pass through for the exchange); null for a native-only creative
 */
public record Creative(String id, int[] bannerW, int[] bannerH, boolean video, int videoW, int videoH,
                       NativeAd nativeAd, String markup, String[] adomain, String[] cat, int[] attr,
                       int ctrArm, int cvrArm) {

    /** OpenRTB mtype: 1 banner, 2 video, 4 native. */
    public static final int MTYPE_BANNER = 1;
    public static final int MTYPE_VIDEO = 2;
    public static final int MTYPE_NATIVE = 4;

    /** The index of the banner size {@code w x h}, or -1. */
    public int bannerSize(int w, int h) {
        for (int i = 0; i < bannerW.length; i++) {
            if (bannerW[i] == w && bannerH[i] == h) {
                return i;
            }
        }
        return -1;
    }

    public boolean hasBanner() {
        return bannerW.length > 0;
    }

    public Creative withArms(int ctr, int cvr) {
        return new Creative(id, bannerW, bannerH, video, videoW, videoH, nativeAd, markup, adomain, cat, attr, ctr,
            cvr);
    }
}

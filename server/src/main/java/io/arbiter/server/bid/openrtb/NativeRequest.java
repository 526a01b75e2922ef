package io.arbiter.server.bid.openrtb;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an imp's OpenRTB Native (1.0, 1.1, 1.2) markup request the bidder uses: its version, its assets
 * (id, required, kind and the kind's limits) and which impression trackers it allows. Mutable and reused with its
 * imp. A native request that could not be read ({@link #readable} false: not JSON, a field of the wrong type, more
 * than {@link #MAX_ASSETS} assets) is not bid on; the rest of the imp (banner, video) still is, so it is no 400.
 */
public final class NativeRequest {
    /** More assets than any exchange asks for; a request beyond it is not bid on. */
    public static final int MAX_ASSETS = 32;

    public static final int TITLE = 1;
    public static final int IMAGE = 2;
    public static final int DATA = 3;
    public static final int VIDEO = 4;
    /** An asset of a kind the bidder does not know (it can fill it only when it is optional). */
    public static final int OTHER = 0;

    /** Whether {@code imp.native.request} was present and read. */
    public boolean readable;
    /** The version as the request gave it ({@code "1.2"} when it gave none), echoed in the response. */
    public String ver;
    /** The minor version: 0 (1.0), 1 (1.1) or 2 (1.2 and later). */
    public int minor;
    /** The request had the pre-1.1 root {@code {"native": {...}}}; the response gets it too. */
    public boolean wrapped;
    /** The 1.2 request listed {@code eventtrackers}: only what they allow may be answered there. */
    public boolean hasEventTrackers;
    /** {@code eventtrackers} allow impression (event 1) trackers by image (method 1). */
    public boolean impressionImage;

    private int count;
    private final int[] id = new int[MAX_ASSETS];
    private final boolean[] required = new boolean[MAX_ASSETS];
    private final int[] kind = new int[MAX_ASSETS];
    /** Title and data: maximum length (0 none). Image and data: type (0 none). */
    private final int[] len = new int[MAX_ASSETS];
    private final int[] type = new int[MAX_ASSETS];
    private final int[] w = new int[MAX_ASSETS];
    private final int[] h = new int[MAX_ASSETS];
    private final int[] wmin = new int[MAX_ASSETS];
    private final int[] hmin = new int[MAX_ASSETS];
    /** Video: duration bounds in seconds (0 none) and accepted MIME types (mimesFrom .. mimesFrom + mimesCount). */
    private final int[] minDuration = new int[MAX_ASSETS];
    private final int[] maxDuration = new int[MAX_ASSETS];
    private final int[] mimesFrom = new int[MAX_ASSETS];
    private final int[] mimesCount = new int[MAX_ASSETS];
    private final List<String> mimes = new ArrayList<>(8);

    void reset() {
        readable = false;
        ver = "1.2";
        minor = 2;
        wrapped = false;
        hasEventTrackers = false;
        impressionImage = false;
        count = 0;
        mimes.clear();
    }

    /** Appends a cleared asset and returns its index, or -1 when there are {@link #MAX_ASSETS} already. */
    int addAsset() {
        if (count == MAX_ASSETS) {
            return -1;
        }
        final int a = count++;
        id[a] = 0;
        required[a] = false;
        kind[a] = OTHER;
        len[a] = 0;
        type[a] = 0;
        w[a] = 0;
        h[a] = 0;
        wmin[a] = 0;
        hmin[a] = 0;
        minDuration[a] = 0;
        maxDuration[a] = 0;
        mimesFrom[a] = mimes.size();
        mimesCount[a] = 0;
        return a;
    }

    void set(int a, int assetId, boolean isRequired) {
        id[a] = assetId;
        required[a] = isRequired;
    }

    void kind(int a, int k) {
        kind[a] = k;
    }

    void limits(int a, int maxLength, int assetType) {
        len[a] = maxLength;
        type[a] = assetType;
    }

    void size(int a, int width, int height, int minWidth, int minHeight) {
        w[a] = width;
        h[a] = height;
        wmin[a] = minWidth;
        hmin[a] = minHeight;
    }

    void durations(int a, int min, int max) {
        minDuration[a] = min;
        maxDuration[a] = max;
    }

    void addMime(int a, String mime) {
        mimes.add(mime);
        mimesCount[a]++;
    }

    /** Sets the version from the request's {@code ver} ("1", "1.0", "1.1", "1.2", ...). */
    void version(String version) {
        ver = version;
        final String v = version.trim();
        if (v.equals("1") || v.startsWith("1.0")) {
            minor = 0;
        } else if (v.startsWith("1.1")) {
            minor = 1;
        } else {
            minor = 2;
        }
    }

    public int assetCount() {
        return count;
    }

    public int id(int a) {
        return id[a];
    }

    public boolean required(int a) {
        return required[a];
    }

    public int kind(int a) {
        return kind[a];
    }

    /** Title and data: the maximum length in characters, 0 for none. */
    public int len(int a) {
        return len[a];
    }

    /** Image: the image type (1 icon, 3 main), data: the data type (1 sponsored, 2 desc, ...); 0 for none. */
    public int type(int a) {
        return type[a];
    }

    public int w(int a) {
        return w[a];
    }

    public int h(int a) {
        return h[a];
    }

    public int wmin(int a) {
        return wmin[a];
    }

    public int hmin(int a) {
        return hmin[a];
    }

    public int minDuration(int a) {
        return minDuration[a];
    }

    public int maxDuration(int a) {
        return maxDuration[a];
    }

    public int mimeCount(int a) {
        return mimesCount[a];
    }

    public String mime(int a, int i) {
        return mimes.get(mimesFrom[a] + i);
    }
}

package io.arbiter.server.bid;

/**
 * The prefix of the notice and click URLs the bidder hands out: {@code bidding.noticeBaseUrl} when it is set, else
 * derived once the server listens, from its scheme and port and {@code http.publicHost} (else {@code localhost}),
 * with a warning that production needs the public URL. Read once per response (a volatile read); set at start.
 */
public final class NoticeBase {
    private static final System.Logger LOG = System.getLogger(NoticeBase.class.getName());

    private final boolean configured;
    private volatile String url;

    private NoticeBase(String url, boolean configured) {
        this.url = url;
        this.configured = configured;
    }

    /** A fixed prefix (a configured {@code noticeBaseUrl}). */
    public static NoticeBase fixed(String url) {
        return new NoticeBase(url, true);
    }

    /** {@code configured} when set, else one to be derived by {@link #listening} ({@code http://localhost} until). */
    public static NoticeBase of(String configured) {
        return configured != null ? fixed(configured) : new NoticeBase("http://localhost", false);
    }

    /** The server listens: derives the prefix when none was configured, and warns. */
    public void listening(boolean tls, String publicHost, int port) {
        if (configured) {
            return;
        }
        final String scheme = tls ? "https" : "http";
        final String host = publicHost != null ? publicHost : "localhost";
        final boolean defaultPort = port == (tls ? 443 : 80);
        url = scheme + "://" + host + (defaultPort ? "" : ":" + port);
        LOG.log(System.Logger.Level.WARNING, "bidder: bidding.noticeBaseUrl is not set, so notice and click URLs "
            + "start with " + url + " (from the listening scheme and port and http.publicHost"
            + (publicHost == null ? ", which is not set either" : "") + "); in production set bidding.noticeBaseUrl "
            + "to the public URL exchanges and browsers reach");
    }

    public String get() {
        return url;
    }
}

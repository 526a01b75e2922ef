package io.arbiter.loadtest.run;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/** Sorts request failures (no HTTP answer) into the kinds the report counts. */
final class FailureKinds {
    private FailureKinds() {
    }

    static Counter classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            final String name = t.getClass().getName().toLowerCase(Locale.ROOT);
            final String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof TimeoutException || name.contains("timeout") || message.contains("timeout")
                    || message.contains("timed out")) {
                return Counter.TIMEOUT;
            }
            if (t instanceof ConnectException || name.contains("connect") && !name.contains("closed")) {
                return Counter.CONNECT;
            }
            if (t instanceof SSLException || name.contains("ssl") || name.contains("handshake")) {
                return Counter.TLS;
            }
            if (t instanceof ClosedChannelException || name.contains("closed") || message.contains("closed")
                    || message.contains("reset")) {
                return Counter.CLOSED;
            }
        }
        return Counter.OTHER_FAILURE;
    }
}

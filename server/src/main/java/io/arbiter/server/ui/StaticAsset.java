package io.arbiter.server.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file served from the jar: read once at start, with its content type and a strong validator (an ETag from the
 * SHA-256 of its bytes), so a browser revalidates it with {@code If-None-Match} and gets a 304 when it has not
 * changed. Text only (pages, scripts, style sheets).
 *
 * @param contentType the {@code Content-Type}
 * @param body        the text
 * @param etag        the quoted entity tag
 * @param html        whether it is a page (it gets the Content-Security-Policy)
 */
record StaticAsset(String contentType, String body, String etag, boolean html) {

    /** Reads class path resource {@code resource}; fails (the jar is broken) when it is missing. */
    static StaticAsset load(String resource, String contentType) {
        try (InputStream in = StaticAsset.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the server jar lacks " + resource);
            }
            final byte[] bytes = in.readAllBytes();
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            final String etag = "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
            return new StaticAsset(contentType, new String(bytes, StandardCharsets.UTF_8), etag,
                contentType.startsWith("text/html"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether an {@code If-None-Match} header names this asset's tag (or is {@code *}). */
    boolean matches(String ifNoneMatch) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (final String tag : ifNoneMatch.split(",")) {
            final String t = tag.trim();
            if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }
}

package io.arbiter.server.token;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The HMAC key of every signed token (decision ids, bid tokens), read once at start: the configured secret
 * ({@code decisions.tokenSecret}, {@code TOKEN_SECRET}) when set, else {@code <dataDir>/token-secret}, created with
 * 32 random bytes (owner-only) the first time, so tokens stay valid across restarts.
 */
public final class TokenSecrets {
    static final String FILE = "token-secret";

    private TokenSecrets() {
    }

    /**
     * The signer for this server's tokens.
     *
     * @param configured the configured secret (at least 16 characters), or null to use the data folder's file
     * @param dataDir    the server's data folder (it must exist)
     */
    public static SignedTokens load(String configured, Path dataDir, SecureRandom random) throws IOException {
        if (configured != null) {
            return new SignedTokens(configured.getBytes(StandardCharsets.UTF_8));
        }
        final Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            return new SignedTokens(Files.readAllBytes(file));
        }
        final byte[] secret = new byte[32];
        random.nextBytes(secret);
        Files.write(file, secret);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        return new SignedTokens(secret);
    }
}

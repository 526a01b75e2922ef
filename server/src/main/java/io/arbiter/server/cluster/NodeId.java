package io.arbiter.server.cluster;

import io.arbiter.server.files.DurableFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * This node's name among the server nodes sharing one Postgres: {@code cluster.nodeId} ({@code NODE_ID}) when set,
 * else one generated on the first start and kept in {@code <dataDir>/node-id}, so a restart is the same node.
 */
public final class NodeId {
    public static final String FILE = "node-id";

    private NodeId() {
    }

    /** The configured id, or the one kept in the data dir (generated and written the first time). */
    public static String resolve(String configured, Path dataDir, SecureRandom random) throws IOException {
        if (configured != null) {
            return configured;
        }
        final Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            final String kept = Files.readString(file).strip();
            if (!kept.isEmpty()) {
                return kept;
            }
        }
        final byte[] bytes = new byte[6];
        random.nextBytes(bytes);
        final String generated = "node-" + HexFormat.of().formatHex(bytes);
        DurableFiles.replace(file, (generated + "\n").getBytes(StandardCharsets.UTF_8));
        return generated;
    }
}

package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code POST /openrtb2/bid} with IAB-shaped requests from {@link BidRequestGenerator}. Each send
 * copies one of the pre-built variants and writes a unique 16-hex-digit {@code id} into it: the
 * worker number in the top 16 bits, a counter below.
 */
public final class BidScenario implements Scenario {
    static final String PATH = "/openrtb2/bid";
    static final int VARIANTS = 512;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final byte[][] bodies;
    private final int[] idOffsets;
    private final SplittableRandom random;
    private final long idPrefix;
    private long counter;

    public BidScenario(BidRequestGenerator generator, int workerIndex, long seed) {
        final List<String> variants = generator.variants(VARIANTS, seed);
        this.bodies = new byte[variants.size()][];
        this.idOffsets = new int[variants.size()];
        final byte[] placeholder = BidRequestGenerator.ID_PLACEHOLDER.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < variants.size(); i++) {
            bodies[i] = variants.get(i).getBytes(StandardCharsets.UTF_8);
            idOffsets[i] = indexOf(bodies[i], placeholder);
        }
        this.random = new SplittableRandom(seed + 1);
        this.idPrefix = (long) (workerIndex & 0xFFFF) << 48;
    }

    @Override
    public Request next() {
        final int pick = random.nextInt(bodies.length);
        final byte[] body = bodies[pick].clone();
        long id = idPrefix | (counter++ & 0xFFFF_FFFF_FFFFL);
        final int at = idOffsets[pick];
        for (int i = 15; i >= 0; i--) {
            body[at + i] = HEX[(int) (id & 0xF)];
            id >>>= 4;
        }
        return Request.postJson(RequestKind.BID, PATH, Buffer.buffer(body));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("id placeholder missing from a generated bid request");
    }
}

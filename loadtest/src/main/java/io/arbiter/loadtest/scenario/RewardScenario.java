package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Decides, then rewards a fraction of the decisions with their real tokens: every successful
 * {@code /v1/decide} answer's {@code decisionId} is kept with probability {@code rewardRate}, and
 * the next planned send rewards it. With rate {@code r}, rewards are {@code r / (1 + r)} of traffic.
 */
public final class RewardScenario implements Scenario {
    static final String PATH = "/v1/reward";
    /** Bounds memory when the server answers faster than rewards are sent; oldest tokens go first. */
    static final int MAX_PENDING_TOKENS = 100_000;

    private final DecideScenario decide;
    private final double rewardRate;
    private final SplittableRandom random;
    private final ArrayDeque<String> pendingTokens = new ArrayDeque<>();
    private long tokensSeen;

    public RewardScenario(List<String> experiments, int units, double rewardRate, long seed) {
        this(experiments, units, rewardRate, seed, DecideContext.NONE);
    }

    /** As above, the decide requests carrying {@code context}'s attributes and features (as the decide scenario's). */
    public RewardScenario(List<String> experiments, int units, double rewardRate, long seed, DecideContext context) {
        if (!(rewardRate >= 0 && rewardRate <= 1)) {
            throw new IllegalArgumentException("reward rate must be in [0, 1], was " + rewardRate);
        }
        this.decide = new DecideScenario(experiments, units, seed, true, context);
        this.rewardRate = rewardRate;
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    }

    @Override
    public Request next() {
        final String token = pendingTokens.pollFirst();
        if (token == null) {
            return decide.next();
        }
        final String json = "{\"decisionId\":\"" + token + "\",\"reward\":1}";
        return Request.postJson(RequestKind.REWARD, PATH, Buffer.buffer(json));
    }

    @Override
    public void onResponse(Request request, int status, Buffer body) {
        if (request.kind() != RequestKind.DECIDE || status != 200 || body == null) {
            return;
        }
        final String token = DecisionTokens.extract(body);
        if (token == null) {
            return;
        }
        tokensSeen++;
        if (random.nextDouble() < rewardRate) {
            if (pendingTokens.size() == MAX_PENDING_TOKENS) {
                pendingTokens.pollFirst();
            }
            pendingTokens.addLast(token);
        }
    }

    /** @return decision tokens read from decide answers so far. */
    public long tokensSeen() {
        return tokensSeen;
    }

    int pendingTokens() {
        return pendingTokens.size();
    }
}

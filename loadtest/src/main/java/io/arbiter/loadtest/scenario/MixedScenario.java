package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Picks each request from one of several scenarios with fixed weights, e.g. decide 60, reward 10,
 * bid 30. Answers go back to the scenario that made the request, so rewards still use real tokens.
 */
public final class MixedScenario implements Scenario {

    /** One scenario and its share of the traffic. */
    public record Part(Scenario scenario, double weight) {
        public Part {
            if (!(weight > 0)) {
                throw new IllegalArgumentException("weights must be > 0, was " + weight);
            }
        }
    }

    private final Scenario[] scenarios;
    private final double[] cumulative;
    private final SplittableRandom random;
    private final java.util.IdentityHashMap<RequestKind, Scenario> owners = new java.util.IdentityHashMap<>();

    public MixedScenario(List<Part> parts, long seed) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a mix needs at least one part");
        }
        scenarios = new Scenario[parts.size()];
        cumulative = new double[parts.size()];
        double total = 0;
        for (int i = 0; i < parts.size(); i++) {
            scenarios[i] = parts.get(i).scenario();
            total += parts.get(i).weight();
            cumulative[i] = total;
        }
        for (int i = 0; i < cumulative.length; i++) {
            cumulative[i] /= total;
        }
        random = new SplittableRandom(seed);
    }

    @Override
    public Request next() {
        final double u = random.nextDouble();
        int i = 0;
        while (i < cumulative.length - 1 && u >= cumulative[i]) {
            i++;
        }
        final Request request = scenarios[i].next();
        if (request.needsResponseBody()) {
            owners.put(request.kind(), scenarios[i]);
        }
        return request;
    }

    @Override
    public void onResponse(Request request, int status, Buffer body) {
        final Scenario owner = owners.get(request.kind());
        if (owner != null) {
            owner.onResponse(request, status, body);
        }
    }
}

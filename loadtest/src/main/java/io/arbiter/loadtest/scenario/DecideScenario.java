package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * {@code POST /v1/decide} over several experiments and many units. Unit ids are skewed (a few
 * heavy visitors, a long tail), as on a real site: squaring a uniform draw puts about 30% of
 * requests on the first 10% of units. With a {@link DecideContext} ({@code --context}, {@code --features}) each
 * request also carries attributes and features drawn uniformly.
 */
public final class DecideScenario implements Scenario {
    static final String PATH = "/v1/decide";

    private final List<String> experiments;
    private final int units;
    private final SplittableRandom random;
    private final boolean wantTokens;
    private final DecideContext context;

    public DecideScenario(List<String> experiments, int units, long seed) {
        this(experiments, units, seed, false, DecideContext.NONE);
    }

    DecideScenario(List<String> experiments, int units, long seed, boolean wantTokens) {
        this(experiments, units, seed, wantTokens, DecideContext.NONE);
    }

    DecideScenario(List<String> experiments, int units, long seed, boolean wantTokens, DecideContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.experiments = List.copyOf(Objects.requireNonNull(experiments, "experiments"));
        if (this.experiments.isEmpty()) {
            throw new IllegalArgumentException("at least one experiment is needed");
        }
        if (units < 1) {
            throw new IllegalArgumentException("units must be >= 1, was " + units);
        }
        this.units = units;
        this.random = new SplittableRandom(seed);
        this.wantTokens = wantTokens;
    }

    @Override
    public Request next() {
        final String experiment = experiments.get(random.nextInt(experiments.size()));
        final double u = random.nextDouble();
        final int unit = (int) (u * u * units);
        final String json = "{\"experiment\":\"" + experiment + "\",\"unit\":\"user-" + unit + "\",\"count\":1"
                + (context.isEmpty() ? "" : contextJson()) + "}";
        return new Request(RequestKind.DECIDE, io.vertx.core.http.HttpMethod.POST, PATH, Buffer.buffer(json),
                wantTokens);
    }

    /** {@code ,"context":{"a":"v2",...},"features":{"f0":0.41,...}}: values and features drawn uniformly. */
    private String contextJson() {
        final StringBuilder out = new StringBuilder(",\"context\":{");
        for (int a = 0; a < context.names().size(); a++) {
            out.append(a == 0 ? "" : ",").append('"').append(context.names().get(a)).append("\":\"v")
                    .append(random.nextInt(context.values().get(a))).append('"');
        }
        out.append("},\"features\":{");
        for (int f = 0; f < context.features(); f++) {
            out.append(f == 0 ? "" : ",").append("\"f").append(f).append("\":")
                    .append(Math.round(random.nextDouble() * 1000) / 1000.0);
        }
        return out.append('}').toString();
    }
}

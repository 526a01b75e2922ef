package io.arbiter.loadtest.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What traffic to send, as chosen on the command line; {@link #create} builds one scenario per
 * worker, each with its own seed, so workers share nothing mutable.
 *
 * @param name        decide, reward, bid, mixed, file or get
 * @param experiments experiment names for decide and reward
 * @param units       how many distinct unit ids decide draws from
 * @param rewardRate  fraction of decisions that get rewarded (reward scenario)
 * @param mix         weights by scenario name (mixed scenario), e.g. decide=60,reward=10,bid=30
 * @param file        JSON-lines request file (file scenario)
 * @param getPath     path for the get scenario
 */
public record ScenarioSpec(String name, List<String> experiments, int units, double rewardRate,
                           Map<String, Double> mix, Path file, String getPath, DecideContext decideContext) {

    /** A spec whose decide requests carry no context. */
    public ScenarioSpec(String name, List<String> experiments, int units, double rewardRate, Map<String, Double> mix,
                        Path file, String getPath) {
        this(name, experiments, units, rewardRate, mix, file, getPath, DecideContext.NONE);
    }

    public static final List<String> NAMES = List.of("decide", "reward", "bid", "mixed", "file", "get");

    public ScenarioSpec {
        Objects.requireNonNull(name, "name");
        name = name.toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown scenario '" + name + "'; choose one of " + NAMES);
        }
        experiments = List.copyOf(experiments);
        mix = Map.copyOf(mix);
        if (name.equals("mixed")) {
            for (final String part : mix.keySet()) {
                if (part.equals("mixed") || part.equals("file") || !NAMES.contains(part)) {
                    throw new IllegalArgumentException("a mix can contain decide, reward, bid and get, not '" + part
                            + "'");
                }
            }
        }
        if (name.equals("file") && file == null) {
            throw new IllegalArgumentException("the file scenario needs --file requests.jsonl");
        }
    }

    /** Parses {@code decide=60,reward=10,bid=30}. */
    public static Map<String, Double> parseMix(String text) {
        final Map<String, Double> mix = new LinkedHashMap<>();
        for (final String item : text.split(",")) {
            final String[] kv = item.trim().split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("mix items look like name=weight, got '" + item + "'");
            }
            final double weight = Double.parseDouble(kv[1].trim());
            if (!(weight >= 0)) {
                throw new IllegalArgumentException("mix weight for " + kv[0] + " must be >= 0");
            }
            if (weight > 0) {
                mix.put(kv[0].trim().toLowerCase(Locale.ROOT), weight);
            }
        }
        if (mix.isEmpty()) {
            throw new IllegalArgumentException("the mix '" + text + "' has no positive weight");
        }
        return mix;
    }

    /** Things that are expensive and immutable, built once and shared by all workers. */
    public final class Shared {
        private final BidRequestGenerator bids;
        private final List<FileScenario.Line> lines;

        private Shared() {
            final boolean needsBids = name.equals("bid") || (name.equals("mixed") && mix.containsKey("bid"));
            this.bids = needsBids ? new BidRequestGenerator() : null;
            this.lines = name.equals("file") ? FileScenario.load(file) : null;
        }

        /** @return the scenario for worker {@code workerIndex}, seeded from the run seed. */
        public Scenario create(int workerIndex, long runSeed) {
            final long seed = runSeed * 31 + workerIndex;
            return switch (name) {
                case "mixed" -> {
                    final List<MixedScenario.Part> parts = new ArrayList<>();
                    int i = 0;
                    for (final Map.Entry<String, Double> e : new java.util.TreeMap<>(mix).entrySet()) {
                        parts.add(new MixedScenario.Part(single(e.getKey(), workerIndex, seed + 1000L * ++i), e
                                .getValue()));
                    }
                    yield new MixedScenario(parts, seed);
                }
                case "file" -> new FileScenario(lines, workerIndex * 7919);
                default -> single(name, workerIndex, seed);
            };
        }

        private Scenario single(String kind, int workerIndex, long seed) {
            return switch (kind) {
                case "decide" -> new DecideScenario(experiments, units, seed, false, decideContext);
                case "reward" -> new RewardScenario(experiments, units, rewardRate, seed, decideContext);
                case "bid" -> new BidScenario(bids, workerIndex, seed);
                case "get" -> new GetScenario(getPath);
                default -> throw new IllegalStateException("not a single scenario: " + kind);
            };
        }
    }

    public Shared prepare() {
        return new Shared();
    }
}

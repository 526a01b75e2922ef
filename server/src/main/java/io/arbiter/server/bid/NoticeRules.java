package io.arbiter.server.bid;

import io.arbiter.bandits.table.PosteriorTable;
import io.arbiter.server.bid.campaign.Creative;
import io.arbiter.server.outcome.AggregationRule;
import io.arbiter.server.outcome.OutcomeKind;

import java.util.ArrayList;
import java.util.List;

/**
 * Which notice feeds what, written once. Both the in-memory update ({@link NoticeService}: the posterior table, and
 * the ledger for spend) and Postgres's aggregates (the outcome pipeline, given {@link #aggregation()} as data) come
 * from this table, so the two always agree, and every field means one thing everywhere: for a rate, {@code trials}
 * are the opportunities and {@code successes} the events; {@code decisions} is not used by the bidder's arms.
 *
 * <pre>
 *  notice      feeds                          trials  successes  reward
 *  BILL        click rate  (ctr:&lt;campaign&gt;)     +1       0        0       an impression is a chance of a click
 *  BILL        spend       (spend:&lt;campaign&gt;)   +1       0      price     impressions and the sum of prices (CPM)
 *  CLICK       click rate  (ctr:&lt;campaign&gt;)      0      +1        1       the click
 *  CLICK       conversion  (cvr:&lt;campaign&gt;)    +1       0        0       a click is a chance of a conversion
 *  CONVERSION  conversion  (cvr:&lt;campaign&gt;)     0      +1        1       the conversion
 * </pre>
 * WIN and LOSS feed the win-rate curve and the reservations, not aggregates. The aggregate's arm is the creative id.
 */
public final class NoticeRules {

    /** What a rule feeds, and the prefix of its aggregate's scope. */
    public enum Target {
        /** The creative's click-rate posterior. */
        CLICK_RATE("ctr:"),
        /** The creative's conversion-rate posterior (conversions per click). */
        CONVERSION_RATE("cvr:"),
        /** The campaign's spend: in memory the budget ledger, in Postgres impressions and the sum of prices. */
        SPEND("spend:");

        private final String scopePrefix;

        Target(String scopePrefix) {
            this.scopePrefix = scopePrefix;
        }

        public String scopePrefix() {
            return scopePrefix;
        }

        /** The target whose scopes start like {@code scope} ({@code "ctr:spring-sale"}), or null. */
        public static Target ofScope(String scope) {
            for (final Target target : values()) {
                if (scope.startsWith(target.scopePrefix)) {
                    return target;
                }
            }
            return null;
        }

        /** The creative's posterior arm this target feeds; -1 for {@link #SPEND}, which is not a posterior. */
        public int arm(Creative creative) {
            return switch (this) {
                case CLICK_RATE -> creative.ctrArm();
                case CONVERSION_RATE -> creative.cvrArm();
                case SPEND -> -1;
            };
        }
    }

    /**
     * One rule: a notice of {@code kind} adds {@code trials}, {@code successes} and a reward (the notice's value, a
     * price, when {@code rewardFromValue}; else {@code successes}) to {@code target}.
     */
    public record Rule(OutcomeKind kind, Target target, long trials, long successes, boolean rewardFromValue) {
        /** The reward this rule adds for a notice whose value is {@code value}. */
        public double reward(double value) {
            return rewardFromValue ? value : successes;
        }
    }

    /** The table. */
    public static final List<Rule> RULES = List.of(
        new Rule(OutcomeKind.BILL, Target.CLICK_RATE, 1, 0, false),
        new Rule(OutcomeKind.BILL, Target.SPEND, 1, 0, true),
        new Rule(OutcomeKind.CLICK, Target.CLICK_RATE, 0, 1, false),
        new Rule(OutcomeKind.CLICK, Target.CONVERSION_RATE, 1, 0, false),
        new Rule(OutcomeKind.CONVERSION, Target.CONVERSION_RATE, 0, 1, false));

    /** Per kind code, the rules that feed a posterior (the in-memory update walks these, allocation-free). */
    private static final Rule[][] POSTERIOR_RULES = byKind();

    private NoticeRules() {
    }

    /** The rules as the outcome pipeline takes them: one aggregation row each. */
    public static List<AggregationRule> aggregation() {
        final List<AggregationRule> rows = new ArrayList<>(RULES.size());
        for (final Rule rule : RULES) {
            rows.add(new AggregationRule(rule.kind(), rule.target().scopePrefix(), rule.trials(), rule.successes(),
                rule.rewardFromValue()));
        }
        return List.copyOf(rows);
    }

    /** Applies the posterior rules of {@code kind} to {@code creative}'s arms in {@code table}. */
    static void updatePosteriors(OutcomeKind kind, Creative creative, PosteriorTable table, double value,
                                 long nowMillis) {
        for (final Rule rule : POSTERIOR_RULES[kind.code()]) {
            table.recordCounts(rule.target().arm(creative), rule.trials(), rule.successes(), rule.reward(value),
                nowMillis);
        }
    }

    private static Rule[][] byKind() {
        final OutcomeKind[] kinds = OutcomeKind.values();
        final Rule[][] table = new Rule[kinds.length][];
        for (final OutcomeKind kind : kinds) {
            table[kind.code()] = RULES.stream()
                .filter(rule -> rule.kind() == kind && rule.target() != Target.SPEND).toArray(Rule[]::new);
        }
        return table;
    }
}

package io.arbiter.bandits.stress;

import io.arbiter.bandits.unit.ClaimTable;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZI_Result;
import org.openjdk.jcstress.infra.results.ZZZ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress tests of {@link ClaimTable}, the duplicate-detection claims: two claims of one key never both win, a claim
 * racing a release of another key in the same group loses neither, and an eviction racing a claim leaves the group
 * consistent. Each state gets a one-group table (seven claims, 128 bytes), so every key races in the same group.
 */
public final class ClaimTableStress {
    static final long NOW = 1_000L;
    static final long LATER = 2_000L;

    private ClaimTableStress() {
    }

    @JCStressTest
    @Description("Two threads claim one key at once (a reward or notice sent twice). Exactly one may win.")
    @Outcome(id = {"true, false, 1", "false, true, 1"}, expect = ACCEPTABLE, desc = "one wins, one claim held")
    @Outcome(expect = FORBIDDEN, desc = "both won (a duplicate taken twice) or none")
    @State
    public static class OneKey {
        final ClaimTable table = new ClaimTable(3);

        @Actor
        public void first(ZZI_Result r) {
            r.r1 = table.claim(42, LATER, NOW);
        }

        @Actor
        public void second(ZZI_Result r) {
            r.r2 = table.claim(42, LATER, NOW);
        }

        @Arbiter
        public void arbiter(ZZI_Result r) {
            r.r3 = (int) table.used();
        }
    }

    @JCStressTest
    @Description("One thread releases key 1 while another claims key 2 in the same group: both hold afterwards as "
        + "asked (2 claimed, 1 free).")
    @Outcome(id = "true, true, false", expect = ACCEPTABLE, desc = "2 claimed and still held, 1 free again")
    @Outcome(expect = FORBIDDEN, desc = "the release lost the claim of 2, or 1 stayed claimed")
    @State
    public static class ReleaseBesideClaim {
        final ClaimTable table = new ClaimTable(3);

        public ReleaseBesideClaim() {
            table.claim(1, LATER, NOW);
        }

        @Actor
        public void releaser() {
            table.release(1);
        }

        @Actor
        public void claimer(ZZZ_Result r) {
            r.r1 = table.claim(2, LATER, NOW);
        }

        @Arbiter
        public void arbiter(ZZZ_Result r) {
            r.r2 = !table.claim(2, LATER, NOW);
            r.r3 = !table.claim(1, LATER, NOW);
        }
    }

    @JCStressTest
    @Description("A full group (seven live claims, key 10 expiring first): two threads claim two new keys at once. "
        + "Both win, each evicting one claim; both new keys are held afterwards.")
    @Outcome(id = "true, true, 2", expect = ACCEPTABLE, desc = "both won, two evictions")
    @Outcome(expect = FORBIDDEN, desc = "a claim lost, or one slot written by both")
    @State
    public static class EvictionRace {
        final ClaimTable table = new ClaimTable(3);

        public EvictionRace() {
            for (int i = 0; i < 7; i++) {
                table.claim(10 + i, LATER + i, NOW);
            }
        }

        @Actor
        public void first(ZZI_Result r) {
            r.r1 = table.claim(100, LATER + 100, NOW);
        }

        @Actor
        public void second(ZZI_Result r) {
            r.r2 = table.claim(200, LATER + 100, NOW);
        }

        @Arbiter
        public void arbiter(ZZI_Result r) {
            final boolean held = !table.claim(100, LATER, NOW) && !table.claim(200, LATER, NOW);
            r.r3 = held ? (int) table.evicted() : -1;
        }
    }
}

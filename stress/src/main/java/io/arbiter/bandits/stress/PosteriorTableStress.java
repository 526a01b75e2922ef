package io.arbiter.bandits.stress;

import io.arbiter.bandits.table.ArmRecordDescriptor;
import io.arbiter.bandits.table.DecayedSums;
import io.arbiter.bandits.table.PosteriorTable;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;
import org.openjdk.jcstress.infra.results.JJJJ_Result;
import org.openjdk.jcstress.infra.results.JJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress tests of {@link PosteriorTable}'s lock-free writes and of its concurrent clear: in every test a lost update
 * is a FORBIDDEN outcome, and so is any result the table's documented contract rules out.
 * Each state object gets a small heap-backed table ({@link PosteriorTable#allocateHeap}: the same atomic buffer
 * operations as a direct table, but cheap enough to create millions of times; direct allocation capped the sampling
 * rate at about 30 K/s).
 */
public final class PosteriorTableStress {
    private PosteriorTableStress() {
    }

    static PosteriorTable tableWithArms(int arms) {
        final PosteriorTable table = PosteriorTable.allocateHeap(arms, 0L);
        for (int i = 0; i < arms; i++) {
            table.allocateArm();
        }
        return table;
    }

    @JCStressTest
    @Description("Two threads record a success (reward 1) and a decision on the same arm at the same time.")
    @Outcome(id = "2, 2, 2, 2", expect = ACCEPTABLE, desc = "both updates counted in every field")
    @Outcome(expect = FORBIDDEN, desc = "a lost update: trials, successes, reward sum (x1) or decisions short")
    @State
    public static class ConcurrentRewards {
        final PosteriorTable table = tableWithArms(1);

        @Actor
        public void first() {
            table.recordDecision(0);
            table.recordReward(0, 1.0, 0L, 0L);
        }

        @Actor
        public void second() {
            table.recordDecision(0);
            table.recordReward(0, 1.0, 0L, 0L);
        }

        @Arbiter
        public void read(JJJJ_Result r) {
            r.r1 = table.trials(0);
            r.r2 = table.successes(0);
            r.r3 = (long) table.rewardSum(0);
            r.r4 = table.decisions(0);
        }
    }

    @JCStressTest
    @Description("Two threads add different rewards (0.25 and 0.5) to the same arm: the double CAS loop must not lose"
        + " either; the decayed sums (half-life 1 s, both at the epoch, weight 1 each) too.")
    @Outcome(id = "3, 8", expect = ACCEPTABLE, desc = "sum 0.75 and decayed weight 2 (x4)")
    @Outcome(expect = FORBIDDEN, desc = "a lost update in the reward sum or the decayed weight")
    @State
    public static class ConcurrentDoubleAdds {
        final PosteriorTable table = tableWithArms(1);
        final DecayedSums sums = new DecayedSums();

        @Actor
        public void first() {
            table.recordReward(0, 0.25, 0L, 1_000L);
        }

        @Actor
        public void second() {
            table.recordReward(0, 0.5, 0L, 1_000L);
        }

        @Arbiter
        public void read(JJ_Result r) {
            table.readDecayed(0, 0L, 1_000L, sums);
            r.r1 = Math.round(table.rewardSum(0) * 4);
            r.r2 = Math.round(sums.weight() * 4);
        }
    }

    @JCStressTest
    @Description("An update in the arm's current decay era (era 0, one half-life before the boundary) races an update "
        + "that switches the arm to era 1 (one half-life after it); half-life 1 s. Documented behaviour: the older "
        + "update is folded in or, if it lands inside the switch window, skipped and counted; the switcher always "
        + "lands.")
    @Outcome(id = "5, 0", expect = ACCEPTABLE, desc = "both in the decayed sums: weight 0.25 + 1 (x4)")
    @Outcome(id = "4, 1", expect = ACCEPTABLE, desc = "the older update hit the era switch: skipped and counted")
    @Outcome(expect = FORBIDDEN, desc = "an update lost without being counted, or a corrupted weight")
    @State
    public static class EraSwitchRace {
        static final long H = 1_000L;
        static final long BOUNDARY = ArmRecordDescriptor.ERA_HALF_LIVES * H;
        final PosteriorTable table = tableWithArms(1);
        final DecayedSums sums = new DecayedSums();

        @Actor
        public void older() {
            table.recordReward(0, 1.0, BOUNDARY - H, H);
        }

        @Actor
        public void newer() {
            table.recordReward(0, 1.0, BOUNDARY + H, H);
        }

        @Arbiter
        public void read(JJ_Result r) {
            table.readDecayed(0, BOUNDARY + H, H, sums);
            r.r1 = Math.round(sums.weight() * 4);
            r.r2 = table.skippedDecayedUpdates();
        }
    }

    @JCStressTest
    @Description("An update one era behind the arm (era 0 while the arm is in era 1, as when its thread read the clock "
        + "long before it wrote) races an update that switches the arm to era 2, whose switch clears the slot the "
        + "older update adds to. The older update must land before the switch (and be cleared with its slot), be "
        + "skipped and counted, or be dropped as weightless after it; never added into the cleared slot, where its "
        + "era-0 weight would be read as an era-2 one.")
    @Outcome(id = "4, 0", expect = ACCEPTABLE, desc = "the new reward only, weight 1 (x4); the old one gone")
    @Outcome(id = "4, 1", expect = ACCEPTABLE, desc = "the old update hit the switch window: skipped and counted")
    @Outcome(expect = FORBIDDEN, desc = "the old era's weight added into the new era's slot (a weight of about 2^510)")
    @State
    public static class LaggingUpdateAcrossASwitch {
        static final long H = 1_000L;
        static final long ERA = ArmRecordDescriptor.ERA_HALF_LIVES * H;
        static final long NOW = 2 * ERA + H;
        final PosteriorTable table = tableWithArms(1);
        final DecayedSums sums = new DecayedSums();

        public LaggingUpdateAcrossASwitch() {
            table.recordReward(0, 0.0, ERA + H, H); // the arm is in era 1
        }

        @Actor
        public void lagging() {
            table.recordReward(0, 1.0, ERA - H, H);
        }

        @Actor
        public void switcher() {
            table.recordReward(0, 1.0, NOW, H);
        }

        @Arbiter
        public void read(JJ_Result r) {
            table.readDecayed(0, NOW, H, sums);
            final double weight = sums.weight() * 4;
            r.r1 = weight > 1e6 ? Long.MAX_VALUE : Math.round(weight);
            r.r2 = table.skippedDecayedUpdates();
        }
    }

    @JCStressTest
    @Description("Two updates in era 1 both try to switch a fresh arm (era 0) to era 1: one wins the CAS; the other "
        + "either waits for the published era and adds, or lands inside the switch window and is skipped and counted.")
    @Outcome(id = "6, 0", expect = ACCEPTABLE, desc = "both in the decayed sums: weight 0.5 + 1 (x4)")
    @Outcome(id = {"4, 1", "2, 1"}, expect = ACCEPTABLE, desc = "one update hit the switch window: skipped, counted")
    @Outcome(expect = FORBIDDEN, desc = "an update lost without being counted, or a corrupted weight")
    @State
    public static class ConcurrentEraSwitch {
        static final long H = 1_000L;
        static final long BOUNDARY = ArmRecordDescriptor.ERA_HALF_LIVES * H;
        final PosteriorTable table = tableWithArms(1);
        final DecayedSums sums = new DecayedSums();

        @Actor
        public void older() {
            table.recordReward(0, 1.0, BOUNDARY, H);
        }

        @Actor
        public void newer() {
            table.recordReward(0, 1.0, BOUNDARY + H, H);
        }

        @Arbiter
        public void read(JJ_Result r) {
            table.readDecayed(0, BOUNDARY + H, H, sums);
            r.r1 = Math.round(sums.weight() * 4);
            r.r2 = table.skippedDecayedUpdates();
        }
    }

    @JCStressTest
    @Description("A reader races an update that switches an idle arm forward three eras (its only data is a reward "
        + "one half-life before the end of era 0). The reader must see the stale data as weightless (before or during "
        + "the switch) or the new reward (after), never the stale data rescaled as if it were recent.")
    @Outcome(id = "0", expect = ACCEPTABLE, desc = "before the switch, or during it (read as empty)")
    @Outcome(id = "4", expect = ACCEPTABLE, desc = "after the switch: the new reward, weight 1 (x4)")
    @Outcome(expect = FORBIDDEN, desc = "stale era-0 data scaled as a later era (the old reader's guess gave 1)")
    @State
    public static class ReadDuringEraJump {
        static final long H = 1_000L;
        static final long ERA = ArmRecordDescriptor.ERA_HALF_LIVES * H;
        static final long NOW = 3 * ERA + H;
        final PosteriorTable table = tableWithArms(1);
        final DecayedSums sums = new DecayedSums();

        public ReadDuringEraJump() {
            table.recordReward(0, 1.0, ERA - H, H);
        }

        @Actor
        public void switcher() {
            table.recordReward(0, 1.0, NOW, H);
        }

        @Actor
        public void reader(I_Result r) {
            table.readDecayed(0, NOW, H, sums);
            r.r1 = (int) Math.round(sums.weight() * 4);
        }
    }

    @JCStressTest
    @Description("A clear of an arm's decayed sums races an update of the arm (half-life 1 s, at the epoch: weight 1). "
        + "The arm already holds a reward of 0.5. Contract: the update lands whole before the clear (cleared with the "
        + "rest), whole after it (kept alone), or meets the clear and is skipped and counted; the exact counts keep "
        + "both rewards.")
    @Outcome(id = "2, 0, 0, 0", expect = ACCEPTABLE, desc = "update before the clear: everything cleared")
    @Outcome(id = "2, 4, 4, 0", expect = ACCEPTABLE, desc = "update after the clear: only it remains (x4)")
    @Outcome(id = "2, 0, 0, 1", expect = ACCEPTABLE, desc = "update met the clear: skipped and counted")
    @Outcome(id = {"2, 4, 0, 0", "2, 0, 4, 0", "2, 4, 0, 1", "2, 0, 4, 1"}, expect = FORBIDDEN,
        desc = "half an update kept: its weight without its reward or the other way round")
    @Outcome(expect = FORBIDDEN, desc = "a lost exact count, the old reward surviving the clear, or a corrupted sum")
    @State
    public static class ClearDuringUpdate {
        static final long H = 1_000L;
        final PosteriorTable table = tableWithArms(1);
        final DecayedSums sums = new DecayedSums();

        public ClearDuringUpdate() {
            table.recordReward(0, 0.5, 0L, H);
        }

        @Actor
        public void update() {
            table.recordReward(0, 1.0, 0L, H);
        }

        @Actor
        public void clear() {
            table.clearDecayed(0);
        }

        @Arbiter
        public void read(JJJJ_Result r) {
            table.readDecayed(0, 0L, H, sums);
            r.r1 = table.trials(0);
            r.r2 = Math.round(sums.weight() * 4);
            r.r3 = Math.round(sums.rewardSum() * 4);
            r.r4 = table.skippedDecayedUpdates();
        }
    }

    @JCStressTest
    @Description("A clear races an update that switches the arm to the next era (its old reward sits one half-life "
        + "before the boundary). The clear and the switch both claim the era field: whichever goes second waits (the "
        + "clear) or is skipped (the update); the old reward never survives.")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "switch then clear: everything cleared")
    @Outcome(id = "4, 0", expect = ACCEPTABLE, desc = "clear then switch: only the new reward, weight 1 (x4)")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the switching update met the clear: skipped and counted")
    @Outcome(expect = FORBIDDEN, desc = "the old reward survived the clear (weight 0.25 more), or a lost update")
    @State
    public static class ClearDuringEraSwitch {
        static final long H = 1_000L;
        static final long BOUNDARY = ArmRecordDescriptor.ERA_HALF_LIVES * H;
        final PosteriorTable table = tableWithArms(1);
        final DecayedSums sums = new DecayedSums();

        public ClearDuringEraSwitch() {
            table.recordReward(0, 1.0, BOUNDARY - H, H);
        }

        @Actor
        public void switcher() {
            table.recordReward(0, 1.0, BOUNDARY + H, H);
        }

        @Actor
        public void clear() {
            table.clearDecayed(0);
        }

        @Arbiter
        public void read(JJ_Result r) {
            table.readDecayed(0, BOUNDARY + H, H, sums);
            r.r1 = Math.round(sums.weight() * 4);
            r.r2 = table.skippedDecayedUpdates();
        }
    }

    @JCStressTest
    @Description("Two threads claim an arm at the same time: they must get different records.")
    @Outcome(id = {"0, 1", "1, 0"}, expect = ACCEPTABLE, desc = "distinct arms")
    @Outcome(expect = FORBIDDEN, desc = "the same arm claimed twice")
    @State
    public static class ConcurrentAllocation {
        final PosteriorTable table = PosteriorTable.allocateHeap(2, 0L);

        @Actor
        public void first(II_Result r) {
            r.r1 = table.allocateArm();
        }

        @Actor
        public void second(II_Result r) {
            r.r2 = table.allocateArm();
        }
    }
}

package io.arbiter.bandits.stress;

import io.arbiter.bandits.unit.FrequencyCapStore;
import io.arbiter.bandits.unit.StickyAssignments;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.ZZI_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress tests of the per-unit stores' compare-and-set protocols ({@code UnitTable}): the validated value CAS
 * (check-and-count, assign-if-absent), the per-bucket claim that keeps one entry per key, and the reservation that
 * makes an update of an evicted entry fail instead of landing on its successor. A lost, doubled or misplaced count is
 * FORBIDDEN. Each state gets a one-bucket heap table (ten entries, 384 bytes), so every key races in the same bucket.
 * Counts reported as {@code count + 100 * abandoned}: an abandoned wait (a claimer descheduled for the whole bounded
 * wait) is a documented, counted answer, so outcomes that include one are acceptable but marked interesting.
 */
public final class UnitStoreStress {
    static final long DAY = 86_400_000L;
    static final long NOW = 1_000L;

    private UnitStoreStress() {
    }

    static int countAndAbandoned(FrequencyCapStore caps, long key) {
        return caps.count(key, DAY, NOW) + 100 * (int) caps.abandoned();
    }

    @JCStressTest
    @Description("A unit one impression below its cap (2 of 3, an existing entry): two threads try to take the last "
        + "impression at once. Exactly one may.")
    @Outcome(id = {"true, false, 3", "false, true, 3"}, expect = ACCEPTABLE, desc = "one granted, counted once")
    @Outcome(expect = FORBIDDEN, desc = "both granted (cap exceeded), none granted, or a lost count")
    @State
    public static class LastImpression {
        final FrequencyCapStore caps = FrequencyCapStore.allocateHeap(0, 0L);

        public LastImpression() {
            caps.increment(7, DAY, NOW);
            caps.increment(7, DAY, NOW);
        }

        @Actor
        public void first(ZZI_Result r) {
            r.r1 = caps.tryAcquire(7, 3, DAY, NOW);
        }

        @Actor
        public void second(ZZI_Result r) {
            r.r2 = caps.tryAcquire(7, 3, DAY, NOW);
        }

        @Arbiter
        public void read(ZZI_Result r) {
            r.r3 = countAndAbandoned(caps, 7);
        }
    }

    @JCStressTest
    @Description("A unit never seen (cap 1): two threads insert it and try to count it at once. The claim must give "
        + "it one entry, and only one impression may be granted.")
    @Outcome(id = {"true, false, 1", "false, true, 1"}, expect = ACCEPTABLE, desc = "one entry, one impression")
    @Outcome(id = {"true, false, 101", "false, true, 101"}, expect = ACCEPTABLE_INTERESTING,
        desc = "the loser gave up waiting for the winner's insert (counted): still one impression")
    @Outcome(expect = FORBIDDEN, desc = "two impressions, or two entries for the unit, or none counted")
    @State
    public static class FirstImpressionOfANewUnit {
        final FrequencyCapStore caps = FrequencyCapStore.allocateHeap(0, 0L);

        @Actor
        public void first(ZZI_Result r) {
            r.r1 = caps.tryAcquire(9, 1, DAY, NOW);
        }

        @Actor
        public void second(ZZI_Result r) {
            r.r2 = caps.tryAcquire(9, 1, DAY, NOW);
        }

        @Arbiter
        public void read(ZZI_Result r) {
            r.r3 = countAndAbandoned(caps, 9);
        }
    }

    @JCStressTest
    @Description("A unit never seen (cap 2): two threads insert it and count it at once. Both may be granted, and the "
        + "count must be 2: two entries for one key would split it (1 found).")
    @Outcome(id = "true, true, 2", expect = ACCEPTABLE, desc = "one entry, both impressions counted")
    @Outcome(id = {"true, false, 101", "false, true, 101"}, expect = ACCEPTABLE_INTERESTING,
        desc = "one gave up waiting for the other's insert (counted, answered as capped)")
    @Outcome(expect = FORBIDDEN, desc = "a lost or split count")
    @State
    public static class ConcurrentInsertOfOneKey {
        final FrequencyCapStore caps = FrequencyCapStore.allocateHeap(0, 0L);

        @Actor
        public void first(ZZI_Result r) {
            r.r1 = caps.tryAcquire(11, 2, DAY, NOW);
        }

        @Actor
        public void second(ZZI_Result r) {
            r.r2 = caps.tryAcquire(11, 2, DAY, NOW);
        }

        @Arbiter
        public void read(ZZI_Result r) {
            r.r3 = countAndAbandoned(caps, 11);
        }
    }

    @JCStressTest
    @Description("A full bucket (ten keys): key 100 counts an impression while a new key 200 takes the slot of key 100 "
        + "(the entry that lapses first). Key 200's count must be exactly its own impression: key 100's update must "
        + "fail on the reserved slot and retry (re-inserting key 100 over another key), never land on key 200's "
        + "entry. Key 200 lapses last, so key 100's re-insert never evicts it.")
    @Outcome(id = {"1, 0, 0", "1, 1, 0"}, expect = ACCEPTABLE,
        desc = "key 200 has 1; key 100 was evicted after its update (0) or re-inserted by it (1)")
    @Outcome(id = {"1, 0, 1", "1, 1, 1", "0, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE_INTERESTING,
        desc = "a wait for the other's claim was abandoned (counted)")
    @Outcome(expect = FORBIDDEN, desc = "key 100's impression counted for key 200 (2), or a lost count")
    @State
    public static class EvictionRacesAnUpdate {
        final FrequencyCapStore caps = FrequencyCapStore.allocateHeap(0, 0L);

        public EvictionRacesAnUpdate() {
            caps.increment(100, 3_000, 0); // lapses first: the victim
            for (int key = 101; key < 110; key++) {
                caps.increment(key, DAY, 0);
            }
        }

        @Actor
        public void update() {
            caps.increment(100, 3_000, NOW);
        }

        @Actor
        public void insert() {
            caps.increment(200, 2 * DAY, NOW);
        }

        @Arbiter
        public void read(III_Result r) {
            r.r1 = caps.count(200, 2 * DAY, NOW);
            r.r2 = caps.count(100, 3_000, NOW);
            r.r3 = (int) caps.abandoned();
        }
    }

    @JCStressTest
    @Description("Two full buckets (twenty keys, one of which lapses first): two new keys whose first buckets differ "
        + "(so they hold different claims) both pick the same victim slot. The value's reservation must let only one "
        + "take it; the other must take the next slot, and both must end up with their own count.")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "both inserted, each counted once")
    @Outcome(id = {"1, 0, 1", "0, 1, 1", "1, 1, 1"}, expect = ACCEPTABLE_INTERESTING,
        desc = "a wait was abandoned (counted)")
    @Outcome(expect = FORBIDDEN, desc = "a key lost, or both written into one slot")
    @State
    public static class TwoClaimsOneVictim {
        final FrequencyCapStore caps = FrequencyCapStore.allocateHeap(1, 0L);

        public TwoClaimsOneVictim() {
            caps.increment(1_000, 3_000, 0); // lapses first: both claimers' victim
            for (int key = 1_001; key < 1_020; key++) {
                caps.increment(key, DAY, 0);
            }
        }

        @Actor
        public void even() {
            caps.increment(2_000, 2 * DAY, NOW); // first bucket 0
        }

        @Actor
        public void odd() {
            caps.increment(2_001, 2 * DAY, NOW); // first bucket 1
        }

        @Arbiter
        public void read(III_Result r) {
            r.r1 = caps.count(2_000, 2 * DAY, NOW);
            r.r2 = caps.count(2_001, 2 * DAY, NOW);
            r.r3 = (int) caps.abandoned();
        }
    }

    @JCStressTest
    @Description("Two first decisions for the same unit propose different variants (1 and 2) at once: both callers "
        + "must get the same variant back, and it must be the stored one.")
    @Outcome(id = {"1, 1, 1", "2, 2, 2"}, expect = ACCEPTABLE, desc = "one assignment, seen by both")
    @Outcome(id = {"-1, 2, 2", "1, -1, 1"}, expect = ACCEPTABLE_INTERESTING,
        desc = "one gave up waiting for the other's insert (NONE: it keeps its own fresh decision, counted)")
    @Outcome(expect = FORBIDDEN, desc = "the two callers were told different variants")
    @State
    public static class ConcurrentFirstAssignment {
        final StickyAssignments sticky = StickyAssignments.allocateHeap(0, 0L);

        @Actor
        public void first(III_Result r) {
            r.r1 = sticky.assignIfAbsent(13, 1, DAY, NOW);
        }

        @Actor
        public void second(III_Result r) {
            r.r2 = sticky.assignIfAbsent(13, 2, DAY, NOW);
        }

        @Arbiter
        public void read(III_Result r) {
            r.r3 = sticky.get(13, NOW);
        }
    }

    @JCStressTest
    @Description("A unit never seen: two threads insert its record and count different words of it (two variants of "
        + "one group, cap 1) at once. Both may be granted, each word holds its own impression, and the key has one "
        + "record: two records for one key would split the words (one of them found 0).")
    @Outcome(id = "true, true, 11", expect = ACCEPTABLE, desc = "one record, each word counted once")
    @Outcome(id = {"true, false, 101", "false, true, 110"}, expect = ACCEPTABLE_INTERESTING,
        desc = "one gave up waiting for the other's insert (counted, answered as capped)")
    @Outcome(expect = FORBIDDEN, desc = "a lost, split or misplaced word")
    @State
    public static class TwoWordsOfANewRecord {
        final FrequencyCapStore caps = FrequencyCapStore.allocateHeap(0, 0L);

        @Actor
        public void first(ZZI_Result r) {
            r.r1 = caps.tryAcquire(13, 2, 1, DAY, NOW);
        }

        @Actor
        public void second(ZZI_Result r) {
            r.r2 = caps.tryAcquire(13, 6, 1, DAY, NOW);
        }

        @Arbiter
        public void read(ZZI_Result r) {
            r.r3 = caps.count(13, 2, DAY, NOW) + 10 * caps.count(13, 6, DAY, NOW) + 100 * (int) caps.abandoned();
        }
    }

    @JCStressTest
    @Description("A full bucket (ten records): key 100 counts an impression in word 5 while a new key 200 takes the "
        + "slot of key 100 (the record that lapses first) and counts word 0. Key 200's record must hold exactly its "
        + "own impression: key 100's update must fail on the reserved word and retry, never land in key 200's word 5.")
    @Outcome(id = {"1, 0, 0", "1, 1, 0"}, expect = ACCEPTABLE,
        desc = "key 200 has word 0 only; key 100 was evicted after its update (0) or re-inserted by it (1)")
    @Outcome(id = {"1, 0, 1", "1, 1, 1", "0, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE_INTERESTING,
        desc = "a wait for the other's claim was abandoned (counted)")
    @Outcome(expect = FORBIDDEN, desc = "key 100's impression in key 200's record (11), or a lost count")
    @State
    public static class EvictionRacesAWordUpdate {
        final FrequencyCapStore caps = FrequencyCapStore.allocateHeap(0, 0L);

        public EvictionRacesAWordUpdate() {
            caps.tryAcquire(100, 5, 10, 3_000, 0); // lapses first: the victim
            for (int key = 101; key < 110; key++) {
                caps.tryAcquire(key, 5, 10, DAY, 0);
            }
        }

        @Actor
        public void update() {
            caps.tryAcquire(100, 5, 10, 3_000, NOW);
        }

        @Actor
        public void insert() {
            caps.tryAcquire(200, 0, 10, 2 * DAY, NOW);
        }

        @Arbiter
        public void read(III_Result r) {
            r.r1 = caps.count(200, 0, 2 * DAY, NOW) + 10 * caps.count(200, 5, 2 * DAY, NOW);
            r.r2 = caps.count(100, 5, 3_000, NOW);
            r.r3 = (int) caps.abandoned();
        }
    }
}

package io.arbiter.bandits.stress;

import io.arbiter.bandits.linear.FeatureVector;
import io.arbiter.bandits.linear.LinearModelTable;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.JJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress tests of {@link LinearModelTable}'s contract: a reader never sees a half-published posterior, no offered
 * observation is lost between offering threads and the single applier, and a replay position never leads the model.
 */
public final class LinearModelStress {
    private LinearModelStress() {
    }

    static FeatureVector unit() {
        return new FeatureVector(1, 1).clear(1).set(0, 1.0);
    }

    @JCStressTest
    @Description("The applier publishes two observations (x = 1, reward 1, lambda 1) while a reader copies the "
        + "posterior: it must see 0, 1 or 2 observations with their own mean and covariance, never a mixture.")
    @Outcome(id = "0, 0, 1000", expect = ACCEPTABLE, desc = "the prior")
    @Outcome(id = "1, 500, 500", expect = ACCEPTABLE, desc = "after one observation")
    @Outcome(id = "2, 667, 333", expect = ACCEPTABLE, desc = "after both")
    @Outcome(expect = FORBIDDEN, desc = "a torn posterior")
    @State
    public static class PublishedPosterior {
        final LinearModelTable table = LinearModelTable.allocateHeap(1, 1, 1024, 1.0, 1.0, 1_000);
        final double[] mean = new double[1];
        final double[] covariance = new double[1];

        public PublishedPosterior() {
            table.offerObservation(0, unit(), 1.0);
            table.offerObservation(0, unit(), 1.0);
        }

        @Actor
        public void applier() {
            table.applyPendingObservations(10);
        }

        @Actor
        public void reader(III_Result r) {
            r.r1 = (int) table.copyPublished(0, mean, covariance);
            r.r2 = (int) Math.round(mean[0] * 1000);
            r.r3 = (int) Math.round(covariance[0] * 1000);
        }
    }

    @JCStressTest
    @Description("Two threads offer an observation each into the many-to-one ring; then the applier drains it.")
    @Outcome(id = "2, 2", expect = ACCEPTABLE, desc = "both applied")
    @Outcome(expect = FORBIDDEN, desc = "an observation lost")
    @State
    public static class ConcurrentOffers {
        final LinearModelTable table = LinearModelTable.allocateHeap(1, 1, 1024, 1.0, 1.0, 1_000);
        final FeatureVector first = unit();
        final FeatureVector second = unit();

        @Actor
        public void first() {
            table.offerObservation(0, first, 1.0);
        }

        @Actor
        public void second() {
            table.offerObservation(0, second, 0.0);
        }

        @Arbiter
        public void read(JJ_Result r) {
            table.applyPendingObservations(10);
            r.r1 = table.applied();
            r.r2 = table.copyPublished(0, new double[1], new double[1]);
        }
    }

    @JCStressTest
    @Description("The applier applies another node's observation (source 7, number 1) while a reader reads that "
        + "source's replay position, then the published count: the position may lag the model, never lead it (a "
        + "replay that starts after it would then miss the observation).")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "neither yet")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "published, its position not yet written")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both")
    @Outcome(expect = FORBIDDEN, desc = "a position ahead of the model")
    @State
    public static class ReplayPosition {
        final LinearModelTable table = LinearModelTable.allocateHeap(1, 1, 1024, 1.0, 1.0, 1_000);
        final double[] mean = new double[1];
        final double[] covariance = new double[1];

        public ReplayPosition() {
            table.offerReplayed(0, unit(), 1.0, 7, 1);
        }

        @Actor
        public void applier() {
            table.applyPendingObservations(10);
        }

        @Actor
        public void reader(JJ_Result r) {
            r.r1 = table.replayedUpTo(7);
            r.r2 = table.copyPublished(0, mean, covariance);
        }
    }
}

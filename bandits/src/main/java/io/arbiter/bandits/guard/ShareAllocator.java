package io.arbiter.bandits.guard;

/**
 * Enforces {@link ShareBounds} on each decision, after the bandit has chosen: it turns the bandit's choice and one
 * uniform draw into a final answer whose probability lies within the bounds, and gives that probability as the
 * answer's propensity.
 *
 * <p><b>Target probabilities.</b> Given the bandit's choice probabilities {@code q} over the eligible variants (the
 * cached Thompson propensities, normalised over the eligible set), the target {@code p} is the closest allocation to
 * {@code q} within the bounds (the Euclidean projection onto {@code {lo <= p <= hi, sum p = 1}}):
 * {@code p_i = clamp(q_i + tau, lo_i, hi_i)} with the one {@code tau} that makes them sum to 1. So a bandit that
 * already keeps to the bounds is left alone ({@code p = q}); a variant the bandit starves gets exactly its floor, the
 * others giving up the difference equally; a variant above its cap is held at the cap. (A mixture
 * {@code p = lo + (1 - sum lo) q} would meet the floors too, but would always dilute the bandit, even when no bound
 * binds.)
 *
 * <p><b>Sampling {@code p} from the bandit's choice.</b> Write {@code p = lo + (1 - L) r} with {@code L = sum lo}
 * and the residual {@code r = (p - lo) / (1 - L)}, itself a distribution. With probability {@code L} the answer is
 * drawn from the floors ({@code lo / L}), whatever the bandit chose. Otherwise the bandit's choice {@code j}
 * (distributed as {@code q}) is kept with probability {@code min(1, r_j / q_j)}, and if not kept the answer is drawn
 * from the deficits {@code max(0, r_i - q_i)}, normalised: then {@code P(answer = i) = min(q_i, r_i) +
 * max(0, r_i - q_i) = r_i} (the maximal coupling of {@code q} and {@code r}, which overrides the bandit as rarely as
 * possible), and overall {@code P(answer = i) = lo_i + (1 - L) r_i = p_i}. One uniform draw serves every step (each
 * step rescales the part of it that is left). The logged propensity is {@code p_answer}.
 *
 * <p><b>What is exact.</b> The floors hold exactly, whatever the error of {@code q}: each variant gets at least
 * {@code lo_i} from the first step alone. Everything else is true up to the error of {@code q}: the cached estimate
 * has Monte-Carlo error and is stale between refreshes, and a bandit that is still learning fast moves its true
 * choice probabilities between refreshes (towards the arm it is learning to prefer, so the estimate lags). Caps
 * therefore hold up to that error, and so do logged propensities (the floored variants' propensities are exact).
 * Refresh the propensities often while the bandit is young.
 *
 * <p><b>Eligibility.</b> Bounds apply among the variants eligible for the request, with their own min and max. The
 * eligible mins always sum to at most 1 (a subset of a feasible set), but the eligible maxes may sum to less than 1
 * (only capped variants left): then the maxes are raised in proportion until they sum to 1 ({@link #MAXES_RAISED})
 * and the answer follows them. The caller counts these in a metric.
 *
 * <p><b>Cost.</b> Allocation-free. When {@code q}, the eligible set and the bounds are those of the previous call
 * (the usual case: the cached propensities change once per refresh), the targets are reused after an O(n) comparison;
 * otherwise the projection is solved by a guess of which variants sit at a bound, refined until it settles (two or
 * three O(n) passes), with an exact walk over the 2n sorted kinks as the fallback. <b>Single writer</b>: one per
 * event loop.
 */
public final class ShareAllocator {
    /** {@link #status()}: the bounds held as given. */
    public static final int EXACT = 0;
    /** {@link #status()}: the eligible variants' maxes summed below 1 and were raised in proportion. */
    public static final int MAXES_RAISED = 1;
    /** {@link #status()}: the eligible variants' mins summed above 1 and were lowered in proportion. */
    public static final int MINS_LOWERED = 2;
    /** Passes of the active-set guess before the exact walk over sorted kinks takes over. */
    private static final int ACTIVE_SET_PASSES = 6;

    private final double[] q;
    private final double[] lo;
    private final double[] hi;
    private final double[] p;
    private final double[] r;
    private final double[] points;
    private final int[] slopes;
    private final int[] memoEligible;
    private final double[] memoQ;
    private ShareBounds memoBounds;
    private int memoCount = -1;
    /** Tests set this to check the exact walk on its own (it is otherwise only the fallback). */
    boolean sortedKinksOnly;
    private int status;
    private double propensity;
    /** {@code L}, the sum of the eligible floors: the probability of answering from the floors. */
    private double floorMass;
    /** {@code sum max(0, r_i - q_i)}: the mass the coupling moves away from the bandit's choices. */
    private double deficitMass;

    /** @param maxVariants the most variants an experiment may have, &ge; 1 */
    public ShareAllocator(int maxVariants) {
        if (maxVariants < 1) {
            throw new IllegalArgumentException("maxVariants must be at least 1, was " + maxVariants);
        }
        q = new double[maxVariants];
        lo = new double[maxVariants];
        hi = new double[maxVariants];
        p = new double[maxVariants];
        r = new double[maxVariants];
        points = new double[2 * maxVariants];
        slopes = new int[2 * maxVariants];
        memoEligible = new int[maxVariants];
        memoQ = new double[maxVariants];
    }

    /**
     * The final answer for one decision.
     *
     * @param bounds        the experiment's bounds
     * @param eligible      definition positions of the eligible variants, in {@code eligible[0..count)}
     * @param count         number of eligible variants, 1..maxVariants
     * @param probabilities the bandit's choice probabilities for {@code eligible[0..count)}, each &ge; 0 (normalised
     *                      here; all zero reads as uniform)
     * @param chosen        the bandit's choice, a position in {@code 0..count)}
     * @param uniform       a uniform draw in [0, 1), independent of the bandit's choice
     * @return the answer, a position in {@code 0..count)}; its probability is then {@link #propensity()}
     */
    public int apply(ShareBounds bounds, int[] eligible, int count, double[] probabilities, int chosen,
                     double uniform) {
        if (chosen < 0 || chosen >= count) {
            throw new IllegalArgumentException("chosen must be in 0.." + (count - 1) + ", was " + chosen);
        }
        prepare(bounds, eligible, count, probabilities);
        int answer = chosen;
        if (uniform < floorMass) {
            answer = floorDraw(count, uniform);
        } else if (floorMass > 0.0 || deficitMass > 0.0) {
            final double v = (uniform - floorMass) / (1.0 - floorMass);
            final double keep = q[chosen] <= 0.0 ? 1.0 : Math.min(1.0, r[chosen] / q[chosen]);
            if (v >= keep) {
                answer = deficitDraw(count, (v - keep) / (1.0 - keep), chosen);
            }
        }
        propensity = p[answer];
        return answer;
    }

    /** The probability of the last {@link #apply} answer (its logged propensity). */
    public double propensity() {
        return propensity;
    }

    /** {@link #EXACT}, or the fallbacks of the last call ({@link #MAXES_RAISED}, {@link #MINS_LOWERED}) or-ed. */
    public int status() {
        return status;
    }

    /**
     * Writes the target probabilities of the eligible variants into {@code into[0..count)}: for stats, tests and the
     * decision log of a slate. Arguments as for {@link #apply}.
     *
     * @return {@link #status()}
     */
    public int targets(ShareBounds bounds, int[] eligible, int count, double[] probabilities, double[] into) {
        prepare(bounds, eligible, count, probabilities);
        System.arraycopy(p, 0, into, 0, count);
        return status;
    }

    private void prepare(ShareBounds bounds, int[] eligible, int count, double[] probabilities) {
        if (count < 1 || count > q.length) {
            throw new IllegalArgumentException("count must be in 1.." + q.length + ", was " + count);
        }
        if (sameAsLastCall(bounds, eligible, count, probabilities)) {
            return;
        }
        remember(bounds, eligible, count, probabilities);
        normalise(probabilities, count);
        status = EXACT;
        floorMass = 0.0;
        deficitMass = 0.0;
        if (bounds.isUnbounded()) {
            System.arraycopy(q, 0, p, 0, count);
            System.arraycopy(q, 0, r, 0, count);
            return;
        }
        double loSum = 0.0;
        double hiSum = 0.0;
        for (int i = 0; i < count; i++) {
            lo[i] = bounds.min(eligible[i]);
            hi[i] = bounds.max(eligible[i]);
            loSum += lo[i];
            hiSum += hi[i];
        }
        if (loSum > 1.0) {
            status |= MINS_LOWERED;
            for (int i = 0; i < count; i++) {
                lo[i] /= loSum;
            }
        }
        if (hiSum < 1.0) {
            status |= MAXES_RAISED;
            for (int i = 0; i < count; i++) {
                hi[i] = Math.max(lo[i], hi[i] / hiSum);
            }
        }
        project(count);
        residual(count);
    }

    /** {@code L = sum lo}, {@code r = (p - lo) / (1 - L)} and the coupling's deficit mass. */
    private void residual(int count) {
        double floors = 0.0;
        for (int i = 0; i < count; i++) {
            floors += lo[i];
        }
        if (floors >= 1.0 - 1e-9) {
            // The floors fix the allocation: answer from p itself (= lo up to rounding), never from the bandit.
            double sum = 0.0;
            for (int i = 0; i < count; i++) {
                sum += p[i];
            }
            for (int i = 0; i < count; i++) {
                lo[i] = p[i] / sum;
            }
            floorMass = 1.0;
            return;
        }
        floorMass = floors;
        final double scale = 1.0 / (1.0 - floors);
        double deficits = 0.0;
        for (int i = 0; i < count; i++) {
            r[i] = Math.max(0.0, (p[i] - lo[i]) * scale);
            deficits += Math.max(0.0, r[i] - q[i]);
        }
        deficitMass = deficits;
    }

    private boolean sameAsLastCall(ShareBounds bounds, int[] eligible, int count, double[] probabilities) {
        if (bounds != memoBounds || count != memoCount) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            // Bitwise comparison: NaN-safe, and exactly "the same input".
            if (eligible[i] != memoEligible[i]
                || Double.doubleToRawLongBits(probabilities[i]) != Double.doubleToRawLongBits(memoQ[i])) {
                return false;
            }
        }
        return true;
    }

    private void remember(ShareBounds bounds, int[] eligible, int count, double[] probabilities) {
        memoBounds = bounds;
        memoCount = count;
        System.arraycopy(eligible, 0, memoEligible, 0, count);
        System.arraycopy(probabilities, 0, memoQ, 0, count);
    }

    private void normalise(double[] probabilities, int count) {
        double sum = 0.0;
        for (int i = 0; i < count; i++) {
            final double value = probabilities[i];
            q[i] = value > 0.0 ? value : 0.0; // NaN and negatives read as 0
            sum += q[i];
        }
        if (!(sum > 0.0) || sum == Double.POSITIVE_INFINITY) {
            for (int i = 0; i < count; i++) {
                q[i] = 1.0 / count;
            }
            return;
        }
        final double scale = 1.0 / sum;
        for (int i = 0; i < count; i++) {
            q[i] *= scale;
        }
    }

    /**
     * {@code p_i = clamp(q_i + tau, lo_i, hi_i)} with {@code sum p = 1}. First the usual case, cheaply: guess which
     * variants sit at a bound, solve for {@code tau} with the others free, and repeat with the guess the new
     * {@code tau} gives until it no longer changes (usually two or three passes); a fixed point is the exact solution.
     * If that does not settle within {@value #ACTIVE_SET_PASSES} passes, {@link #projectBySortedKinks} finds it.
     */
    private void project(int count) {
        double tau = 0.0;
        for (int pass = 0; pass < (sortedKinksOnly ? 0 : ACTIVE_SET_PASSES); pass++) {
            double fixed = 0.0;
            double freeMass = 0.0;
            int free = 0;
            for (int i = 0; i < count; i++) {
                final double value = q[i] + tau;
                if (value <= lo[i]) {
                    fixed += lo[i];
                } else if (value >= hi[i]) {
                    fixed += hi[i];
                } else {
                    freeMass += q[i];
                    free++;
                }
            }
            if (free == 0) {
                break; // every variant at a bound for this tau: let the exact walk find the segment
            }
            final double next = (1.0 - fixed - freeMass) / free;
            if (next == tau) {
                for (int i = 0; i < count; i++) {
                    p[i] = Math.min(hi[i], Math.max(lo[i], q[i] + tau));
                }
                return;
            }
            tau = next;
        }
        projectBySortedKinks(count);
    }

    /**
     * The projection by its definition: {@code g(tau) = sum clamp(q_i + tau, lo_i, hi_i)} is piecewise linear and
     * non-decreasing, with a kink where a variant leaves its floor ({@code tau = lo_i - q_i}, slope + 1) and where it
     * reaches its cap ({@code tau = hi_i - q_i}, slope - 1). Walk the sorted kinks until g reaches 1.
     */
    private void projectBySortedKinks(int count) {
        final int n = 2 * count;
        for (int i = 0; i < count; i++) {
            insert(2 * i, lo[i] - q[i], 1);
            insert(2 * i + 1, hi[i] - q[i], -1);
        }
        double tau = points[0];
        double sum = 0.0;
        for (int i = 0; i < count; i++) {
            sum += lo[i]; // below every kink all variants sit at their floor
        }
        int slope = 0;
        for (int k = 0; k < n; k++) {
            final double next = points[k];
            final double reached = sum + slope * (next - tau);
            if (reached >= 1.0 && slope > 0) {
                tau += (1.0 - sum) / slope;
                sum = 1.0;
                break;
            }
            sum = reached;
            tau = next;
            slope += slopes[k];
        }
        for (int i = 0; i < count; i++) {
            p[i] = Math.min(hi[i], Math.max(lo[i], q[i] + tau));
        }
    }

    /** Insertion of the kink {@code (value, slope)} into {@code points[0..size)}, kept sorted. */
    private void insert(int size, double value, int slope) {
        int k = size;
        while (k > 0 && points[k - 1] > value) {
            points[k] = points[k - 1];
            slopes[k] = slopes[k - 1];
            k--;
        }
        points[k] = value;
        slopes[k] = slope;
    }

    /** A draw from the floors {@code lo / L} with the uniform {@code u} in [0, L). */
    private int floorDraw(int count, double u) {
        double cumulative = 0.0;
        int last = 0;
        for (int i = 0; i < count; i++) {
            if (lo[i] > 0.0) {
                cumulative += lo[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last; // rounding left u at the very top
    }

    /** A draw from the deficits {@code max(0, r_i - q_i)} with the uniform {@code v} in [0, 1). */
    private int deficitDraw(int count, double v, int fallback) {
        if (!(deficitMass > 0.0)) {
            return fallback;
        }
        final double target = v * deficitMass;
        double cumulative = 0.0;
        int last = fallback;
        for (int i = 0; i < count; i++) {
            final double deficit = r[i] - q[i];
            if (deficit > 0.0) {
                cumulative += deficit;
                last = i;
                if (target < cumulative) {
                    return i;
                }
            }
        }
        return last; // rounding left the target at the very top
    }
}

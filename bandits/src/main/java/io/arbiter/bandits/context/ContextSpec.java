package io.arbiter.bandits.context;

import io.arbiter.bandits.random.SplitMix64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How an experiment uses context with the segment model: its categorical attributes, its interactions, the prior
 * strength of the back-off and its segment budget. Immutable and validated once ({@link Builder#build()}).
 *
 * <p><b>Levels.</b> Level 0 is the root (the experiment's own arms, today's posterior). Levels 1..A are the declared
 * attributes in declared order, one segment per value; then one level per declared interaction (a set of 2 or more
 * attributes), one segment per combination of values. A request matches at most one segment per level: the one of
 * its values, on every level whose attributes it carries. A level's <i>order</i> is its number of attributes (0 for
 * the root): higher is finer.
 *
 * <p><b>Parents.</b> An attribute level's parent is the root. An interaction's parents are its attributes' levels and
 * every declared interaction whose attributes are a strict subset of its own.
 */
public final class ContextSpec {
    /** Most attributes one spec may declare. */
    public static final int MAX_ATTRIBUTES = 16;
    /** Most interactions one spec may declare. */
    public static final int MAX_INTERACTIONS = 16;

    private final String[] attributes;
    private final Map<String, Integer> attributeIndex;
    private final int[][] levelAttributes;
    private final int[] levelOrder;
    private final long[] levelKey;
    private final int[][] levelParents;
    private final double priorStrength;
    private final int maxSegments;
    private final long fingerprint;

    private ContextSpec(Builder b) {
        this.attributes = b.attributes.toArray(new String[0]);
        this.attributeIndex = new HashMap<>();
        for (int i = 0; i < attributes.length; i++) {
            attributeIndex.put(attributes[i], i);
        }
        final int levels = 1 + attributes.length + b.interactions.size();
        this.levelAttributes = new int[levels][];
        this.levelOrder = new int[levels];
        this.levelKey = new long[levels];
        this.levelParents = new int[levels][];
        levelAttributes[0] = new int[0];
        levelParents[0] = new int[0];
        for (int i = 0; i < attributes.length; i++) {
            levelAttributes[1 + i] = new int[] {i};
        }
        for (int j = 0; j < b.interactions.size(); j++) {
            levelAttributes[1 + attributes.length + j] = sortedByName(b.interactions.get(j));
        }
        for (int level = 0; level < levels; level++) {
            levelOrder[level] = levelAttributes[level].length;
        }
        long print = SplitMix64.mix(levels);
        for (int level = 0; level < levels; level++) {
            final long[] names = new long[levelOrder[level]];
            for (int k = 0; k < names.length; k++) {
                names[k] = ContextKeys.nameHash(attributes[levelAttributes[level][k]]);
            }
            levelKey[level] = ContextKeys.levelKey(names);
            levelParents[level] = parentsOf(level);
            print = SplitMix64.mix(print + levelKey[level]);
        }
        this.priorStrength = b.priorStrength;
        this.maxSegments = b.maxSegments;
        this.fingerprint = print;
    }

    private int[] sortedByName(Set<Integer> set) {
        return set.stream().sorted(Comparator.comparing(a -> attributes[a])).mapToInt(Integer::intValue).toArray();
    }

    private int[] parentsOf(int level) {
        if (level == 0) {
            return new int[0];
        }
        if (levelOrder[level] == 1) {
            return new int[] {0};
        }
        final List<Integer> parents = new ArrayList<>();
        for (int other = 1; other < levelAttributes.length; other++) {
            if (levelOrder[other] < levelOrder[level]
                && isSubset(levelAttributes[other], levelAttributes[level])) {
                parents.add(other);
            }
        }
        return parents.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean isSubset(int[] small, int[] large) {
        for (final int a : small) {
            boolean found = false;
            for (final int b : large) {
                found |= a == b;
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** A spec with no attributes: every request is served by the root (plain Thompson sampling with eligibility). */
    public static ContextSpec none() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Number of declared attributes, 0..{@value #MAX_ATTRIBUTES}. */
    public int attributeCount() {
        return attributes.length;
    }

    /** @param attribute 0..attributeCount-1 */
    public String attribute(int attribute) {
        return attributes[attribute];
    }

    /** Index of a declared attribute, or -1 for an unknown name (requests' unknown attributes are ignored). */
    public int attributeIndex(String name) {
        final Integer index = attributeIndex.get(name);
        return index == null ? -1 : index;
    }

    /** Number of levels: 1 (root) + attributes + interactions. */
    public int levelCount() {
        return levelAttributes.length;
    }

    /** The attribute indices of a level, sorted by attribute name (the order of its segment keys). */
    public int[] levelAttributes(int level) {
        return levelAttributes[level].clone();
    }

    int[] levelAttributesShared(int level) {
        return levelAttributes[level];
    }

    /** Number of attributes of a level: 0 for the root, higher is finer. */
    public int levelOrder(int level) {
        return levelOrder[level];
    }

    /** The stable key of a level, from its attribute names (what the segment file stores per segment). */
    public long levelKey(int level) {
        return levelKey[level];
    }

    int[] levelParentsShared(int level) {
        return levelParents[level];
    }

    /** The parent levels of a level (see the class comment); empty for the root. */
    public int[] levelParents(int level) {
        return levelParents[level].clone();
    }

    /** The most pseudo-observations per variant a segment's prior takes from its parent. */
    public double priorStrength() {
        return priorStrength;
    }

    /** The most segments this experiment may create (over all levels); the rest are served by their parents. */
    public int maxSegments() {
        return maxSegments;
    }

    /**
     * A hash of the levels (attribute names and interactions, in order): a decision id made under one spec can carry
     * it, and a reward whose fingerprint differs from the current spec's knows that its value hashes are laid out
     * differently (attributes added, removed or reordered).
     */
    public long fingerprint() {
        return fingerprint;
    }

    /** Fluent builder; {@link #build()} validates everything once. */
    public static final class Builder {
        private final List<String> attributes = new ArrayList<>();
        private final List<Set<Integer>> interactions = new ArrayList<>();
        private final List<List<String>> interactionNames = new ArrayList<>();
        private double priorStrength = 50;
        private int maxSegments = 10_000;

        private Builder() {
        }

        /** Declares attributes, in order; names are non-empty and distinct. */
        public Builder attributes(String... names) {
            attributes.addAll(Arrays.asList(names));
            return this;
        }

        /** Declares an interaction of 2 or more distinct declared attributes. */
        public Builder interaction(String... names) {
            interactionNames.add(List.of(names));
            return this;
        }

        /**
         * @param strength at most this many pseudo-observations per variant come from a segment's parent, finite and
         *                 at least 0 (0: no back-off, every segment starts from the policy's own prior); default 50
         */
        public Builder priorStrength(double strength) {
            this.priorStrength = strength;
            return this;
        }

        /** @param max segments this experiment may create, 0..2^31-1 (0: only the root); default 10,000 */
        public Builder maxSegments(int max) {
            this.maxSegments = max;
            return this;
        }

        public ContextSpec build() {
            if (attributes.size() > MAX_ATTRIBUTES) {
                throw new IllegalArgumentException("at most " + MAX_ATTRIBUTES + " attributes, got "
                    + attributes.size());
            }
            if (new LinkedHashSet<>(attributes).size() != attributes.size()) {
                throw new IllegalArgumentException("attributes must be distinct: " + attributes);
            }
            for (final String a : attributes) {
                if (a == null || a.isEmpty()) {
                    throw new IllegalArgumentException("attribute names must be non-empty");
                }
            }
            if (interactionNames.size() > MAX_INTERACTIONS) {
                throw new IllegalArgumentException("at most " + MAX_INTERACTIONS + " interactions, got "
                    + interactionNames.size());
            }
            interactions.clear();
            for (final List<String> names : interactionNames) {
                final Set<Integer> set = new LinkedHashSet<>();
                for (final String n : names) {
                    final int index = attributes.indexOf(n);
                    if (index < 0) {
                        throw new IllegalArgumentException("interaction " + names + " names undeclared attribute " + n);
                    }
                    set.add(index);
                }
                if (set.size() < 2 || set.size() != names.size()) {
                    throw new IllegalArgumentException("an interaction needs 2 or more distinct attributes: " + names);
                }
                if (interactions.contains(set)) {
                    throw new IllegalArgumentException("interaction " + names + " is declared twice");
                }
                interactions.add(set);
            }
            if (!(priorStrength >= 0) || Double.isInfinite(priorStrength)) {
                throw new IllegalArgumentException("priorStrength must be finite and >= 0, was " + priorStrength);
            }
            if (maxSegments < 0) {
                throw new IllegalArgumentException("maxSegments must be >= 0, was " + maxSegments);
            }
            return new ContextSpec(this);
        }
    }
}

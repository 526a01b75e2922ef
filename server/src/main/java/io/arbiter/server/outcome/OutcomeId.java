package io.arbiter.server.outcome;

import java.util.Objects;

/**
 * A stored outcome's kind and id (for a reward of a metric other than the primary one, {@code "<decision id>
 * <metric>"}), as read back to rebuild duplicate detection.
 */
public record OutcomeId(OutcomeKind kind, String id) {
    public OutcomeId {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }
}

package io.arbiter.server.outcome;

/** What an {@link OutcomeEvent} records. The code is stable: it is written to the journal and to Postgres. */
public enum OutcomeKind {
    /** A decision was made (may be sampled; never acknowledged to anyone, so it may be dropped under pressure). */
    DECISION(0),
    /** A reward for a decision (click, conversion, revenue). Acknowledged, so never lost. */
    REWARD(1),
    /** OpenRTB win notice. */
    WIN(2),
    /** OpenRTB billing notice: the impression was charged at {@link OutcomeEvent#value()}. */
    BILL(3),
    /** OpenRTB loss notice: {@link OutcomeEvent#code()} holds the loss reason code. */
    LOSS(4),
    /** A click on a creative we served. */
    CLICK(5),
    /** A conversion attributed to a creative we served. */
    CONVERSION(6);

    private static final OutcomeKind[] BY_CODE = values();

    private final int code;

    OutcomeKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static OutcomeKind ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("unknown outcome kind code " + code);
        }
        return BY_CODE[code];
    }
}

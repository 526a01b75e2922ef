package io.arbiter.server.bid.budget;

import io.arbiter.server.outcome.OutcomeKind;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Budget leases in Postgres (tables {@code budget_days} and {@code budget_leases}, migration {@code V46}): the one
 * place where the nodes sharing a database agree on how much of a campaign's daily budget each may spend.
 *
 * <p><b>The invariant.</b> For every campaign and day, the money committed, the sum over nodes of
 * {@code greatest(leased, spent)}, never passes the budget by a take: {@link #take} locks the day's
 * {@code budget_days} row ({@code SELECT ... FOR UPDATE}) before it sums the leases and grants a slice, so takes of
 * one campaign's day run one after another and each sees the ones before it (read committed: every statement reads
 * what committed before it began). Without the lock two takers read the same sum and both grant
 * ({@code LeaseStoreTest} shows it). A node whose spend passed its lease (bills it received for other nodes' bids)
 * counts with its spend, so the excess is taken from what is left for everyone; its next take raises its lease to its
 * spend plus the grant (the committed sum grows by the grant alone), so a node back from a Postgres outage during
 * which it bid beyond its lease (standalone, {@link BudgetLeases}) gets the rest of the budget at once, and never
 * more.
 *
 * <p><b>Lapsed leases.</b> A lease lapses when its node has not renewed it ({@link #heartbeat}) for the TTL: the node
 * died or lost Postgres. Its row is left as it is: the whole lease stays committed, as if spent, because the node may
 * have charged bills after its last report (a round of them; up to the TTL's if it was cut off and bid on) and those
 * would otherwise be spent a second time by the others. The unspent part ({@code leased - spent} as last reported)
 * is reported to takers and heartbeats ({@link Grant#lapsedMicros}, {@link Held#othersLapsedMicros}) and is the cost
 * of the rule: money the campaign cannot spend that day unless the node comes back. A node that comes back (same node
 * id) finds its row as it left it, reports its true spend from its ledger and bids on with the rest of its lease.
 *
 * <p>Every method blocks (up to {@code timeoutMillis}) and is meant for the lease thread, never an event loop. Days
 * are UTC epoch days; amounts micro-units of the bidding currency.
 */
public final class LeaseStore {
    /**
     * What a take did: the node's lease now, the slice granted, the unspent part of other nodes' lapsed leases (held
     * back, counted as spent: {@code lapsedMicros}), others' spend and whether another node holds an unexpired lease
     * of the campaign's day ({@code othersLive}).
     */
    public record Grant(long leasedMicros, long grantedMicros, long lapsedMicros, long othersSpentMicros,
                        boolean othersLive) {
    }

    /**
     * One campaign's lease as a heartbeat left it: this node's lease, the other nodes' reported spend, the unspent part
     * of their lapsed leases ({@code othersLapsedMicros}, held back) and whether another node holds an unexpired lease
     * of that day ({@code othersLive}).
     */
    public record Held(long leasedMicros, long othersSpentMicros, long othersLapsedMicros, boolean othersLive) {
    }

    /** What {@link #release} freed of one campaign's day: the released node's lease beyond its reported spend. */
    public record Released(String campaign, long day, long freedMicros) {
    }

    /** One node's lease of a campaign's day as the table holds it ({@link #list}). */
    public record Lease(String campaign, long day, String node, long leasedMicros, long spentMicros, boolean live) {
    }

    /** {@link #release} refused: the node named holds an unexpired lease (it is running) or is this node. */
    public static final class NodeAliveException extends IllegalStateException {
        public NodeAliveException(String message) {
            super(message);
        }
    }

    private static final String ENSURE_DAY = "INSERT INTO budget_days (campaign, day, budget) VALUES ($1, $2, $3) "
        + "ON CONFLICT (campaign, day) DO NOTHING";
    private static final String LOCK_DAY = "SELECT budget FROM budget_days WHERE campaign = $1 AND day = $2 FOR UPDATE";
    // The last column of both: the unspent part of other nodes' lapsed leases, still committed (see the class comment).
    private static final String COMMITTED = "SELECT coalesce(sum(greatest(leased, spent)), 0)::int8, "
        + "coalesce(sum(spent) FILTER (WHERE node <> $3), 0)::int8, "
        + "coalesce(bool_or(expires_at > now()) FILTER (WHERE node <> $3), false), "
        + "coalesce(sum(leased - spent) FILTER (WHERE node <> $3 AND expires_at < now() AND leased > spent), 0)::int8 "
        + "FROM budget_leases WHERE campaign = $1 AND day = $2";
    private static final String ADD_LEASE = """
        INSERT INTO budget_leases AS b (campaign, day, node, leased, spent, expires_at)
        VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')
        ON CONFLICT (campaign, day, node) DO UPDATE
        SET leased = greatest(b.leased, b.spent, EXCLUDED.spent) + EXCLUDED.leased,
            spent = greatest(b.spent, EXCLUDED.spent),
            expires_at = EXCLUDED.expires_at
        RETURNING leased""";
    private static final String HEARTBEAT = """
        UPDATE budget_leases b SET spent = greatest(b.spent, v.spent),
            expires_at = now() + $4 * interval '1 millisecond'
        FROM unnest($1::text[], $2::int8[]) AS v(campaign, spent)
        WHERE b.day = $3 AND b.node = $5 AND b.campaign = v.campaign
        RETURNING b.campaign, b.leased""";
    private static final String OTHERS_SPENT = "SELECT campaign, sum(spent)::int8, bool_or(expires_at > now()), "
        + "coalesce(sum(leased - spent) FILTER (WHERE expires_at < now() AND leased > spent), 0)::int8 "
        + "FROM budget_leases WHERE day = $1 AND node <> $2 GROUP BY campaign";
    private static final String GIVE_BACK = """
        UPDATE budget_leases SET spent = greatest(spent, $4), leased = greatest(spent, $4), expires_at = now()
        WHERE campaign = $1 AND day = $2 AND node = $3""";

    /** Locks the node's rows (a heartbeat of the node, were it back, waits) and says whether any is unexpired. */
    private static final String LOCK_NODE = "SELECT coalesce(bool_or(expires_at > now()), false), count(*) "
        + "FROM (SELECT expires_at FROM budget_leases WHERE node = $1 FOR UPDATE) AS rows";
    /**
     * The node's spend as Postgres knows it: what it reported, or its bills shipped that day (rtb_events, V47's node;
     * charged at round(CPM * 1000) micros, the ledger's charge), whichever is more: a node ships its journal every
     * flush interval but reports its spend once a lease round.
     */
    private static final String RELEASE = """
        UPDATE budget_leases b SET leased = old.known, spent = old.known
        FROM (SELECT l.campaign, l.day, l.leased, greatest(l.spent, coalesce(
                     (SELECT sum(round(e.value * 1000))::int8 FROM rtb_events e
                      WHERE e.kind = $2 AND e.node = $1 AND e.campaign = l.campaign
                        AND e.time >= l.day::timestamp AT TIME ZONE 'UTC'
                        AND e.time < (l.day + 1)::timestamp AT TIME ZONE 'UTC'), 0)) AS known
              FROM budget_leases l WHERE l.node = $1) AS old
        WHERE b.node = $1 AND b.campaign = old.campaign AND b.day = old.day AND old.leased > old.known
        RETURNING b.campaign, b.day, old.leased - old.known""";
    private static final String LIST = "SELECT campaign, day, node, leased, spent, expires_at > now() "
        + "FROM budget_leases WHERE day >= $1 ORDER BY day, campaign, node";

    private final Pool pool;
    private final String node;
    private final long timeoutMillis;

    public LeaseStore(Pool pool, String node, long timeoutMillis) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.node = Objects.requireNonNull(node, "node");
        this.timeoutMillis = timeoutMillis;
    }

    public String node() {
        return node;
    }

    /**
     * Takes up to {@code sliceMicros} of the campaign's day for this node (less when less is left, nothing when
     * nothing is; other nodes' lapsed leases count in full) and renews this node's lease for {@code ttlMillis}.
     *
     * @param budgetMicros the daily budget as this node knows it
     * @param spentMicros  what this node has spent of the day (reported with the take)
     */
    public Grant take(String campaign, long day, long budgetMicros, long sliceMicros, long spentMicros,
                      long ttlMillis) {
        final LocalDate date = LocalDate.ofEpochDay(day);
        return await(pool.withTransaction(conn -> conn.preparedQuery(ENSURE_DAY)
            .execute(Tuple.of(campaign, date, budgetMicros))
            .compose(v -> conn.preparedQuery(LOCK_DAY).execute(Tuple.of(campaign, date)))
            .compose(v -> conn.preparedQuery(COMMITTED).execute(Tuple.of(campaign, date, node)))
            .compose(rows -> {
                final Row row = rows.iterator().next();
                final long committed = row.getLong(0);
                final long othersSpent = row.getLong(1);
                final boolean othersLive = row.getBoolean(2);
                final long lapsed = row.getLong(3);
                final long granted = Math.max(0, Math.min(sliceMicros, budgetMicros - committed));
                return conn.preparedQuery(ADD_LEASE)
                    .execute(Tuple.of(campaign, date, node, granted, spentMicros, ttlMillis))
                    .map(added -> new Grant(added.iterator().next().getLong(0), granted, lapsed, othersSpent,
                        othersLive));
            })));
    }

    /**
     * Renews this node's leases of {@code day} for the given campaigns, reporting their spend, and reads the other
     * nodes' spend of every campaign that day, the unspent part of their lapsed leases and whether any of them holds
     * an unexpired lease. Campaigns this node holds no lease row for are left out of the answer (take first).
     */
    public Map<String, Held> heartbeat(long day, List<String> campaigns, long[] spentMicros, long ttlMillis) {
        final LocalDate date = LocalDate.ofEpochDay(day);
        final Long[] spent = new Long[campaigns.size()];
        for (int i = 0; i < spent.length; i++) {
            spent[i] = spentMicros[i];
        }
        final Map<String, Long> leased = new HashMap<>();
        final Map<String, Long> others = new HashMap<>();
        final Map<String, Long> lapsed = new HashMap<>();
        final Map<String, Boolean> live = new HashMap<>();
        await(pool.preparedQuery(HEARTBEAT)
            .execute(Tuple.of(campaigns.toArray(new String[0]), spent, date, ttlMillis, node))
            .compose(rows -> {
                for (final Row row : rows) {
                    leased.put(row.getString(0), row.getLong(1));
                }
                return pool.preparedQuery(OTHERS_SPENT).execute(Tuple.of(date, node));
            })
            .map(rows -> {
                for (final Row row : rows) {
                    others.put(row.getString(0), row.getLong(1));
                    live.put(row.getString(0), row.getBoolean(2));
                    lapsed.put(row.getString(0), row.getLong(3));
                }
                return null;
            }));
        final Map<String, Held> held = new HashMap<>();
        leased.forEach((campaign, l) -> held.put(campaign, new Held(l, others.getOrDefault(campaign, 0L),
            lapsed.getOrDefault(campaign, 0L), live.getOrDefault(campaign, false))));
        return held;
    }

    /**
     * Gives back what this node holds of the campaign's day beyond {@code spentMicros} (clean stop, day change): the
     * lease shrinks to the spend and is marked expired, so the rest is free for the other nodes at once.
     */
    public void giveBack(String campaign, long day, long spentMicros) {
        await(pool.preparedQuery(GIVE_BACK).execute(Tuple.of(campaign, LocalDate.ofEpochDay(day), node, spentMicros)));
    }

    /**
     * Frees what {@code deadNode} holds beyond its known spend, in every campaign and day: the operator's word that
     * the node is gone for good (its data dir lost, or it runs under another id now). Refused with
     * {@link NodeAliveException} while any of its leases is unexpired, or for this node itself; an unknown node
     * releases nothing. Its known spend stays committed: what it reported, or its bills shipped to Postgres that day
     * if more; what it charged and never shipped is the cost (docs/bidding.md, "Releasing a dead node's leases").
     * Not blocking.
     */
    public Future<List<Released>> release(String deadNode) {
        Objects.requireNonNull(deadNode, "deadNode");
        if (deadNode.equals(node)) {
            return Future.failedFuture(new NodeAliveException("'" + deadNode + "' is this node"));
        }
        return pool.withTransaction(conn -> conn.preparedQuery(LOCK_NODE).execute(Tuple.of(deadNode))
            .compose(rows -> {
                if (rows.iterator().next().getBoolean(0)) {
                    return Future.failedFuture(new NodeAliveException("node '" + deadNode + "' holds an unexpired "
                        + "lease: it is running (a lease lapses when its node has not renewed it for leaseTtl)"));
                }
                return conn.preparedQuery(RELEASE)
                    .execute(Tuple.of(deadNode, (short) OutcomeKind.BILL.code()));
            })
            .map(rows -> {
                final List<Released> released = new ArrayList<>(rows.size());
                for (final Row row : rows) {
                    released.add(new Released(row.getString(0), row.getLocalDate(1).toEpochDay(), row.getLong(2)));
                }
                return released;
            }));
    }

    /** Every node's leases of {@code fromDay} and later (not blocking). */
    public Future<List<Lease>> list(long fromDay) {
        return pool.preparedQuery(LIST).execute(Tuple.of(LocalDate.ofEpochDay(fromDay))).map(rows -> {
            final List<Lease> list = new ArrayList<>(rows.size());
            for (final Row row : rows) {
                list.add(new Lease(row.getString(0), row.getLocalDate(1).toEpochDay(), row.getString(2),
                    row.getLong(3), row.getLong(4), row.getBoolean(5)));
            }
            return list;
        });
    }

    private <T> T await(Future<T> future) {
        try {
            return future.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

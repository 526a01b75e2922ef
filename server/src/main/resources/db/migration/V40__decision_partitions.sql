-- The decision log partitioned by day (UTC) on time, so retention drops whole partitions instead of deleting rows
-- (io.arbiter.server.pg.LogMaintenance). The rows already logged are not copied: the old table becomes the first
-- partition, holding everything before today ("decisions_before_<yyyymmdd>"). The new table is made LIKE the old
-- one, so it has whatever columns earlier migrations gave it.
--
-- No unique key on the log any more: a B-tree entry per row on a random 80-byte id was half of Postgres's CPU time
-- per logged decision (docs/BENCHMARKS.md). Replays stay idempotent per batch instead: each decision transaction
-- first records its batch id in decision_batches and inserts nothing when that id is already there; the rare
-- decisions appended through the journal are checked row by row against (time, id) through the BRIN index.
ALTER TABLE decisions RENAME TO decisions_unpartitioned;
ALTER TABLE decisions_unpartitioned DROP CONSTRAINT decisions_pkey;
ALTER INDEX decisions_time RENAME TO decisions_unpartitioned_time;

CREATE TABLE decisions (LIKE decisions_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (time);
CREATE INDEX decisions_time_brin ON decisions USING brin (time);
-- Off-policy evaluation pages through one experiment's decisions by (time, id) (V37): the same index on every
-- partition (the old table's decisions_experiment_time is attached as its partition's).
CREATE INDEX decisions_by_experiment_time ON decisions (experiment, time, id);

-- A decision's time, from its id ("<version>.<experiment>.<variant>.<issue time in ms, base 36>.<nonce>..."):
-- the decision row is logged with its id's issue time, so (experiment, arbiter_decision_time(id), id) finds a
-- decision through decisions_by_experiment_time now that the log has no index on id alone.
CREATE FUNCTION arbiter_base36(digits text) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(sum((strpos('0123456789abcdefghijklmnopqrstuvwxyz', substr(lower(digits), i, 1)) - 1)::numeric
                        * 36::numeric ^ (length(digits) - i)), 0)::bigint
    FROM generate_series(1, length(digits)) AS i
$$;
CREATE FUNCTION arbiter_decision_time(decision_id text) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT
    PARALLEL SAFE AS $$
    SELECT to_timestamp(arbiter_base36(split_part(decision_id, '.', 4)) / 1000.0)
$$;

-- Decision batches already committed (ids chosen by the shipper), kept a day by LogMaintenance.
CREATE TABLE decision_batches (
    id         uuid        PRIMARY KEY,
    shipped_at timestamptz NOT NULL DEFAULT now()
);

-- The range of times the partitions cover without a gap; the shipper stores only decision rows inside it (a row
-- outside, older than the retention or days ahead of the clock, is counted but not stored). One row.
CREATE TABLE decision_log_range (
    only_row boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    low      timestamptz NOT NULL,
    high     timestamptz NOT NULL
);

-- Creates the daily partitions from the end of the covered range (or the day of `from_time`, if earlier) up to
-- `days_ahead` days after `from_time` (CREATE TABLE + ATTACH
-- PARTITION, which does not block inserts into other partitions) and extends decision_log_range.high. Idempotent.
CREATE FUNCTION arbiter_ensure_decision_partitions(from_time timestamptz, days_ahead int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    day       date := (from_time AT TIME ZONE 'UTC')::date;
    last_day  date := day + days_ahead;
    name      text;
    created   int := 0;
    covered   timestamptz;
BEGIN
    SELECT high INTO covered FROM decision_log_range;
    -- A node that was down for days fills the gap first, so the covered range never has a hole.
    day := least(day, (covered AT TIME ZONE 'UTC')::date);
    WHILE day <= last_day LOOP
        name := 'decisions_' || to_char(day, 'YYYYMMDD');
        IF (day::timestamp AT TIME ZONE 'UTC') >= covered AND to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE decisions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
            EXECUTE format('ALTER TABLE decisions ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name,
                           day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        day := day + 1;
    END LOOP;
    UPDATE decision_log_range SET high = greatest(high, (last_day + 1)::timestamp AT TIME ZONE 'UTC');
    RETURN created;
END $$;

DO $$
DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
    EXECUTE format('ALTER TABLE decisions_unpartitioned RENAME TO %I',
                   'decisions_before_' || to_char(today, 'YYYYMMDD'));
    EXECUTE format('ALTER TABLE decisions ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)',
                   'decisions_before_' || to_char(today, 'YYYYMMDD'), today::timestamp AT TIME ZONE 'UTC');
    INSERT INTO decision_log_range (low, high) VALUES ('-infinity', today::timestamp AT TIME ZONE 'UTC');
    PERFORM arbiter_ensure_decision_partitions(now(), 7);
END $$;

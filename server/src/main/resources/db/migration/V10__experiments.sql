-- Experiment definitions written by the admin API (io.arbiter.server.experiment.ExperimentStore): the spec as JSON
-- plus its variant-to-arm map, so a restart serves the same experiments with the same posterior table arms.
CREATE TABLE experiments (
    id         text        PRIMARY KEY,
    definition jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Off-policy evaluation reads one experiment's decisions in time order, page by page, by keyset (time, id)
-- (io.arbiter.server.personalisation.evaluation.EvaluationRun); without this index every page scans the window.
CREATE INDEX IF NOT EXISTS decisions_experiment_time ON decisions (experiment, time, id);

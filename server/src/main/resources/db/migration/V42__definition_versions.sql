-- Definitions shared between server nodes (io.arbiter.server.cluster.DefinitionSync): every write of an experiment or
-- a campaign takes a new version from one sequence and notifies channel arbiter_definitions on commit with the kind,
-- id, version, writing node (the session's arbiter.node) and the write's time, so the other nodes re-read the row
-- within milliseconds; a node that missed a notification finds the newer version in its periodic re-read. The stored
-- definition holds no node-local slot numbers any more: each node keeps its own (<dataDir>/experiment-arms.json,
-- campaign-slots.json). Rows written before this migration keep their "arms"/"slot" fields, read once per node as
-- its initial slots.
CREATE SEQUENCE definition_versions;
ALTER TABLE experiments ADD COLUMN version bigint NOT NULL DEFAULT nextval('definition_versions');
ALTER TABLE campaigns ADD COLUMN version bigint NOT NULL DEFAULT nextval('definition_versions');

CREATE FUNCTION arbiter_definition_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := nextval('definition_versions');
    RETURN NEW;
END $$;

CREATE FUNCTION arbiter_definition_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('arbiter_definitions', json_build_object(
        'kind', TG_ARGV[0], 'id', NEW.id, 'version', NEW.version,
        'node', coalesce(current_setting('arbiter.node', true), ''),
        'at', (extract(epoch FROM NEW.updated_at) * 1000)::int8)::text);
    RETURN NULL;
END $$;

CREATE TRIGGER experiments_version BEFORE INSERT OR UPDATE ON experiments
    FOR EACH ROW EXECUTE FUNCTION arbiter_definition_version();
CREATE TRIGGER experiments_notify AFTER INSERT OR UPDATE ON experiments
    FOR EACH ROW EXECUTE FUNCTION arbiter_definition_notify('experiment');
CREATE TRIGGER campaigns_version BEFORE INSERT OR UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION arbiter_definition_version();
CREATE TRIGGER campaigns_notify AFTER INSERT OR UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION arbiter_definition_notify('campaign');

-- The node that took each OpenRTB event (docs/bidding.md, "Restart"): a node restarting after an unclean stop restores
-- today's spend from its own billing notices, not from every node's, so with several nodes it neither counts the
-- others' spend as its own nor, with budget leases, holds back their share of the budget a second time. The node is
-- the session's arbiter.node setting (the server sets it on every connection, as for node_aggregates, V41); rows
-- stored before this migration, and by a session without the setting, have none (NULL) and count for every node.
-- Added without a default first, so the existing rows stay NULL; the default then applies to new rows only.
ALTER TABLE rtb_events ADD COLUMN node text;
ALTER TABLE rtb_events ALTER COLUMN node SET DEFAULT nullif(current_setting('arbiter.node', true), '');

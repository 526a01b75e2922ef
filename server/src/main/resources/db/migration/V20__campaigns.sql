-- Campaign definitions for the OpenRTB bidder (io.arbiter.server.bid.campaign.CampaignStore).
-- The definition is the campaign JSON plus its budget-ledger slot and creative-to-arm map.
CREATE TABLE IF NOT EXISTS campaigns (
    id          text PRIMARY KEY,
    definition  jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

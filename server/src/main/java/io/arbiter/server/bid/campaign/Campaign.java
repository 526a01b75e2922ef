package io.arbiter.server.bid.campaign;

import java.util.Set;

/**
 * A campaign as the bid path sees it: immutable, built from a {@link CampaignSpec} plus the resources it owns (its
 * slot in the budget ledger, its creatives' posterior arms).
 *
 * @param slot index of its counters in the {@link io.arbiter.server.bid.budget.BudgetLedger}
 */
public record Campaign(CampaignSpec spec, int slot, Creative[] creatives) {

    public String id() {
        return spec.id();
    }

    public boolean active() {
        return spec.active();
    }

    /**
     * The creative with {@code id}, or null when there is none (removed since a bid was made: a late notice still
     * counts spend, but learning for that creative stops). A linear scan: campaigns have a handful of creatives.
     */
    public Creative creative(String id) {
        for (final Creative creative : creatives) {
            if (creative.id().equals(id)) {
                return creative;
            }
        }
        return null;
    }

    /** Whether the campaign takes part in deal {@code dealId}. */
    public boolean inDeal(String dealId) {
        final Set<String> deals = spec.dealIds();
        return deals.contains(dealId);
    }
}

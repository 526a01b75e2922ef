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

    /** Whether the campaign takes part in deal {@code dealId}. */
    public boolean inDeal(String dealId) {
        final Set<String> deals = spec.dealIds();
        return deals.contains(dealId);
    }
}

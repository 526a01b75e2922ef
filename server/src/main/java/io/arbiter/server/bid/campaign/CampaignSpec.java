package io.arbiter.server.bid.campaign;

import io.arbiter.server.api.ApiException;
import io.arbiter.server.bid.pricing.ExchangeRates;
import io.arbiter.server.config.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A campaign definition as written in the config or sent to {@code PUT /v1/campaigns/{id}}, validated. Money is
 * converted once, here, into micro-units of the bidder's currency ({@code 1_000_000} = one unit), which is what the
 * budget ledger counts in.
 *
 * <pre>
 * {"status": "active", "currency": "USD",
 *  "budget": {"daily": 150, "total": 3000},
 *  "goal": {"type": "click", "value": 1.0},          // or {"type": "conversion", "value": 20}
 *  "maxCpm": 12, "frequencyCap": {"count": 3, "period": "PT24H"},
 *  "ctrPrior": {"alpha": 1, "beta": 200}, "cvrPrior": {"alpha": 1, "beta": 20},
 *  "targeting": {"sites": {"allow": [], "block": []}, "apps": {"allow": [], "block": []},
 *                "countries": ["USA"], "deviceTypes": [1, 2, 4], "deals": ["AB-Agency1-0001"], "openAuction": true},
 *  "creatives": [{"id": "c1", "banner": [{"w": 300, "h": 250}], "video": {"w": 640, "h": 480},
 *                 "markup": "&lt;a href='{{CLICK_URL}}'&gt;...", "adomain": ["shop.example"], "cat": ["IAB3"],
 *                 "attr": []}]}
 * </pre>
 */
public record CampaignSpec(String id, boolean active, String currency, long dailyBudgetMicros,
                           long totalBudgetMicros, boolean perConversion, double valuePerAction, double maxCpm,
                           int frequencyCapCount, long frequencyCapPeriodMillis, double ctrPriorAlpha,
                           double ctrPriorBeta, double cvrPriorAlpha, double cvrPriorBeta,
                           Set<String> allowSites, Set<String> blockSites, Set<String> allowApps,
                           Set<String> blockApps, Set<String> countries, int[] deviceTypes, Set<String> dealIds,
                           boolean openAuction, List<Creative> creatives, JsonObject source) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    public static final int MAX_CREATIVES = 256;

    public static CampaignSpec fromJson(String id, JsonObject json, ExchangeRates rates) {
        try {
            return parse(id, json, rates);
        } catch (ClassCastException | NullPointerException e) {
            // JsonObject/JsonArray getters throw these for a value of the wrong type or a null element
            throw new ApiException(400, "campaign '" + id + "': a field has the wrong type or is null");
        }
    }

    private static CampaignSpec parse(String id, JsonObject json, ExchangeRates rates) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ApiException.badField("id", "campaign id must match [A-Za-z0-9_-]{1,64}");
        }
        final String status = json.getString("status", "active");
        if (!status.equals("active") && !status.equals("paused")) {
            throw ApiException.badField("status", "'status' must be active or paused");
        }
        final String currency = json.getString("currency", rates.base()).toUpperCase(Locale.ROOT);
        if (!rates.knows(currency)) {
            throw ApiException.badField("currency", "no exchange rate for currency '" + currency + "'");
        }
        final JsonObject budget = json.getJsonObject("budget", new JsonObject());
        final double daily = positive(budget.getValue("daily"), "budget.daily", true);
        final double total = budget.getValue("total") == null ? 0 : positive(budget.getValue("total"),
            "budget.total", true);
        final JsonObject goal = json.getJsonObject("goal", new JsonObject().put("type", "click").put("value", 1.0));
        final String goalType = goal.getString("type", "click");
        if (!goalType.equals("click") && !goalType.equals("conversion")) {
            throw ApiException.badField("goal.type", "'goal.type' must be click or conversion");
        }
        final double value = positive(goal.getValue("value"), "goal.value", true);
        final double maxCpm = positive(json.getValue("maxCpm"), "maxCpm", true);
        int capCount = 0;
        long capPeriod = 0;
        final JsonObject cap = json.getJsonObject("frequencyCap");
        if (cap != null) {
            capCount = (int) positive(cap.getValue("count"), "frequencyCap.count", true);
            try {
                capPeriod = Durations.parse(cap.getValue("period", "PT24H"), "'frequencyCap.period'", false)
                    .toMillis();
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("frequencyCap.period", e.getMessage());
            }
            if (capPeriod < 60_000) {
                throw ApiException.badField("frequencyCap.period", "'frequencyCap.period' must be at least PT1M");
            }
        }
        final JsonObject ctrPrior = json.getJsonObject("ctrPrior", new JsonObject());
        final JsonObject cvrPrior = json.getJsonObject("cvrPrior", new JsonObject());
        final JsonObject targeting = json.getJsonObject("targeting", new JsonObject());
        final JsonObject sites = targeting.getJsonObject("sites", new JsonObject());
        final JsonObject apps = targeting.getJsonObject("apps", new JsonObject());
        final JsonArray deviceTypesJson = targeting.getJsonArray("deviceTypes", new JsonArray());
        final int[] deviceTypes = new int[deviceTypesJson.size()];
        for (int i = 0; i < deviceTypes.length; i++) {
            deviceTypes[i] = deviceTypesJson.getInteger(i);
        }
        final JsonArray creativesJson = json.getJsonArray("creatives");
        if (creativesJson == null || creativesJson.isEmpty()) {
            throw ApiException.badField("creatives", "'creatives' must be a non-empty array");
        }
        if (creativesJson.size() > MAX_CREATIVES) {
            throw ApiException.badField("creatives", "at most " + MAX_CREATIVES + " creatives per campaign");
        }
        final List<Creative> creatives = new ArrayList<>();
        final Set<String> creativeIds = new HashSet<>();
        for (int i = 0; i < creativesJson.size(); i++) {
            final Creative creative = creative(creativesJson.getJsonObject(i), i);
            if (!creativeIds.add(creative.id())) {
                throw ApiException.badField("creatives[" + i + "].id", "duplicate creative id '" + creative.id() + "'");
            }
            creatives.add(creative);
        }
        return new CampaignSpec(id, status.equals("active"), currency,
            micros(rates.toBase(daily, currency)), micros(rates.toBase(total, currency)),
            goalType.equals("conversion"), rates.toBase(value, currency), rates.toBase(maxCpm, currency),
            capCount, capPeriod,
            positive(ctrPrior.getValue("alpha", 1.0), "ctrPrior.alpha", true),
            positive(ctrPrior.getValue("beta", 200.0), "ctrPrior.beta", true),
            positive(cvrPrior.getValue("alpha", 1.0), "cvrPrior.alpha", true),
            positive(cvrPrior.getValue("beta", 20.0), "cvrPrior.beta", true),
            lowerSet(sites.getJsonArray("allow")), lowerSet(sites.getJsonArray("block")),
            lowerSet(apps.getJsonArray("allow")), lowerSet(apps.getJsonArray("block")),
            upperSet(targeting.getJsonArray("countries")), deviceTypes,
            stringSet(targeting.getJsonArray("deals")), targeting.getBoolean("openAuction", true),
            List.copyOf(creatives), json.copy().put("id", id));
    }

    private static Creative creative(JsonObject json, int index) {
        final String prefix = "creatives[" + index + "].";
        if (json == null) {
            throw ApiException.badField("creatives[" + index + "]", "each creative must be an object");
        }
        final String id = json.getString("id");
        if (id == null || !ID.matcher(id).matches()) {
            throw ApiException.badField(prefix + "id", "creative id must match [A-Za-z0-9_-]{1,64}");
        }
        final JsonArray banner = json.getJsonArray("banner", new JsonArray());
        final int[] w = new int[banner.size()];
        final int[] h = new int[banner.size()];
        for (int i = 0; i < w.length; i++) {
            final JsonObject size = banner.getJsonObject(i);
            w[i] = (int) positive(size.getValue("w"), prefix + "banner.w", true);
            h[i] = (int) positive(size.getValue("h"), prefix + "banner.h", true);
        }
        final JsonObject video = json.getJsonObject("video");
        final NativeAd nativeAd = nativeAd(json, prefix);
        if (w.length == 0 && video == null && nativeAd == null) {
            throw ApiException.badField(prefix + "banner", "a creative needs a banner size, video or native");
        }
        final String markup = json.getString("markup");
        if ((w.length > 0 || video != null) && (markup == null || markup.isEmpty())) {
            throw ApiException.badField(prefix + "markup", "'markup' is required for banner and video");
        }
        final JsonArray attrJson = json.getJsonArray("attr", new JsonArray());
        final int[] attr = new int[attrJson.size()];
        for (int i = 0; i < attr.length; i++) {
            attr[i] = attrJson.getInteger(i);
        }
        return new Creative(id, w, h, video != null, video == null ? 0 : video.getInteger("w", 0),
            video == null ? 0 : video.getInteger("h", 0), nativeAd, markup,
            stringSet(json.getJsonArray("adomain")).toArray(new String[0]),
            stringSet(json.getJsonArray("cat")).toArray(new String[0]), attr, -1, -1);
    }

    /**
     * The creative's native declaration ({@link NativeAd}), or null. The earlier shape, {@code "native": true} with a
     * fixed native response as markup, is converted when the markup is such a response (the stored definition is
     * read that way at start, see {@link #legacyNative}) and refused otherwise.
     */
    private static NativeAd nativeAd(JsonObject json, String prefix) {
        final Object raw = json.getValue("native");
        if (raw == null || Boolean.FALSE.equals(raw)) {
            return null;
        }
        if (raw instanceof JsonObject declared) {
            return NativeAd.fromJson(declared, prefix + "native");
        }
        if (Boolean.TRUE.equals(raw)) {
            final String markup = json.getString("markup");
            final NativeAd converted = markup == null ? null : NativeAd.fromFixedMarkup(markup);
            if (converted == null) {
                throw ApiException.badField(prefix + "native", "'" + prefix + "native': true with a fixed markup is no "
                    + "longer supported: declare the assets, \"native\": {\"title\": ..., \"images\": [{\"type\", "
                    + "\"url\", \"w\", \"h\"}], \"data\": [{\"type\", \"value\"}], \"link\": ...} (docs/bidding.md)");
            }
            return converted;
        }
        throw ApiException.badField(prefix + "native", "'" + prefix + "native' must be an object declaring the assets");
    }

    /** Whether a definition has a creative in the earlier native shape ({@code "native": true}). */
    public static boolean legacyNative(JsonObject definition) {
        final JsonArray creatives = definition.getJsonArray("creatives", new JsonArray());
        for (int i = 0; i < creatives.size(); i++) {
            if (creatives.getValue(i) instanceof JsonObject c && Boolean.TRUE.equals(c.getValue("native"))) {
                return true;
            }
        }
        return false;
    }

    private static double positive(Object raw, String field, boolean required) {
        if (raw == null) {
            if (required) {
                throw ApiException.badField(field, "'" + field + "' is required");
            }
            return 0;
        }
        if (!(raw instanceof Number n) || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
            throw ApiException.badField(field, "'" + field + "' must be a positive number");
        }
        return n.doubleValue();
    }

    /** An amount in currency units as micro-units, rounded down. */
    public static long micros(double amount) {
        return (long) Math.floor(amount * 1_000_000.0);
    }

    private static Set<String> stringSet(JsonArray array) {
        if (array == null) {
            return Set.of();
        }
        final Set<String> set = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            set.add(array.getString(i));
        }
        return Set.copyOf(set);
    }

    private static Set<String> lowerSet(JsonArray array) {
        final Set<String> set = new HashSet<>();
        for (final String s : stringSet(array)) {
            set.add(s.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(set);
    }

    private static Set<String> upperSet(JsonArray array) {
        final Set<String> set = new HashSet<>();
        for (final String s : stringSet(array)) {
            set.add(s.toUpperCase(Locale.ROOT));
        }
        return Set.copyOf(set);
    }

    /** The maximum bid in base-currency micro-units per impression ({@code maxCpm / 1000}). */
    public long maxBidMicros() {
        return (long) Math.ceil(maxCpm * 1000.0);
    }

    public boolean hasFrequencyCap() {
        return frequencyCapCount > 0;
    }

    public CampaignSpec withActive(boolean nowActive) {
        return new CampaignSpec(id, nowActive, currency, dailyBudgetMicros, totalBudgetMicros, perConversion,
            valuePerAction, maxCpm, frequencyCapCount, frequencyCapPeriodMillis, ctrPriorAlpha, ctrPriorBeta,
            cvrPriorAlpha, cvrPriorBeta, allowSites, blockSites, allowApps, blockApps, countries, deviceTypes,
            dealIds, openAuction, creatives, source.copy().put("status", nowActive ? "active" : "paused"));
    }
}

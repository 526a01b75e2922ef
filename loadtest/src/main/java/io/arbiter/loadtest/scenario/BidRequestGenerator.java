package io.arbiter.loadtest.scenario;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Builds IAB-shaped OpenRTB 2.6 bid requests from the IAB's own examples (simple banner, mobile
 * app, PMP deal, video), varied in the fields a bidder branches on: banner and video sizes, number
 * of impressions, site domain or app bundle, bid floor, device type and user agent, country, user.
 *
 * <p>Variants are built once, at start; {@link BidScenario} only stamps a unique {@code id} into a
 * copy of one, so the send path does no JSON work.
 */
public final class BidRequestGenerator {
    /** Same width as the ids {@link BidScenario} writes over it. */
    static final String ID_PLACEHOLDER = "~~~~~~~~~~~~~~~~";
    static final List<String> TEMPLATES = List.of(
            "simple-banner.json", "mobile-app.json", "pmp-direct-deal.json", "video.json");

    private static final int[][] BANNER_SIZES = {
        {300, 250}, {728, 90}, {320, 50}, {160, 600}, {300, 600}, {970, 250}, {336, 280}, {468, 60}, {320, 480},
    };
    private static final int[][] VIDEO_SIZES = {{640, 480}, {1280, 720}, {1920, 1080}, {400, 300}};
    private static final String[] DOMAINS = {
        "news.example.com", "sports.example.org", "recipes.example.net", "weather.example.com",
        "travel.example.co.uk", "finance.example.de", "games.example.io", "blog.example.fr",
    };
    private static final String[] BUNDLES = {"com.example.puzzle", "com.example.news", "com.example.fitness"};
    private static final String[] COUNTRIES = {"USA", "GBR", "DEU", "FRA", "CAN", "BRA", "JPN", "IND"};
    /** OpenRTB device types with a user agent that fits each. */
    private static final Object[][] DEVICES = {
        {2, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/124.0 Safari/537.36", "Windows"},
        {2, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                + "Version/17.4 Safari/605.1.15", "macOS"},
        {4, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
                + "Gecko) Mobile/15E148", "iOS"},
        {4, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/124.0 Mobile Safari/537.36", "Android"},
        {5, "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                + "Mobile/15E148", "iPadOS"},
        {3, "Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "SamsungBrowser/5.0 TV Safari/537.36", "Tizen"},
    };

    private final List<JsonObject> templates;

    public BidRequestGenerator() {
        final List<JsonObject> loaded = new ArrayList<>();
        for (final String name : TEMPLATES) {
            loaded.add(new JsonObject(readResource("/bid-requests/" + name)));
        }
        this.templates = List.copyOf(loaded);
    }

    /** @return {@code count} encoded requests, each with {@link #ID_PLACEHOLDER} as its {@code id}. */
    public List<String> variants(int count, long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(variant(random).encode());
        }
        return out;
    }

    JsonObject variant(SplittableRandom random) {
        final JsonObject request = templates.get(random.nextInt(templates.size())).copy();
        request.put("id", ID_PLACEHOLDER);
        request.put("tmax", 80 + 20 * random.nextInt(10));
        final JsonObject firstImp = request.getJsonArray("imp").getJsonObject(0);
        final int impCount = firstImp.containsKey("video") ? 1 : 1 + (random.nextInt(10) < 7 ? 0 : random.nextInt(3));
        final JsonArray imps = new JsonArray();
        for (int i = 0; i < impCount; i++) {
            imps.add(varyImp(firstImp.copy(), i + 1, random));
        }
        request.put("imp", imps);
        if (request.containsKey("site")) {
            varySite(request.getJsonObject("site"), random);
        }
        if (request.containsKey("app")) {
            request.getJsonObject("app").put("bundle", BUNDLES[random.nextInt(BUNDLES.length)]);
        }
        request.put("device", varyDevice(request.getJsonObject("device", new JsonObject()), random));
        final JsonObject user = request.getJsonObject("user", new JsonObject());
        user.put("id", String.format(Locale.ROOT, "u%08x", random.nextInt()));
        request.put("user", user);
        return request;
    }

    private static JsonObject varyImp(JsonObject imp, int id, SplittableRandom random) {
        imp.put("id", Integer.toString(id));
        // Floors are skewed low with a tail, as in real supply: 0.01 .. about 5.00.
        final double floor = 0.01 + Math.pow(random.nextDouble(), 2) * 5.0;
        imp.put("bidfloor", Math.round(floor * 100) / 100.0);
        imp.put("bidfloorcur", "USD");
        if (imp.containsKey("banner")) {
            final int[] size = BANNER_SIZES[random.nextInt(BANNER_SIZES.length)];
            imp.getJsonObject("banner").put("w", size[0]).put("h", size[1])
                    .put("format", new JsonArray().add(new JsonObject().put("w", size[0]).put("h", size[1])));
        } else if (imp.containsKey("video")) {
            final int[] size = VIDEO_SIZES[random.nextInt(VIDEO_SIZES.length)];
            imp.getJsonObject("video").put("w", size[0]).put("h", size[1]);
        }
        return imp;
    }

    private static void varySite(JsonObject site, SplittableRandom random) {
        final String domain = DOMAINS[random.nextInt(DOMAINS.length)];
        site.put("domain", domain);
        site.put("page", "https://" + domain + "/article/" + random.nextInt(10_000) + ".html");
        final JsonObject publisher = site.getJsonObject("publisher");
        if (publisher != null) {
            publisher.put("domain", domain.substring(domain.indexOf('.') + 1));
        }
    }

    private static JsonObject varyDevice(JsonObject device, SplittableRandom random) {
        final Object[] kind = DEVICES[random.nextInt(DEVICES.length)];
        device.put("devicetype", kind[0]).put("ua", kind[1]).put("os", kind[2]);
        device.put("ip", "203.0." + random.nextInt(256) + "." + (1 + random.nextInt(254)));
        device.put("geo", new JsonObject().put("country", COUNTRIES[random.nextInt(COUNTRIES.length)]));
        return device;
    }

    private static String readResource(String path) {
        try (InputStream in = BidRequestGenerator.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

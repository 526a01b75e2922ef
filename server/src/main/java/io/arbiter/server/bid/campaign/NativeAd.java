package io.arbiter.server.bid.campaign;

import io.arbiter.server.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A native creative's declared assets, from which each bid's native response is assembled to match the request:
 * <pre>
 * "native": {"title": "Spring sale: 30% off",
 *            "images": [{"type": 3, "url": "https://cdn.shop.example/main.jpg", "w": 1200, "h": 627},
 *                       {"type": 1, "url": "https://cdn.shop.example/icon.png", "w": 80, "h": 80}],
 *            "data": [{"type": 1, "value": "Shop"}, {"type": 2, "value": "Everything for the garden"}],
 *            "video": {"vasttag": "&lt;VAST ...&gt;", "duration": 15, "mime": "video/mp4"},
 *            "link": "https://shop.example/spring", "clicktrackers": [], "imptrackers": [],
 *            "impressionPixel": false}
 * </pre>
 * Every field is optional but at least one asset. Image and data types are the Native 1.2 tables' (image 1 icon,
 * 3 main; data 1 sponsored, 2 desc, 3 rating, ...). {@code link} is the landing page (the bid's click URL is added as
 * a click tracker; without a link the click URL is the link). {@code impressionPixel} adds the bid's impression URL
 * (which bills on render, once, like {@code burl}) to the impression trackers.
 */
public record NativeAd(String title, Image[] images, Data[] data, String vastTag, int videoDuration,
                       String videoMime, String link, String[] clickTrackers, String[] impTrackers,
                       boolean impressionPixel) {

    /** An image asset; {@code type} from the Native image asset types. */
    public record Image(int type, String url, int w, int h) {
    }

    /** A data asset; {@code type} from the Native data asset types. */
    public record Data(int type, String value) {
    }

    /** Reads the declaration; 400 naming {@code field} (e.g. {@code creatives[0].native.images[1].w}) when wrong. */
    public static NativeAd fromJson(JsonObject json, String field) {
        final String title = optionalText(json, "title", field);
        final JsonArray imagesJson = json.getJsonArray("images", new JsonArray());
        final Image[] images = new Image[imagesJson.size()];
        for (int i = 0; i < images.length; i++) {
            final String at = field + ".images[" + i + "]";
            final JsonObject image = object(imagesJson.getValue(i), at);
            images[i] = new Image(count(image, "type", at, 1), text(image, "url", at), count(image, "w", at, 1),
                count(image, "h", at, 1));
        }
        final JsonArray dataJson = json.getJsonArray("data", new JsonArray());
        final Data[] data = new Data[dataJson.size()];
        for (int i = 0; i < data.length; i++) {
            final String at = field + ".data[" + i + "]";
            final JsonObject item = object(dataJson.getValue(i), at);
            data[i] = new Data(count(item, "type", at, 1), text(item, "value", at));
        }
        String vast = null;
        int duration = 0;
        String mime = null;
        final JsonObject video = json.getJsonObject("video");
        if (video != null) {
            vast = text(video, "vasttag", field + ".video");
            duration = video.getValue("duration") == null ? 0 : count(video, "duration", field + ".video", 1);
            mime = optionalText(video, "mime", field + ".video");
        }
        if (title == null && images.length == 0 && data.length == 0 && vast == null) {
            throw ApiException.badField(field, "'" + field + "' must declare at least one asset (title, images, "
                + "data or video)");
        }
        return new NativeAd(title, images, data, vast, duration,
            mime == null ? null : mime.toLowerCase(java.util.Locale.ROOT),
            optionalText(json, "link", field), strings(json, "clicktrackers", field),
            strings(json, "imptrackers", field), json.getBoolean("impressionPixel", false));
    }

    /**
     * The declaration for a creative stored in the earlier shape ({@code "native": true} with a fixed native
     * response as its markup): the response's title, images (type 3, main, when it gives none), typed data, link
     * (dropped when it is the click URL placeholder) and impression trackers. Null when the markup is not such a
     * response (the campaign must then be redefined).
     */
    public static NativeAd fromFixedMarkup(String markup) {
        try {
            JsonObject response = new JsonObject(markup);
            if (response.getValue("native") instanceof JsonObject inner) {
                response = inner;
            }
            final JsonArray assets = response.getJsonArray("assets", new JsonArray());
            String title = null;
            final JsonArray images = new JsonArray();
            final JsonArray data = new JsonArray();
            for (int i = 0; i < assets.size(); i++) {
                final JsonObject asset = assets.getJsonObject(i);
                if (asset.getJsonObject("title") != null) {
                    title = asset.getJsonObject("title").getString("text");
                } else if (asset.getJsonObject("img") != null) {
                    final JsonObject img = asset.getJsonObject("img");
                    images.add(new JsonObject().put("type", img.getInteger("type", 3)).put("url", img.getString("url"))
                        .put("w", img.getInteger("w")).put("h", img.getInteger("h")));
                } else if (asset.getJsonObject("data") != null
                    && asset.getJsonObject("data").getValue("type") != null) {
                    final JsonObject d = asset.getJsonObject("data");
                    data.add(new JsonObject().put("type", d.getInteger("type")).put("value", d.getString("value")));
                }
            }
            final JsonObject declared = new JsonObject().put("images", images).put("data", data);
            if (title != null) {
                declared.put("title", title);
            }
            final JsonObject link = response.getJsonObject("link");
            final String url = link == null ? null : link.getString("url");
            if (url != null && !url.contains("{{CLICK_URL}}")) {
                declared.put("link", url);
            }
            if (response.getJsonArray("imptrackers") != null) {
                declared.put("imptrackers", response.getJsonArray("imptrackers"));
            }
            return fromJson(declared, "native");
        } catch (RuntimeException e) {
            return null; // not a native response, or one whose images have no size
        }
    }

    /** This declaration as JSON, the shape {@link #fromJson} reads. */
    public JsonObject toJson() {
        final JsonObject json = new JsonObject();
        if (title != null) {
            json.put("title", title);
        }
        final JsonArray imagesJson = new JsonArray();
        for (final Image image : images) {
            imagesJson.add(new JsonObject().put("type", image.type()).put("url", image.url()).put("w", image.w())
                .put("h", image.h()));
        }
        final JsonArray dataJson = new JsonArray();
        for (final Data item : data) {
            dataJson.add(new JsonObject().put("type", item.type()).put("value", item.value()));
        }
        json.put("images", imagesJson).put("data", dataJson);
        if (vastTag != null) {
            final JsonObject video = new JsonObject().put("vasttag", vastTag);
            if (videoDuration > 0) {
                video.put("duration", videoDuration);
            }
            if (videoMime != null) {
                video.put("mime", videoMime);
            }
            json.put("video", video);
        }
        if (link != null) {
            json.put("link", link);
        }
        json.put("clicktrackers", new JsonArray(java.util.List.of((Object[]) clickTrackers)));
        json.put("imptrackers", new JsonArray(java.util.List.of((Object[]) impTrackers)));
        return json.put("impressionPixel", impressionPixel);
    }

    private static JsonObject object(Object raw, String field) {
        if (!(raw instanceof JsonObject o)) {
            throw ApiException.badField(field, "'" + field + "' must be an object");
        }
        return o;
    }

    private static String text(JsonObject json, String name, String field) {
        final String value = optionalText(json, name, field);
        if (value == null) {
            throw ApiException.badField(field + "." + name, "'" + field + "." + name + "' is required");
        }
        return value;
    }

    private static String optionalText(JsonObject json, String name, String field) {
        final Object raw = json.getValue(name);
        if (raw == null) {
            return null;
        }
        if (!(raw instanceof String s) || s.isEmpty()) {
            throw ApiException.badField(field + "." + name, "'" + field + "." + name + "' must be a non-empty string");
        }
        return s;
    }

    private static int count(JsonObject json, String name, String field, int min) {
        final Object raw = json.getValue(name);
        if (!(raw instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < min
            || n.doubleValue() > Integer.MAX_VALUE) {
            throw ApiException.badField(field + "." + name, "'" + field + "." + name + "' must be an integer >= "
                + min);
        }
        return n.intValue();
    }

    private static String[] strings(JsonObject json, String name, String field) {
        final Object raw = json.getValue(name);
        if (raw == null) {
            return new String[0];
        }
        if (!(raw instanceof JsonArray array)) {
            throw ApiException.badField(field + "." + name, "'" + field + "." + name + "' must be an array of URLs");
        }
        final String[] values = new String[array.size()];
        for (int i = 0; i < values.length; i++) {
            if (!(array.getValue(i) instanceof String s) || s.isEmpty()) {
                throw ApiException.badField(field + "." + name, "'" + field + "." + name + "' must be an array of "
                    + "URLs");
            }
            values[i] = s;
        }
        return values;
    }
}

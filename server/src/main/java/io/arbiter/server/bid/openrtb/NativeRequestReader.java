package io.arbiter.server.bid.openrtb;

import io.arbiter.server.api.ApiException;

import java.nio.charset.StandardCharsets;

/**
 * Reads an imp's native markup request ({@code imp.native.request}: the JSON-encoded string of OpenRTB 2.x, or the
 * object some exchanges send; with or without the pre-1.1 {@code {"native": ...}} root) into a {@link NativeRequest}
 * with its own {@link JsonCursor}. It never throws: what it cannot read leaves the request unreadable (not bid on),
 * because the outer bid request is valid either way. Not thread-safe: one per parser.
 */
final class NativeRequestReader {
    private static final JsonCursor.Name NATIVE = new JsonCursor.Name("native");
    private static final JsonCursor.Name VER = new JsonCursor.Name("ver");
    private static final JsonCursor.Name ASSETS = new JsonCursor.Name("assets");
    private static final JsonCursor.Name EVENTTRACKERS = new JsonCursor.Name("eventtrackers");
    private static final JsonCursor.Name EVENT = new JsonCursor.Name("event");
    private static final JsonCursor.Name METHODS = new JsonCursor.Name("methods");
    private static final JsonCursor.Name ID = new JsonCursor.Name("id");
    private static final JsonCursor.Name REQUIRED = new JsonCursor.Name("required");
    private static final JsonCursor.Name TITLE = new JsonCursor.Name("title");
    private static final JsonCursor.Name IMG = new JsonCursor.Name("img");
    private static final JsonCursor.Name DATA = new JsonCursor.Name("data");
    private static final JsonCursor.Name VIDEO = new JsonCursor.Name("video");
    private static final JsonCursor.Name LEN = new JsonCursor.Name("len");
    private static final JsonCursor.Name TYPE = new JsonCursor.Name("type");
    private static final JsonCursor.Name W = new JsonCursor.Name("w");
    private static final JsonCursor.Name H = new JsonCursor.Name("h");
    private static final JsonCursor.Name WMIN = new JsonCursor.Name("wmin");
    private static final JsonCursor.Name HMIN = new JsonCursor.Name("hmin");
    private static final JsonCursor.Name MIMES = new JsonCursor.Name("mimes");
    private static final JsonCursor.Name MINDURATION = new JsonCursor.Name("minduration");
    private static final JsonCursor.Name MAXDURATION = new JsonCursor.Name("maxduration");

    private final JsonCursor json = new JsonCursor();

    /** Reads the string form (the request's JSON text). */
    void readString(String text, String outerVer, NativeRequest into) {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        read(bytes, 0, bytes.length, outerVer, into);
    }

    /** Reads the object form, {@code length} bytes at {@code offset} of {@code document}. */
    void read(byte[] document, int offset, int length, String outerVer, NativeRequest into) {
        into.reset();
        if (outerVer != null) {
            into.version(outerVer);
        }
        try {
            json.reset(document, offset, length);
            if (!json.beginRootObject()) {
                return;
            }
            root(into);
            into.readable = json.atEnd() && into.assetCount() > 0;
        } catch (ApiException | IndexOutOfBoundsException e) {
            into.readable = false; // not a native request we can answer; the imp's other formats still are
        }
    }

    private void root(NativeRequest into) {
        final JsonCursor j = json;
        boolean sawVer = false;
        while (j.nextField()) {
            if (j.keyIs(NATIVE) && j.peek() == '{') {
                into.wrapped = true;
                if (!sawVer) {
                    into.version("1.0"); // the pre-1.1 root, unless a ver inside says otherwise
                }
                j.beginObject("native");
                root(into);
            } else if (j.keyIs(VER)) {
                sawVer = true;
                into.version(j.peek() == '"' ? j.string("ver") : Integer.toString(j.integer("ver")));
            } else if (j.keyIs(ASSETS)) {
                j.beginArray("assets", "an array");
                while (j.nextElement()) {
                    asset(into);
                }
            } else if (j.keyIs(EVENTTRACKERS)) {
                into.hasEventTrackers = true;
                j.beginArray("eventtrackers", "an array");
                while (j.nextElement()) {
                    eventTracker(into);
                }
            } else {
                j.skipValue();
            }
        }
    }

    private void eventTracker(NativeRequest into) {
        final JsonCursor j = json;
        j.beginObject("eventtrackers[]");
        int event = 0;
        boolean image = false;
        while (j.nextField()) {
            if (j.keyIs(EVENT)) {
                event = j.integer("event");
            } else if (j.keyIs(METHODS)) {
                j.beginArray("methods", "an array");
                while (j.nextElement()) {
                    image |= j.integer("methods[]") == 1;
                }
            } else {
                j.skipValue();
            }
        }
        into.impressionImage |= event == 1 && image;
    }

    private void asset(NativeRequest into) {
        final JsonCursor j = json;
        j.beginObject("assets[]");
        final int a = into.addAsset();
        if (a < 0) {
            throw ApiException.badField("assets", "too many native assets");
        }
        while (j.nextField()) {
            if (j.keyIs(ID)) {
                into.set(a, j.integer("id"), into.required(a));
            } else if (j.keyIs(REQUIRED)) {
                into.set(a, into.id(a), j.integer("required") == 1);
            } else if (j.keyIs(TITLE)) {
                into.kind(a, NativeRequest.TITLE);
                lengthAndType(into, a, "title");
            } else if (j.keyIs(DATA)) {
                into.kind(a, NativeRequest.DATA);
                lengthAndType(into, a, "data");
            } else if (j.keyIs(IMG)) {
                into.kind(a, NativeRequest.IMAGE);
                image(into, a);
            } else if (j.keyIs(VIDEO)) {
                into.kind(a, NativeRequest.VIDEO);
                video(into, a);
            } else {
                j.skipValue();
            }
        }
    }

    private void lengthAndType(NativeRequest into, int a, String name) {
        final JsonCursor j = json;
        j.beginObject(name);
        int len = 0;
        int type = 0;
        while (j.nextField()) {
            if (j.keyIs(LEN)) {
                len = Math.max(0, j.integer("len"));
            } else if (j.keyIs(TYPE)) {
                type = j.integer("type");
            } else {
                j.skipValue();
            }
        }
        into.limits(a, len, type);
    }

    private void image(NativeRequest into, int a) {
        final JsonCursor j = json;
        j.beginObject("img");
        int type = 0;
        int w = 0;
        int h = 0;
        int wmin = 0;
        int hmin = 0;
        while (j.nextField()) {
            if (j.keyIs(TYPE)) {
                type = j.integer("type");
            } else if (j.keyIs(W)) {
                w = Math.max(0, j.integer("w"));
            } else if (j.keyIs(H)) {
                h = Math.max(0, j.integer("h"));
            } else if (j.keyIs(WMIN)) {
                wmin = Math.max(0, j.integer("wmin"));
            } else if (j.keyIs(HMIN)) {
                hmin = Math.max(0, j.integer("hmin"));
            } else {
                j.skipValue();
            }
        }
        into.limits(a, 0, type);
        into.size(a, w, h, wmin, hmin);
    }

    private void video(NativeRequest into, int a) {
        final JsonCursor j = json;
        j.beginObject("video");
        int min = 0;
        int max = 0;
        while (j.nextField()) {
            if (j.keyIs(MINDURATION)) {
                min = Math.max(0, j.integer("minduration"));
            } else if (j.keyIs(MAXDURATION)) {
                max = Math.max(0, j.integer("maxduration"));
            } else if (j.keyIs(MIMES)) {
                j.beginArray("mimes", "an array");
                while (j.nextElement()) {
                    into.addMime(a, j.string("mimes[]", JsonCursor.Case.LOWER));
                }
            } else {
                j.skipValue();
            }
        }
        into.durations(a, min, max);
    }
}

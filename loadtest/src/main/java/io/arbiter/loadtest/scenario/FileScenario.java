package io.arbiter.loadtest.scenario;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Replays requests from a JSON-lines file, in order, round and round. Each line is
 * {@code {"method":"POST","path":"/v1/decide","body":{...}}}; {@code method} defaults to GET, or
 * POST when there is a body; {@code body} may be a JSON value or a string sent as is. Blank lines
 * and lines starting with {@code #} are skipped. Workers start at different lines.
 */
public final class FileScenario implements Scenario {

    /** One parsed line, shareable between workers: bodies are kept as bytes, not Buffers. */
    public record Line(HttpMethod method, String path, byte[] body) {
    }

    private final List<Line> lines;
    private int position;

    public FileScenario(List<Line> lines, int startLine) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("the request file has no requests");
        }
        this.lines = lines;
        this.position = Math.floorMod(startLine, lines.size());
    }

    @Override
    public Request next() {
        final Line line = lines.get(position);
        position = position + 1 == lines.size() ? 0 : position + 1;
        return new Request(RequestKind.FILE, line.method(), line.path(),
                line.body() == null ? null : Buffer.buffer(line.body()), false);
    }

    public static List<Line> load(Path file) {
        final List<String> raw;
        try {
            raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read request file " + file, e);
        }
        final List<Line> lines = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            final String text = raw.get(i).trim();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            lines.add(parse(text, file + ":" + (i + 1)));
        }
        return List.copyOf(lines);
    }

    static Line parse(String text, String where) {
        final JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException e) {
            throw new IllegalArgumentException(where + ": not a JSON object: " + e.getMessage(), e);
        }
        final String path = json.getString("path");
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException(where + ": \"path\" must be present and start with /");
        }
        final Object body = json.getValue("body");
        byte[] bytes = null;
        if (body instanceof String s) {
            bytes = s.getBytes(StandardCharsets.UTF_8);
        } else if (body != null) {
            bytes = Json.encode(body).getBytes(StandardCharsets.UTF_8);
        }
        final String method = json.getString("method", bytes == null ? "GET" : "POST").toUpperCase(Locale.ROOT);
        return new Line(HttpMethod.valueOf(method), path, bytes);
    }
}

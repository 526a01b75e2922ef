package io.arbiter.server.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every path the modules declare into the route table ({@code hotPost("/v1/decide", ...)},
 * {@code route(HttpMethod.GET, "/v1/experiments/:id", ...)}, read from the sources) is named in docs/api.md, with
 * {@code {name}} for a {@code :name} parameter (any name).
 */
class ApiDocsTest {
    /** A route declaration's path: hotPost("/p", ...), route(HttpMethod.GET, "/p", ...), route(x, "/p", ...). */
    private static final Pattern DECLARED = Pattern.compile("(?:hotPost|route)\\((?:[A-Za-z.]+, )?\"(/[^\"]*)\"");

    @Test
    void everyDeclaredPathIsInTheApiDocs() throws IOException {
        final String api = Files.readString(Path.of("..", "docs", "api.md"));
        final Set<String> paths = declaredPaths();
        assertTrue(paths.contains("/v1/decide") && paths.contains("/v1/experiments/:id") && paths.contains("/rtb/win")
            && paths.size() > 20, "found the route declarations: " + paths);
        final List<String> missing = new ArrayList<>();
        for (final String path : paths) {
            if (!documented(api, path)) {
                missing.add(path);
            }
        }
        assertEquals(List.of(), missing, "declared in the route table, not named in docs/api.md");
    }

    private static boolean documented(String api, String path) {
        final StringBuilder regex = new StringBuilder();
        for (final String part : path.split("/", -1)) {
            if (!regex.isEmpty() || !part.isEmpty()) {
                regex.append('/');
            }
            regex.append(part.startsWith(":") ? "\\{[A-Za-z]+\\}" : Pattern.quote(part));
        }
        if (path.equals("/")) {
            regex.setLength(0);
            regex.append('/');
        }
        // Not followed by more path: "/v1/experiments" is not documented by "/v1/experiments/{id}" alone.
        return Pattern.compile("(?<![A-Za-z0-9/_{}-])" + regex + "(?![A-Za-z0-9_{}-]|/[A-Za-z0-9{])").matcher(api)
            .find();
    }

    private static Set<String> declaredPaths() throws IOException {
        final Set<String> paths = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src", "main", "java"))) {
            for (final Path source : (Iterable<Path>) sources.filter(p -> p.toString().endsWith(".java"))::iterator) {
                final Matcher declared = DECLARED.matcher(Files.readString(source));
                while (declared.find()) {
                    paths.add(declared.group(1));
                }
            }
        }
        return paths;
    }
}

package io.arbiter.server.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link in README.md and docs/ (outside code blocks and code spans) reaches a file that exists, and
 * every {@code #anchor} into a Markdown file names one of its headings, slugged as GitHub does (lower case,
 * punctuation dropped, spaces to hyphens, {@code -1}, {@code -2} for repeats). Every path under
 * {@code benchmarks/results/} that they cite (in code spans, code blocks or plain text) exists in the repository.
 */
class DocLinksTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
    private static final Pattern RESULTS_PATH = Pattern.compile("benchmarks/results/[A-Za-z0-9_./-]*");

    private final Map<Path, Set<String>> anchors = new HashMap<>();

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        final List<Path> files = markdownFiles();
        final List<String> broken = new ArrayList<>();
        int checked = 0;
        for (final Path file : files) {
            final List<String> lines = Files.readAllLines(file);
            boolean fence = false;
            for (int i = 0; i < lines.size(); i++) {
                final String line = lines.get(i);
                if (line.startsWith("```")) {
                    fence = !fence;
                    continue;
                }
                if (fence) {
                    continue;
                }
                final Matcher link = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
                while (link.find()) {
                    final String target = link.group(1);
                    if (target.matches("[a-z]+:.*")) {
                        continue; // http:, https:, mailto:
                    }
                    checked++;
                    final int hash = target.indexOf('#');
                    final String path = hash < 0 ? target : target.substring(0, hash);
                    final Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
                    final String where = ROOT.relativize(file) + ":" + (i + 1) + ": ";
                    if (!Files.exists(resolved)) {
                        broken.add(where + target + " (no such file)");
                    } else if (hash >= 0 && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(target.substring(hash + 1))) {
                        broken.add(where + target + " (no such heading)");
                    }
                }
            }
        }
        assertTrue(checked > 100, "links checked: " + checked);
        assertEquals(List.of(), broken);
    }

    /**
     * A benchmark's raw output cited as {@code benchmarks/results/...} is in the repository (relative to its root):
     * a citation of a folder or file that was never committed points nowhere. A path followed by a pattern (a star,
     * a brace, a bracket or {@code <}) stands for files in its folder, so the folder must exist.
     */
    @Test
    void everyCitedBenchmarkResultExists() throws IOException {
        final List<String> missing = new ArrayList<>();
        int checked = 0;
        for (final Path file : markdownFiles()) {
            final List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                final String line = lines.get(i);
                final Matcher cited = RESULTS_PATH.matcher(line);
                while (cited.find()) {
                    String path = cited.group().replaceAll("\\.+$", ""); // a sentence's full stop
                    if (cited.end() < line.length() && "*{[<".indexOf(line.charAt(cited.end())) >= 0) {
                        path = path.substring(0, path.lastIndexOf('/') + 1);
                    }
                    checked++;
                    if (!Files.exists(ROOT.resolve(path))) {
                        missing.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + path);
                    }
                }
            }
        }
        assertTrue(checked > 10, "benchmarks/results/ paths checked: " + checked);
        assertTrue(missing.isEmpty(), () -> missing.size() + " path(s) under benchmarks/results/ cited but not in the "
            + "repository:\n" + String.join("\n", missing));
    }

    /** README.md and every Markdown file under docs/. */
    private static List<Path> markdownFiles() throws IOException {
        final List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        assertTrue(files.size() > 10, "found the docs: " + files);
        return files;
    }

    private Set<String> anchors(Path file) throws IOException {
        final Set<String> known = anchors.get(file);
        if (known != null) {
            return known;
        }
        final Set<String> slugs = new HashSet<>();
        final Map<String, Integer> seen = new HashMap<>();
        boolean fence = false;
        for (final String line : Files.readAllLines(file)) {
            if (line.startsWith("```")) {
                fence = !fence;
                continue;
            }
            final Matcher heading = HEADING.matcher(line);
            if (!fence && heading.matches()) {
                final String slug = slug(heading.group(1));
                final int n = seen.merge(slug, 1, Integer::sum) - 1;
                slugs.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        anchors.put(file, slugs);
        return slugs;
    }

    /** GitHub's heading anchor: lower case, letters, digits, '_', '-' and spaces kept, spaces to hyphens. */
    static String slug(String heading) {
        return heading.trim().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{Nd}_\\- ]", "").replace(' ', '-');
    }
}

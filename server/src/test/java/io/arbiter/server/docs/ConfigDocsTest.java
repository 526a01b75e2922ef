package io.arbiter.server.docs;

import io.arbiter.server.bid.BiddingConfig;
import io.arbiter.server.bid.pricing.ExchangeRates;
import io.arbiter.server.config.ConfigException;
import io.arbiter.server.config.ConfigLayers;
import io.arbiter.server.config.ConfigReader;
import io.arbiter.server.config.ServerConfig;
import io.arbiter.server.history.HistoryConfig;
import io.arbiter.server.outcome.OutcomeConfigs;
import io.arbiter.server.pg.Retention;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/config.md and the settings the server reads agree, both ways: every key a strict reader knows (asked by giving
 * each section a key it does not know and reading the known keys off the message) has a row in docs/config.md, every
 * row names a key some reader knows, each row's environment column names exactly the variable
 * {@link ConfigLayers#variables()} maps to that setting, and a default given as one literal reads the same as no
 * setting at all.
 */
class ConfigDocsTest {
    private static final String UNKNOWN = "notASetting";
    private static final Pattern KNOWN = Pattern.compile("\\(known in [^:]+: (.*)\\)$");
    /** Table rows: first cell a setting in backticks, second the environment column, third the default. */
    private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z0-9.]+)` \\| ([^|]*) \\| ([^|]*) \\|");
    /** A default cell that is one literal: {@code `PT1S`}, {@code `0` (= number of cores)}. */
    private static final Pattern LITERAL = Pattern.compile("^`([^`]+)`(?: \\(.*\\))?$");
    /** Sections below the top level, read by their own readers: their keys are checked, not the section itself. */
    private static final List<String> SECTIONS = List.of("http", "http.tls", "http.cors", "postgres", "cluster",
        "decisions", "evaluation", "outcomes", "bidding", "history");

    @Test
    void everySettingHasARowAndEveryRowIsASetting() throws Exception {
        final Set<String> settings = settings();
        final Map<String, String> rows = rows();
        final List<String> problems = new ArrayList<>();
        for (final String setting : settings) {
            if (!rows.containsKey(setting)) {
                problems.add(setting + " has no row in docs/config.md");
            }
        }
        for (final String row : rows.keySet()) {
            if (!settings.contains(row)) {
                problems.add("docs/config.md has a row for " + row + ", which no reader knows");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyEnvironmentVariableIsInTheRowOfItsSetting() throws Exception {
        final Map<String, String> rows = rows();
        final Map<String, String> variables = ConfigLayers.variables();
        final List<String> problems = new ArrayList<>();
        for (final Map.Entry<String, String> row : rows.entrySet()) {
            final String cell = row.getValue().trim();
            final String expected = variables.get(row.getKey());
            final String documented = cell.matches("`[A-Z0-9_]+`") ? cell.substring(1, cell.length() - 1) : null;
            if (expected == null ? documented != null : !expected.equals(documented)) {
                problems.add(row.getKey() + ": docs/config.md says " + cell + ", the server reads "
                    + (expected == null ? "no variable" : expected));
            }
        }
        for (final String setting : variables.keySet()) {
            if (!rows.containsKey(setting)) {
                problems.add(setting + " (" + variables.get(setting) + ") has no row in docs/config.md");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyLiteralDefaultIsTheDefault() throws Exception {
        final List<Object> defaults = readAll(new JsonObject());
        final List<String> problems = new ArrayList<>();
        int checked = 0;
        for (final Map.Entry<String, String> row : defaults().entrySet()) {
            final Matcher literal = LITERAL.matcher(row.getValue().trim());
            if (!literal.matches()) {
                continue; // none, generated, derived: no literal to set
            }
            checked++;
            final JsonObject file = new JsonObject();
            JsonObject at = file;
            final String[] parts = row.getKey().split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                final JsonObject next = new JsonObject();
                at.put(parts[i], next);
                at = next;
            }
            at.put(parts[parts.length - 1], json(literal.group(1)));
            final List<Object> stated = readAll(file);
            if (!stated.equals(defaults)) {
                problems.add(row.getKey() + ": docs/config.md says the default is " + literal.group(1)
                    + ", setting that reads differently from setting nothing");
            }
        }
        assertTrue(checked > 60, "literal defaults checked: " + checked);
        assertEquals(List.of(), problems);
    }

    /** A default cell's literal as the JSON value a file would hold. */
    private static Object json(String literal) {
        if (literal.matches("-?[0-9]+")) {
            return Long.parseLong(literal);
        }
        if (literal.matches("-?[0-9]*\\.[0-9]+(e-?[0-9]+)?")) {
            return Double.parseDouble(literal);
        }
        if (literal.equals("true") || literal.equals("false")) {
            return Boolean.parseBoolean(literal);
        }
        return literal.equals("{}") ? new JsonObject() : literal;
    }

    /** Everything the readers make of {@code file}: the server's fields and each section's settings, in order. */
    private static List<Object> readAll(JsonObject file) throws Exception {
        final ServerConfig config = ServerConfig.of(file, Map.of());
        final List<Object> values = new ArrayList<>();
        for (final Field field : ServerConfig.class.getFields()) {
            if (!Modifier.isStatic(field.getModifiers()) && field.getType() != ConfigReader.class) {
                values.add(field.getName() + "=" + field.get(config));
            }
        }
        addComponents(values, Retention.read(config.outcomes, config.attributionWindowMillis, 0));
        addComponents(values, OutcomeConfigs.read(config.outcomes, Path.of("journal")));
        addComponents(values, BiddingConfig.read(config.bidding));
        addComponents(values, HistoryConfig.read(config.history));
        return values;
    }

    private static void addComponents(List<Object> values, Record settings) throws Exception {
        for (final RecordComponent component : settings.getClass().getRecordComponents()) {
            if (component.getType() != ExchangeRates.class) { // no equals; its default, {}, is checked by hand
                values.add(component.getName() + "=" + component.getAccessor().invoke(settings));
            }
        }
    }

    /** Every setting path the readers know, sections excluded. */
    private static Set<String> settings() {
        final Set<String> all = new TreeSet<>();
        all.addAll(known("", file -> ServerConfig.of(file, Map.of())));
        for (final String section : List.of("http", "http.tls", "http.cors", "postgres", "cluster", "decisions",
                "evaluation")) {
            all.addAll(known(section, file -> ServerConfig.of(file, Map.of())));
        }
        all.addAll(known("outcomes", file -> {
            final ServerConfig config = ServerConfig.of(file, Map.of());
            Retention.read(config.outcomes, config.attributionWindowMillis, 0);
            return OutcomeConfigs.read(config.outcomes, Path.of("journal"));
        }));
        all.addAll(known("bidding", file -> BiddingConfig.read(ServerConfig.of(file, Map.of()).bidding)));
        all.addAll(known("history", file -> HistoryConfig.read(ServerConfig.of(file, Map.of()).history)));
        all.removeAll(SECTIONS);
        return all;
    }

    /** The keys the reader of {@code section} knows, named by path. */
    private static Set<String> known(String section, Function<JsonObject, Object> read) {
        final JsonObject file = new JsonObject();
        JsonObject at = file;
        if (!section.isEmpty()) {
            for (final String part : section.split("\\.")) {
                final JsonObject next = new JsonObject();
                at.put(part, next);
                at = next;
            }
        }
        at.put(UNKNOWN, 1);
        final ConfigException e = assertThrows(ConfigException.class, () -> read.apply(file));
        final String prefix = section.isEmpty() ? "" : section + ".";
        assertTrue(e.getMessage().startsWith("unknown setting " + prefix + UNKNOWN), e.getMessage());
        final Matcher matcher = KNOWN.matcher(e.getMessage());
        assertTrue(matcher.find(), e.getMessage());
        final Set<String> keys = new TreeSet<>();
        for (final String key : matcher.group(1).split(", ")) {
            keys.add(prefix + key);
        }
        assertFalse(keys.isEmpty(), section);
        return keys;
    }

    /** Setting to environment cell, for every table row of docs/config.md that starts with a setting. */
    private static Map<String, String> rows() throws Exception {
        return column(2);
    }

    /** Setting to default cell. */
    private static Map<String, String> defaults() throws Exception {
        return column(3);
    }

    private static Map<String, String> column(int column) throws Exception {
        final Map<String, String> rows = new java.util.TreeMap<>();
        for (final String line : Files.readAllLines(Path.of("..", "docs", "config.md"))) {
            final Matcher matcher = ROW.matcher(line);
            if (matcher.find()) {
                assertTrue(rows.put(matcher.group(1), matcher.group(column)) == null, "two rows for "
                    + matcher.group(1));
            }
        }
        return rows;
    }
}

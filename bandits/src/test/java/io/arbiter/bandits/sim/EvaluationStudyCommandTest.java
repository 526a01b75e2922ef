package io.arbiter.bandits.sim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bandits.jar evaluation-study}: the table, the JSON (one row per size x target x estimator), bad input. */
class EvaluationStudyCommandTest {

    @Test
    void writesTheTableAndTheJson(@TempDir Path dir) throws Exception {
        final Path json = dir.resolve("study.json");
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream original = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final int code;
        try {
            code = new CommandLine(new SimulatorCli()).execute("evaluation-study", "--logs", "3", "--sizes",
                "500,1000", "--replicates", "20", "--threads", "2", "--json-out", json.toString());
        } finally {
            System.setOut(original);
        }
        final String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(code == 0 || code == 1, "0, or 1 when DR loses to IPS on three tiny logs: " + code);
        assertTrue(table.contains("| n | target | true value | estimator | bias ± s.e. | RMSE | 95% coverage |"),
            table);
        assertTrue(table.contains("| 1,000 | centroid-argmax | 0.9048 | dr-ridge |"), table);
        final String report = Files.readString(json);
        assertTrue(report.startsWith("{\"logs\":3,\"seed\":1,\"replicates\":20,"), report);
        final Matcher rows = Pattern.compile("\\{\"n\":(\\d+),\"target\":\"([a-z-]+)\",\"truth\":").matcher(report);
        int count = 0;
        while (rows.find()) {
            count++;
        }
        assertEquals(2 * 4 * 4, count, "sizes x targets x estimators");
    }

    @Test
    void badSizesAreAUsageError() {
        assertEquals(2, new CommandLine(new SimulatorCli()).execute("evaluation-study", "--sizes", "1000,500"));
        assertEquals(2, new CommandLine(new SimulatorCli()).execute("evaluation-study", "--logs", "1"));
    }
}

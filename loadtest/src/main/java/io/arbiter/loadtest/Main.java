package io.arbiter.loadtest;

import picocli.CommandLine;

/** {@code java -jar loadtest.jar [options]} or {@code java -jar loadtest.jar noop-server [options]}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new LoadTestCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}

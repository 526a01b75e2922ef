package io.arbiter.loadtest;

public final class Main {
    public static void main(String[] args) {
        System.err.println("loadtest: not built yet");
        System.exit(2);
    }
}

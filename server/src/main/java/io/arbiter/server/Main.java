package io.arbiter.server;

public final class Main {
    public static void main(String[] args) {
        System.err.println("server: not built yet");
        System.exit(2);
    }
}

package io.arbiter.loadtest.run;

/**
 * A growable FIFO of primitive longs: the generator's backlog of intended send times waiting for a
 * free connection. Single-threaded; no boxing, so a backlog of a million costs 8 MB, not 24.
 */
final class LongRing {
    private long[] items = new long[1024];
    private int head;
    private int size;

    void addLast(long value) {
        if (size == items.length) {
            final long[] bigger = new long[items.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = items[(head + i) & (items.length - 1)];
            }
            items = bigger;
            head = 0;
        }
        items[(head + size++) & (items.length - 1)] = value;
    }

    long pollFirst() {
        if (size == 0) {
            throw new IllegalStateException("empty");
        }
        final long value = items[head];
        head = (head + 1) & (items.length - 1);
        size--;
        return value;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }
}

package io.courier.net;

import io.courier.node.Link;
import io.courier.node.RecordHandler;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * The records the tests send over links: record {@code s} (from 0, per link) has type
 * {@code s % 100000 + 1}, a size from {@link #sizes} (up to the link's largest payload), and
 * bytes made from the sender's name and {@code s}; it goes out in three IOVs, cut at odd places.
 * A {@link Checker} receiving them says whether every record came whole, once and in order.
 */
public final class Traffic {
    private Traffic() {
    }

    static int[] sizes(int maxPayload) {
        return new int[] {0, 1, 7, 64, 100, 1_000, 1_371, 1_372, 1_373, 4_096, 20_000, maxPayload - 1, maxPayload, 64, 3, 64};
    }

    static byte at(String sender, long s, int j) {
        return (byte) (s * 31 + j * 7 + sender.hashCode());
    }

    static int typeOf(long s) {
        return (int) (s % 100_000) + 1;
    }

    /**
     * Sends records {@code from} to {@code from + count - 1} over {@code link}, waiting for room;
     * returns how many went (fewer when the link closed under it).
     */
    static long send(Link link, String sender, long from, long count) {
        int[] sizes = sizes(link.maxPayload());
        ByteBuffer whole = ByteBuffer.allocateDirect(link.maxPayload());
        for (long s = from; s < from + count; s++) {
            int size = sizes[(int) (s % sizes.length)];
            whole.clear();
            for (int j = 0; j < size; j++) {
                whole.put(j, at(sender, s, j));
            }
            int a = size / 3;
            int b = size - size / 5;
            ByteBuffer[] iov = {whole.slice(0, a), whole.slice(a, b - a), whole.slice(b, size - b)};
            try {
                int spins = 0;
                while (!link.offer(typeOf(s), iov)) {
                    if (++spins > 100) {
                        LockSupport.parkNanos(50_000);
                    }
                }
            } catch (IllegalStateException closed) {
                return s - from;
            }
        }
        return count;
    }

    /** Checks the records of one link as they come; thread-safe reads of what it saw. */
    static final class Checker implements RecordHandler {
        private final String sender;
        private final int[] sizes;
        private volatile long received;
        private volatile String error;

        Checker(String sender, int maxPayload) {
            this.sender = sender;
            this.sizes = sizes(maxPayload);
        }

        @Override
        public void onRecord(int type, MemorySegment seg, long offset, int length) {
            long s = received;
            if (error == null) {
                int size = sizes[(int) (s % sizes.length)];
                if (type != typeOf(s) || length != size) {
                    error = "record " + s + ": type " + type + " length " + length + ", expected type " + typeOf(s)
                            + " length " + size;
                } else {
                    for (int j = 0; j < length; j++) {
                        if (seg.get(ValueLayout.JAVA_BYTE, offset + j) != at(sender, s, j)) {
                            error = "record " + s + ": byte " + j + " differs";
                            break;
                        }
                    }
                }
            }
            received = s + 1;
        }

        long received() {
            return received;
        }

        String error() {
            return error;
        }
    }

    /** Polls {@code link} into {@code checker} until the link closes. */
    static void consume(Link link, Checker checker) {
        try {
            while (true) {
                if (link.await(100_000_000L)) {
                    link.poll(checker, 64);
                }
            }
        } catch (IllegalStateException | InterruptedException closed) {
            // The link went down (or the node closed): this consumer is done.
        }
    }
}

package io.courier.asyncmsg.internal;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The callback thread of one system (SPEC A3): runs the callbacks of messages got or failed, in
 * order for each connection, then frees their slots for the sender. A callback that throws is
 * caught and counted by {@link AsyncSystem#runCallback}; this thread goes on.
 */
final class CallbackAgent extends Worker {
    private static final int BATCH = 256;
    private final ConcurrentLinkedQueue<Conn> queue = new ConcurrentLinkedQueue<>();

    CallbackAgent(String name) {
        super(name);
    }

    /** Asks for {@code c}'s completions to run; each connection sits in the queue at most once. */
    void schedule(Conn c) {
        if (c.markCompletionQueued()) {
            queue.add(c);
            wake();
        }
    }

    @Override
    int doWork(long now) {
        int work = 0;
        Conn c;
        for (int i = 0; i < BATCH && (c = queue.poll()) != null; i++) {
            c.clearCompletionQueued();
            try {
                work += 1 + c.complete();
            } finally {
                if (c.completionPending()) {
                    schedule(c);
                }
            }
        }
        return work;
    }

    @Override
    boolean hasWork() {
        return !queue.isEmpty();
    }

    @Override
    long nextDeadline() {
        return Long.MAX_VALUE;
    }
}

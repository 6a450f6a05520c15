package io.courier.node;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way of records between this JVM and another Courier JVM, as the kernel's message passing
 * uses it: records of a type (&gt; 0) and a payload go out with {@link #offer}; the records the
 * other side sent come in through {@link #poll} on one consumer thread, which {@link #await}s
 * them (and, between a {@link #watch} and an {@link #unwatch}, through {@link #tryPoll} on
 * threads that wait for them). A record is delivered whole, once, in the order offered, or the
 * link is closed.
 *
 * <p>Two kinds: a pair of shared-memory {@link Ring}s between two JVMs of one node (a ring is a
 * link one way; the kernel offers into one and polls the other), and a link to another node
 * over the network (one object both ways). The kernel's message passing sees only this.
 */
@ConsumerType
public interface Link extends AutoCloseable {
    /** The other side, for errors and logs. */
    String peer();

    /** The largest payload of one record. */
    int maxPayload();

    /**
     * Puts one record of {@code type} (&gt; 0) whose payload is the bytes between position and
     * limit of each of {@code srcs}, in order (their positions are not moved). Thread-safe.
     *
     * @return false when there is no room for it now (the caller tries again)
     * @throws IllegalArgumentException type &lt;= 0, or the payload exceeds {@link #maxPayload()}
     */
    boolean offer(int type, ByteBuffer[] srcs);

    /**
     * Takes up to {@code limit} records that came in, handing each to {@code handler} in place,
     * and returns how many. Consumer side: one thread at a time.
     *
     * @throws CorruptRingException what came in breaks the protocol (the peer is to be cut off)
     */
    int poll(RecordHandler handler, int limit);

    /**
     * Waits until a record came in or {@code timeoutNanos} pass (negative: no limit). Consumer
     * side.
     *
     * @return whether a record is there to poll
     */
    boolean await(long timeoutNanos) throws InterruptedException;

    /**
     * A thread of the consumer's side that waits for what the link brings starts watching it:
     * until it {@link #unwatch}es, it may take records itself with {@link #tryPoll} while it
     * spins, so that no hand-off through the consumer lies between the peer and it. Each watch
     * is paired with one unwatch. A link that cannot be watched ignores it (the default).
     */
    default void watch() {
    }

    /**
     * A watcher's poll: takes up to {@code limit} records as {@link #poll} does when records may
     * be there and no other thread takes them now, and returns how many; 0 at once otherwise (and
     * always, by default: the consumer takes them).
     *
     * @throws CorruptRingException what came in breaks the protocol (the peer is to be cut off)
     */
    default int tryPoll(RecordHandler handler, int limit) {
        return 0;
    }

    /** Ends one {@link #watch}; what the watchers left is the consumer's to take. */
    default void unwatch() {
    }

    /**
     * A watcher, {@code t}, is about to park and goes on watching: until {@link #unwatchAsleep},
     * a record that comes wakes it (or another thread watching asleep) rather than the consumer,
     * so it takes the record itself with no hand-off between. After true, the watcher polls once
     * more before it parks (a record that came before this call is seen then). False when the
     * link cannot do that (the default) or has no room for another thread: the watcher then
     * unwatches before it parks.
     */
    default boolean watchAsleep(Thread t) {
        return false;
    }

    /**
     * Ends {@link #watchAsleep} of {@code t}; whether it was watching asleep. After true, the
     * thread polls once more (it may have been woken for a record it then left to others) and
     * then unwatches.
     */
    default boolean unwatchAsleep(Thread t) {
        return false;
    }

    /** Closes the link, waking a waiting consumer. Closing twice is harmless. */
    @Override
    void close();
}

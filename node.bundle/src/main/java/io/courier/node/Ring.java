package io.courier.node;

import io.courier.node.internal.NodeFolderImpl;
import io.courier.node.internal.RingImpl;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A bounded ring of variable-length records in a shared file of the node folder, one way between
 * two JVMs (a {@link Link} one way): any number of threads of the sending JVM put records in ({@code offer}), one thread
 * of the receiving JVM takes them out ({@code poll}, {@code read}, {@code await}). Records are
 * copied straight from the sender's buffers into the ring and out of it into the receiver's;
 * nothing is allocated per record.
 *
 * <p>The consumer that finds nothing spins a little, then rings down: it sets the doorbell word
 * to "sleeping", looks once more, and sleeps on it with a {@link Futex}. A producer that has
 * published a record looks at the doorbell (after a full fence) and wakes the consumer only when
 * it is asleep, so an idle consumer costs no CPU and a wake-up is never lost.
 *
 * <p>Everything read from the shared file is checked before use: the header on open, every
 * position, length and type afterwards. What does not fit the protocol raises a
 * {@link CorruptRingException} naming the peer, never an out-of-bounds access or an endless wait.
 * A record still being written by a producer is invisible (its length is 0), not an error.
 *
 * <p>Threads of the consumer's JVM that wait for what the ring brings (a client for its reply, a
 * server for its next message) may take the records themselves while they spin, so that no
 * wake-up of the consumer lies between the producer and them: each {@link #watch}es the ring,
 * {@link #tryPoll}s it, and {@link #unwatch}es it before it sleeps. While any watches, the doorbell
 * says so, producers do not wake the consumer, and the consumer sleeps on; the last watcher to
 * leave rings the doorbell down again and wakes the consumer for any record it left. One thread
 * at a time takes records (the consumer's calls and {@code tryPoll} share poll rights); a call
 * that finds them taken returns at once as if the ring were empty, and the holder takes the
 * records.
 */
@ProviderType
public interface Ring extends Link {
    /**
     * Creates the ring file {@code fileName} of the node folder with {@code capacity} bytes of
     * data (a power of two, 64 B to 1 GiB), or opens it when another JVM created it first.
     * {@code peer} names the other side in errors.
     */
    static Ring create(NodeFolder folder, String fileName, int capacity, String peer) {
        return RingImpl.create((NodeFolderImpl) folder, fileName, capacity, peer);
    }

    /**
     * Opens the existing ring file {@code fileName}, checking its header.
     *
     * @throws CorruptRingException the header is not a ring's
     */
    static Ring open(NodeFolder folder, String fileName, String peer) {
        return RingImpl.open((NodeFolderImpl) folder, fileName, peer);
    }

    /** Bytes of data. */
    int capacity();

    /** The largest payload of one record: half the capacity less the record header. */
    @Override
    int maxPayload();

    /** The other side, as named when opened. */
    @Override
    String peer();

    /**
     * Puts one record of {@code type} (&gt; 0) whose payload is the bytes between position and
     * limit of each of {@code srcs}, in order (their positions are not moved). Thread-safe.
     *
     * @return false when the ring has no room for it now
     * @throws IllegalArgumentException type &lt;= 0, or the payload exceeds {@link #maxPayload()}
     */
    @Override
    boolean offer(int type, ByteBuffer[] srcs);

    /** Puts one record of {@code type} whose payload is {@code length} bytes of {@code src} at {@code offset}. */
    boolean offer(int type, MemorySegment src, long offset, int length);

    /**
     * Takes up to {@code limit} records, handing each to {@code handler} in place, and returns how
     * many. Consumer side: one thread at a time.
     */
    @Override
    int poll(RecordHandler handler, int limit);

    /**
     * A thread of the consumer's JVM starts watching the ring: until it {@link #unwatch}es, a
     * producer does not wake the consumer, and the watcher takes what comes with {@link
     * #tryPoll}. Any number of threads may watch at once; each watch is paired with one unwatch.
     */
    @Override
    void watch();

    /**
     * A watcher's poll: takes up to {@code limit} records as {@link #poll} does, when a record
     * may be there and no other thread is taking records now; returns how many (0 otherwise, at
     * once).
     *
     * @throws CorruptRingException what came in breaks the protocol (the peer is to be cut off)
     */
    @Override
    int tryPoll(RecordHandler handler, int limit);

    /**
     * Ends one {@link #watch}. The last watcher to leave rings the doorbell down and wakes the
     * consumer when a record is there, so nothing published while the ring was watched waits.
     *
     * @throws IllegalStateException no watch is open
     */
    @Override
    void unwatch();

    /**
     * Takes one record and copies its payload into {@code dsts} from their positions, moving them
     * on; what does not fit is dropped. Returns the payload's full length, or -1 when there is no
     * record; {@link #lastType()} then gives its type. Consumer side.
     */
    int read(ByteBuffer[] dsts);

    /** The type of the record {@link #read} took last. */
    int lastType();

    /** Whether a published record waits at the head. Consumer side. */
    boolean available();

    /**
     * Waits until a record is {@link #available()} or {@code timeoutNanos} pass (negative: no
     * limit): spins, then sleeps on the doorbell. The spin adapts: up to 20 µs while spinning
     * is what finds the records, down to 1 µs while the waits end up asleep anyway (a busy
     * machine, a slow producer), where spinning would only take a core from the producer.
     * Consumer side.
     *
     * @return whether a record is available
     */
    @Override
    boolean await(long timeoutNanos) throws InterruptedException;

    /**
     * {@link #await(long)} with a fixed idle strategy: spins {@code spinNanos}, then yields
     * {@code yieldNanos}, then sleeps on the doorbell (0 and 0: sleeps at once). The adaptive
     * default spins at most 20 µs and yields 0 (system properties
     * {@code courier.node.spinNanos} and {@code courier.node.yieldNanos}).
     */
    boolean await(long timeoutNanos, long spinNanos, long yieldNanos) throws InterruptedException;

    /**
     * Unmaps the ring once no thread of this JVM is inside it (a sleeping consumer is woken; at
     * most a second is waited for). The calls that come after fail with IllegalStateException.
     */
    @Override
    void close();
}

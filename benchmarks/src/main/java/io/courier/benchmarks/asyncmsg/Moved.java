package io.courier.benchmarks.asyncmsg;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a thread of a throughput benchmark did, reported by JMH per second: {@code received} is the
 * figure that matters (64-byte messages that reached the consumer's buffers); {@code refused}
 * counts sends that found the queue full, {@code empty} receives that found nothing. Every
 * benchmark yields the CPU on a full queue or an empty one, the same for all: on a machine with
 * few cores a thread spinning on a full queue would only keep its partner off the CPU.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Moved {
    /** Messages the consumer copied out. */
    public long received;
    /** Sends refused because the queue or ring was full. */
    public long refused;
    /** Receives that found nothing. */
    public long empty;

    /** Counts per iteration. */
    @Setup(Level.Iteration)
    public void clear() {
        received = 0;
        refused = 0;
        empty = 0;
    }
}

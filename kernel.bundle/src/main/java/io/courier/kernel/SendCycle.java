package io.courier.kernel;

import java.time.Instant;
import java.util.List;

/**
 * A send refused with EDEADLK because it would have closed a cycle of SEND- and REPLY-blocked
 * threads (SPEC K19), as {@link Microkernel#sendCycles()} keeps it.
 *
 * @param refusedAt when the send was refused
 * @param threads the refused sender first, then each thread it would have waited for, in order:
 *     each waits for the next, and the last for the sender
 */
public record SendCycle(Instant refusedAt, List<Member> threads) {
    /** Copies the list. */
    public SendCycle {
        threads = List.copyOf(threads);
    }

    /**
     * One thread of the cycle.
     *
     * @param pid its process
     * @param tid the thread
     * @param process the process's name
     * @param state its state when the send was refused (the sender's: the state it was refused
     *     from entering, {@link ThreadState#SEND})
     */
    public record Member(int pid, int tid, String process, ThreadState state) {
    }

    /** The cycle as the log line names it: {@code A[pid/tid] -> B[pid/tid] REPLY -> A[pid/tid]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < threads.size(); i++) {
            Member m = threads.get(i);
            sb.append(m.process()).append('[').append(m.pid()).append('/').append(m.tid()).append(']');
            if (i > 0) {
                sb.append(' ').append(m.state());
            }
            sb.append(" -> ");
        }
        if (!threads.isEmpty()) {
            Member first = threads.get(0);
            sb.append(first.process()).append('[').append(first.pid()).append('/').append(first.tid()).append(']');
        }
        return sb.toString();
    }
}

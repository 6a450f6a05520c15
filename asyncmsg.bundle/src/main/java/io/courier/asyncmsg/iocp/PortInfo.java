package io.courier.asyncmsg.iocp;

import java.util.List;

/**
 * A snapshot of one completion port for introspection: the list {@link IoCompletionPort#ports()}
 * gives a shell command or {@code pidin}.
 *
 * @param id the port's id, as {@code QsoCreateIOCompletionPort} returns it
 * @param ownerPid the process whose limit the port counts against;
 *     {@link IoCompletionPort#DEFAULT_OWNER} for ports made with {@link IoCompletionPort#create()}
 * @param open false once the port is closed (a snapshot can race with {@code close})
 * @param waitingThreads threads blocked in {@link IoCompletionPort#waitForCompletion} (an estimate)
 * @param queuedCompletions completions posted and not yet taken by a thread
 * @param pendingOperations operations started and waiting for their socket
 * @param errors unexpected failures the port caught, logged and survived (0 when healthy)
 */
public record PortInfo(int id, int ownerPid, boolean open, int waitingThreads,
        int queuedCompletions, List<PendingOperation> pendingOperations, long errors) {

    /** A snapshot; the list is copied. */
    public PortInfo {
        pendingOperations = List.copyOf(pendingOperations);
    }
}

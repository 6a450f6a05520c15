package io.courier.kernel;

/**
 * One SEND- or REPLY-blocked thread in {@link Microkernel#sends()}: an edge of the send
 * hierarchy, from the client thread to the server it waits for ({@code pidin sends}, SPEC K16,
 * K19).
 *
 * @param pid the client's process
 * @param tid the client thread
 * @param state {@link ThreadState#SEND} (the server has not received the message yet) or
 *     {@link ThreadState#REPLY} (it has, and not replied)
 * @param serverPid the server process
 * @param chid the server's channel the message was sent on, -1 when no longer known
 * @param serverTid the server thread: in REPLY the one that received the message; in SEND the
 *     one send-cycle detection expects to serve it (the channel's last receiver, or the server's
 *     only thread); -1 when there is none to name
 */
public record SendInfo(int pid, int tid, ThreadState state, int serverPid, int chid, int serverTid) {
}

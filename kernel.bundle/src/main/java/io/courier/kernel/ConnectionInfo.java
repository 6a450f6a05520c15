package io.courier.kernel;

/**
 * One connection in {@link Microkernel#connections()} ({@code pidin fd}).
 *
 * @param pid the process owning the connection
 * @param coid its connection id
 * @param serverPid the server process
 * @param chid the server's channel
 * @param scoid the server connection id
 */
public record ConnectionInfo(int pid, int coid, int serverPid, int chid, int scoid) {
}

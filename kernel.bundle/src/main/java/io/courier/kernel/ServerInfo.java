package io.courier.kernel;

/**
 * What {@link Kernel#connectServerInfo(int)} tells of the server behind a connection.
 *
 * @param pid the server's process id
 * @param chid the channel the connection is attached to
 * @param scoid the server connection id the server sees for this client
 */
public record ServerInfo(int pid, int chid, int scoid) {
}

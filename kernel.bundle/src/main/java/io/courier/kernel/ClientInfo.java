package io.courier.kernel;

/**
 * What {@link Kernel#connectClientInfo(int)} tells of a client ({@code struct _client_info}).
 *
 * @param pid the client's process id
 * @param uid the client's user id
 * @param gid the client's group id
 */
public record ClientInfo(int pid, int uid, int gid) {
}

package io.courier.kernel;

/**
 * What {@link Kernel#connectServerInfo(int)} tells of the server behind a connection.
 *
 * @param pid the server's process id
 * @param chid the channel the connection is attached to
 * @param scoid the server connection id the server sees for this client
 * @param nd the server's node as this kernel knows it: {@link Kernel#ND_LOCAL_NODE} for this
 *     node (any JVM of it), else the node descriptor of another node of the network (QNX's
 *     {@code _server_info.nd}), so that a client that found a server by a global name can
 *     {@code connectAttach(nd, pid, ...)} to its other channels
 */
public record ServerInfo(int pid, int chid, int scoid, int nd) {
    /** A server of this node. */
    public ServerInfo(int pid, int chid, int scoid) {
        this(pid, chid, scoid, Kernel.ND_LOCAL_NODE);
    }
}

package io.courier.kernel.internal;

/**
 * A client's connection (coid) to a channel; the calls on it are {@link Connections}'.
 *
 * <p>SPEC K2.
 */
final class Connection {
    final int coid;
    final Proc owner;
    final Channel channel;
    final ServerConn sconn;
    final int flags;
    /** Set when the server detached the scoid or the channel went away: sends fail with EBADF. */
    volatile boolean dead;

    Connection(int coid, Proc owner, Channel channel, ServerConn sconn, int flags) {
        this.coid = coid;
        this.owner = owner;
        this.channel = channel;
        this.sconn = sconn;
        this.flags = flags;
    }
}

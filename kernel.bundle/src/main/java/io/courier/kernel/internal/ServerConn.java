package io.courier.kernel.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The server's side of one client process's connections to one channel (the scoid). It lives
 * while the client holds a connection; after the last one goes, on a DISCONNECT channel it
 * stays until the server detaches the scoid. Guarded by the channel's lock.
 *
 * <p>SPEC K2, K12 (DISCONNECT).
 */
final class ServerConn {
    final Channel channel;
    final Proc client;
    int scoid;
    /** The client's coids on this channel. */
    final List<Connection> conns = new ArrayList<>(1);
    /** Waiting for the server's connectDetach(scoid) after a DISCONNECT pulse. */
    boolean zombie;

    ServerConn(Channel channel, Proc client) {
        this.channel = channel;
        this.client = client;
    }
}

package io.courier.kernel.internal;

import io.courier.kernel.ConnectFlags;
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
    /** Every connection of the client's here is NOEVENT: it takes no events (SPEC K17). */
    static final int NO_EVENTS = 1;
    /** A connection of the client's here is REG_EVENTS: it takes registered events only. */
    static final int REGISTERED_EVENTS_ONLY = 2;
    /** No longer the client's connection to the channel: detached, cut off or a zombie. */
    static final int GONE = 4;

    /** The client's coids on this channel; through {@link #add} and {@link #remove}. */
    final List<Connection> conns = new ArrayList<>(1);
    /** Waiting for the server's connectDetach(scoid) after a DISCONNECT pulse. */
    boolean zombie;
    /**
     * What {@code msgDeliverEvent} needs of these connections, in the bits above: written under
     * the channel's lock at each change, read without it, so that delivering an event to the
     * client of a message takes no lock to find its connection (issue 22: an event as fast as a
     * pulse).
     */
    private volatile int events;

    /** Adds one of the client's connections. Under the channel's lock. */
    void add(Connection c) {
        conns.add(c);
        events = eventsOf(conns);
    }

    /** Removes one of the client's connections; without any, the scoid is gone. Under the channel's lock. */
    void remove(Connection c) {
        conns.remove(c);
        events = conns.isEmpty() ? GONE : eventsOf(conns);
    }

    /** The scoid is no longer the client's connection to the channel. Under the channel's lock. */
    void gone() {
        events = GONE;
    }

    /** The bits above, read without the channel's lock. */
    int events() {
        return events;
    }

    private static int eventsOf(List<Connection> conns) {
        boolean noEvent = true;
        boolean regOnly = false;
        for (int i = 0; i < conns.size(); i++) {
            Connection c = conns.get(i);
            noEvent &= (c.flags & ConnectFlags.NOEVENT) != 0;
            regOnly |= (c.flags & ConnectFlags.REG_EVENTS) != 0;
        }
        return (noEvent ? NO_EVENTS : 0) | (regOnly ? REGISTERED_EVENTS_ONLY : 0);
    }

    ServerConn(Channel channel, Proc client) {
        this.channel = channel;
        this.client = client;
    }
}

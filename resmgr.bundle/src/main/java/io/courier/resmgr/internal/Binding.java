package io.courier.resmgr.internal;

import io.courier.resmgr.Ocb;

/** An OCB bound to one client fd: the client's server connection and coid, and the mount it opened. */
final class Binding {
    final long key;
    final int scoid;
    final int coid;
    final Ocb ocb;
    final Mount mount;

    Binding(int scoid, int coid, Ocb ocb, Mount mount) {
        this.key = key(scoid, coid);
        this.scoid = scoid;
        this.coid = coid;
        this.ocb = ocb;
        this.mount = mount;
    }

    /** The OCB table's key of a client fd. */
    static long key(int scoid, int coid) {
        return ((long) scoid << 32) | (coid & 0xFFFF_FFFFL);
    }
}

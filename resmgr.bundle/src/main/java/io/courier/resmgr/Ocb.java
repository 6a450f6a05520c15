package io.courier.resmgr;

import io.courier.kernel.ClientInfo;

/**
 * A per-open control block ({@code iofunc_ocb_t}): what one {@code open()} of an entry holds,
 * the entry's {@link IoAttr}, the open flags and the offset. The dispatch layer binds it to the
 * client's fd and frees it on {@code close()} or when the client goes away. A manager may extend
 * it and return its own from {@link ResmgrHandler#open}.
 *
 * <p>Guarded by the entry's lock ({@link IoAttr#lock()}), which the dispatch layer holds around
 * every handler call.
 */
public class Ocb {
    private final IoAttr attr;
    private int ioflag;
    private long offset;
    private ClientInfo client;

    /** An OCB on {@code attr} opened with {@code ioflag} ({@link OpenFlags}). */
    public Ocb(IoAttr attr, int ioflag) {
        this.attr = attr;
        this.ioflag = ioflag;
    }

    /** The entry. */
    public final IoAttr attr() {
        return attr;
    }

    /** The open flags. */
    public final int ioflag() {
        return ioflag;
    }

    /** Changes the flags other than the access mode ({@code DCMD_ALL_SETFLAGS}). */
    public final void ioflag(int flags) {
        ioflag = (ioflag & OpenFlags.O_ACCMODE) | (flags & ~OpenFlags.O_ACCMODE);
    }

    /** Whether the open allows reading. */
    public final boolean readable() {
        return OpenFlags.readable(ioflag);
    }

    /** Whether the open allows writing. */
    public final boolean writable() {
        return OpenFlags.writable(ioflag);
    }

    /** The offset of the next read or write. */
    public final long offset() {
        return offset;
    }

    /** Sets the offset of the next read or write. */
    public final void offset(long newOffset) {
        offset = newOffset;
    }

    /** The credentials of the client that opened it, once bound. */
    public final ClientInfo client() {
        return client;
    }

    /** Records the client; the dispatch layer's call when it binds the OCB. */
    public final void client(ClientInfo info) {
        client = info;
    }
}

package io.courier.kernel;

/**
 * What the kernel tells a server of a received message ({@code struct _msg_info}). Filled in
 * place by {@link Kernel#msgReceive} and returned by {@link Kernel#msgInfo}; not updated for
 * pulses.
 */
public final class MsgInfo {
    /** {@code _NTO_MI_UNBLOCK_REQ}: the client asked to unblock (set in {@link #flags()}). */
    public static final int UNBLOCK_REQ = 0x100;

    private int pid;
    private int tid;
    private int chid;
    private int scoid;
    private int coid;
    private int priority;
    private int flags;
    private int msglen;
    private int srcmsglen;
    private int dstmsglen;
    private int nd;

    /** An empty info, to be filled by the kernel. */
    public MsgInfo() {
    }

    /** The client's process id. */
    public int pid() {
        return pid;
    }

    /** The client's thread id. */
    public int tid() {
        return tid;
    }

    /** The channel the message arrived on. */
    public int chid() {
        return chid;
    }

    /** The server connection id of the client's connection. */
    public int scoid() {
        return scoid;
    }

    /** The client's connection id. */
    public int coid() {
        return coid;
    }

    /** The priority the message was sent at. */
    public int priority() {
        return priority;
    }

    /** Flags: {@link #UNBLOCK_REQ}. */
    public int flags() {
        return flags;
    }

    /** The bytes copied into the receive buffer. */
    public int msglen() {
        return msglen;
    }

    /** The bytes the client sent. */
    public int srcmsglen() {
        return srcmsglen;
    }

    /** The bytes the client's reply buffer can take. */
    public int dstmsglen() {
        return dstmsglen;
    }

    /**
     * The client's node ({@code nd}): {@link Kernel#ND_LOCAL_NODE} for a client of this node
     * (any JVM of it), else the node descriptor by which this node knows the client's node
     * ({@link Kernel#netmgrNdtostr} names it).
     */
    public int nd() {
        return nd;
    }

    /**
     * Sets the client's node; the kernel's use.
     *
     * @return this
     */
    public MsgInfo nd(int nd) {
        this.nd = nd;
        return this;
    }

    /**
     * Fills every field but the node (this node's, until {@link #nd(int)} says otherwise); the kernel's use.
     *
     * @return this
     */
    public MsgInfo set(int pid, int tid, int chid, int scoid, int coid, int priority, int flags, int msglen,
            int srcmsglen, int dstmsglen) {
        this.pid = pid;
        this.tid = tid;
        this.chid = chid;
        this.scoid = scoid;
        this.coid = coid;
        this.priority = priority;
        this.flags = flags;
        this.msglen = msglen;
        this.srcmsglen = srcmsglen;
        this.dstmsglen = dstmsglen;
        this.nd = Kernel.ND_LOCAL_NODE;
        return this;
    }

    @Override
    public String toString() {
        return "MsgInfo[nd=" + nd + ", pid=" + pid + ", tid=" + tid + ", chid=" + chid + ", scoid=" + scoid + ", coid=" + coid
                + ", priority=" + priority + ", flags=0x" + Integer.toHexString(flags) + ", msglen=" + msglen
                + ", srcmsglen=" + srcmsglen + ", dstmsglen=" + dstmsglen + "]";
    }
}

package io.courier.asyncmsg.internal;

import io.courier.asyncmsg.AsyncCallback;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.asyncmsg.AsyncStats;
import io.courier.asyncmsg.RecvBufCallback;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.ConnectFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link AsyncMessaging} for one process. Making it calls nothing; the process's state is found
 * (or made) on the first call and kept.
 */
public final class AsyncMessagingImpl implements AsyncMessaging {
    /** The longest name {@link #nameAttach} takes, as the kernel's. */
    static final int NAME_MAX = 255;

    private final Kernel kernel;
    /** The process's state; a racy cache of an immutable reference (its fields are final). */
    private AsyncProc proc;

    /** The view of {@code kernel}'s process. */
    public AsyncMessagingImpl(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    private AsyncProc proc() {
        AsyncProc p = proc;
        if (p == null || !p.alive()) {
            p = AsyncSystem.procOf(kernel);
            proc = p;
        }
        return p;
    }

    // ------------------------------------------------------------------ channels

    @Override
    public int channelCreate(int flags, int mode, int bufferSize, int maxNumBuffer, SigEvent event,
            RecvBufCallback recvbufCallback) {
        AsyncProc p = proc();
        if ((flags & ~ChannelFlags.ALL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown channel flags 0x" + Integer.toHexString(flags));
        }
        if ((mode & ~0777) != 0) {
            throw new KernelException(Errno.EINVAL, "mode 0" + Integer.toOctalString(mode) + " has bits outside 0777");
        }
        // 0: "don't allocate any buffers": the channel keeps no pool (see AsyncChannel).
        checkSizes("channel", bufferSize, maxNumBuffer, 0);
        if ((long) bufferSize * maxNumBuffer > MAX_CHANNEL_BYTES) {
            throw new KernelException(Errno.ENOMEM, bufferSize + " x " + maxNumBuffer
                    + " bytes of receive buffers exceed " + MAX_CHANNEL_BYTES);
        }
        p.sys.ensureGateway();
        int chid = kernel.channelCreate(flags | ChannelFlags.ASYNC);
        AsyncChannel ch = new AsyncChannel(p.sys, p, chid, flags | ChannelFlags.ASYNC, mode, bufferSize, maxNumBuffer,
                event, recvbufCallback);
        p.channels.put(chid, ch);
        if (!p.alive()) {
            // Lost a race with the process's death, whose hook may have missed this channel.
            p.channels.remove(chid, ch);
            ch.destroy();
            throw new KernelException(Errno.ESRCH, "process " + p.pid + " is dead");
        }
        return chid;
    }

    private static void checkSizes(String what, int bufferSize, int maxNumBuffer, int leastNumBuffer) {
        if (bufferSize < 1 || bufferSize > MAX_BUFFER_SIZE) {
            throw new KernelException(Errno.EINVAL, what + " buffer size " + bufferSize + " is outside 1.."
                    + MAX_BUFFER_SIZE);
        }
        if (maxNumBuffer < leastNumBuffer || maxNumBuffer > MAX_NUM_BUFFER) {
            throw new KernelException(Errno.EINVAL, what + " buffer count " + maxNumBuffer + " is outside "
                    + leastNumBuffer + ".." + MAX_NUM_BUFFER);
        }
    }

    @Override
    public void channelDestroy(int chid) {
        AsyncProc p = proc();
        AsyncChannel ch = p.channels.remove(chid);
        if (ch == null) {
            throw new KernelException(Errno.EINVAL, "no asynchronous channel " + chid + " in process " + p.pid);
        }
        ch.destroy();
        try {
            kernel.channelDestroy(chid);
        } catch (KernelException e) {
            // The kernel channel was destroyed behind this library's back; the asynchronous one is gone now too.
        }
    }

    private AsyncChannel channel(AsyncProc p, int chid) {
        AsyncChannel ch = p.channels.get(chid);
        if (ch == null || ch.isDestroyed()) {
            throw new KernelException(Errno.ESRCH, "no asynchronous channel " + chid + " in process " + p.pid);
        }
        return ch;
    }

    // ------------------------------------------------------------------ connections

    private static void checkAttr(AsyncConnectionAttr attr) {
        if (attr == null) {
            throw new KernelException(Errno.EINVAL, "connection attributes are null");
        }
        checkSizes("connection", attr.bufferSize(), attr.maxNumBuffer(), 1);
        if (attr.triggerNumMsg() < 0 || attr.triggerNumMsg() > attr.maxNumBuffer()) {
            throw new KernelException(Errno.EINVAL, "trigger count " + attr.triggerNumMsg() + " is outside 0.."
                    + attr.maxNumBuffer());
        }
        if (attr.triggerTimeNsec() < 0 || attr.triggerIntervalNsec() < 0 || attr.storeTimeNsec() < 0) {
            throw new KernelException(Errno.EINVAL, "negative trigger or store time in " + attr);
        }
    }

    private static void checkConnect(int index, int flags) {
        if (index != 0 && index != Kernel.SIDE_CHANNEL) {
            throw new KernelException(Errno.EINVAL, "bad index " + index + ": 0 or SIDE_CHANNEL");
        }
        if ((flags & ~ConnectFlags.ALL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown connect flags 0x" + Integer.toHexString(flags));
        }
    }

    @Override
    public int connectAttach(int nd, int pid, int chid, int index, int flags, AsyncConnectionAttr attr) {
        AsyncProc p = proc();
        if (nd != Kernel.ND_LOCAL_NODE) {
            if (kernel.microkernel().network() == null) {
                throw new KernelException(Errno.EINVAL, "node " + nd + ": this kernel joined no network");
            }
            checkConnect(index, flags);
            checkAttr(attr);
            if (pid <= 0) {
                throw new KernelException(Errno.ESRCH, "no process " + pid + " on node " + nd);
            }
            return connectRemote(p, NodeSender.toNode(p, nd, pid, chid), attr);
        }
        checkConnect(index, flags);
        checkAttr(attr);
        int target = pid == 0 ? p.pid : pid;
        Optional<Kernel> server = kernel.microkernel().process(target);
        if (server.isEmpty()) {
            int member = kernel.microkernel().nodeMemberOf(target);
            if (member >= 0) {
                return connectRemote(p, new NodeSender(p, target, chid, member), attr);
            }
            throw new KernelException(Errno.ESRCH, "no process " + target);
        }
        if (!server.get().isAlive()) {
            throw new KernelException(Errno.ENXIO, "process " + target + " is terminating");
        }
        AsyncProc sp = p.sys.proc(target);
        AsyncChannel ch = sp == null ? null : sp.channels.get(chid);
        if (ch == null || ch.isDestroyed()) {
            throw new KernelException(Errno.ESRCH, "no asynchronous channel " + chid + " in process " + target);
        }
        if (!ch.permits(kernel.credentials())) {
            throw new KernelException(Errno.EACCES, "mode 0" + Integer.toOctalString(ch.mode) + " of channel " + target
                    + "/" + chid + " refuses process " + p.pid);
        }
        Conn c = p.addConn(coid -> new Conn(p.sys, p, coid, attr, null));
        if (c.timed()) {
            p.sys.delivery.addTimed(c);
        }
        c.bind(ch);
        if (ch.isDestroyed()) {
            p.removeConn(c.coid);
            c.close();
            throw new KernelException(Errno.ESRCH, "channel " + target + "/" + chid + " was destroyed meanwhile");
        }
        return c.coid;
    }

    /**
     * A connection to a channel of another JVM of the node (issue 20, B2) or of another node
     * (issue 21, B3), through that JVM's gateway.
     */
    private static int connectRemote(AsyncProc p, NodeSender sender, AsyncConnectionAttr attr) {
        Conn c = p.addConn(coid -> new Conn(p.sys, p, coid, attr, null, sender, p.pid, coid));
        try {
            sender.attach(c);
        } catch (RuntimeException e) {
            p.removeConn(c.coid);
            c.close();
            throw e;
        }
        if (c.timed()) {
            p.sys.delivery.addTimed(c);
        }
        return c.coid;
    }

    @Override
    public void connectDetach(int coid) {
        AsyncProc p = proc();
        Conn c = p.removeConn(coid);
        if (c == null) {
            throw new KernelException(Errno.EINVAL, "no asynchronous connection " + coid + " in process " + p.pid);
        }
        c.close();
    }

    private static Conn conn(AsyncProc p, int coid) {
        Conn c = p.conn(coid);
        if (c == null) {
            throw new KernelException(Errno.EBADF, "no asynchronous connection " + coid + " in process " + p.pid);
        }
        return c;
    }

    @Override
    public AsyncConnectionAttr connectAttr(int coid) {
        return conn(proc(), coid).attr;
    }

    // ------------------------------------------------------------------ names

    static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new KernelException(Errno.EINVAL, "a name may not be empty");
        }
        if (name.length() > NAME_MAX) {
            throw new KernelException(Errno.ENAMETOOLONG, "a name has at most " + NAME_MAX + " characters");
        }
        if (name.indexOf('/') >= 0 || name.equals(".") || name.equals("..")) {
            throw new KernelException(Errno.EINVAL, "bad name '" + name + "': no '/', '.' or '..'");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new KernelException(Errno.EINVAL, "a name may not hold control characters");
            }
        }
    }

    @Override
    public void nameAttach(String name, int chid) {
        AsyncProc p = proc();
        checkName(name);
        AsyncChannel ch = p.channels.get(chid);
        if (ch == null || ch.isDestroyed()) {
            throw new KernelException(Errno.EINVAL, "no asynchronous channel " + chid + " in process " + p.pid);
        }
        p.sys.bindName(name, ch);
    }

    @Override
    public void nameDetach(String name) {
        AsyncProc p = proc();
        checkName(name);
        long now = System.nanoTime();
        for (AsyncChannel ch : p.channels.values()) {
            if (ch.names.contains(name) && p.sys.unbindName(name, ch, now)) {
                return;
            }
        }
        throw new KernelException(Errno.EINVAL, "process " + p.pid + " does not hold name '" + name + "'");
    }

    @Override
    public int nameOpen(String name, int flags, AsyncConnectionAttr attr) {
        AsyncProc p = proc();
        checkName(name);
        checkConnect(0, flags);
        checkAttr(attr);
        return p.sys.openName(p, name, attr).coid;
    }

    @Override
    public List<NameInfo> names() {
        return proc().sys.names();
    }

    // ------------------------------------------------------------------ sending

    @Override
    public void put(int coid, ByteBuffer msg, long handle, AsyncCallback callback) {
        Conn c = conn(proc(), coid);
        if (msg == null) {
            throw new KernelException(Errno.EFAULT, "message buffer is null");
        }
        c.put(msg, msg.position(), msg.remaining(), handle, callback);
    }

    @Override
    public void putv(int coid, ByteBuffer[] iov, long handle, AsyncCallback callback) {
        Conn c = conn(proc(), coid);
        if (iov == null) {
            throw new KernelException(Errno.EFAULT, "iov is null");
        }
        long total = 0;
        for (ByteBuffer b : iov) {
            if (b == null) {
                throw new KernelException(Errno.EFAULT, "iov holds a null buffer");
            }
            total += b.remaining();
        }
        c.put(iov, 0, (int) Math.min(total, Integer.MAX_VALUE), handle, callback);
    }

    @Override
    public void flush(int coid, int mode) {
        Conn c = conn(proc(), coid);
        if (mode != 0 && mode != FLUSH_NONBLOCK) {
            throw new KernelException(Errno.EINVAL, "flush mode " + mode + ": 0 or FLUSH_NONBLOCK");
        }
        c.flush(mode);
    }

    // ------------------------------------------------------------------ receiving

    @Override
    public AsyncMsgHeader get(int chid) {
        AsyncProc p = proc();
        return channel(p, chid).get(-1);
    }

    @Override
    public AsyncMsgHeader get(int chid, Duration timeout) {
        AsyncProc p = proc();
        if (timeout == null || timeout.isNegative()) {
            throw new KernelException(Errno.EINVAL, "a timeout must be zero or more");
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        return channel(p, chid).get(nanos);
    }

    @Override
    public void free(AsyncMsgHeader header) {
        if (header == null) {
            return;
        }
        AsyncProc p = proc();
        if (!(header instanceof Header h) || h.channel.owner != p) {
            throw new KernelException(Errno.EINVAL, "not a header of process " + p.pid);
        }
        h.channel.free(h);
    }

    @Override
    public ByteBuffer malloc(int size) {
        proc();
        if (size < 1) {
            throw new KernelException(Errno.EINVAL, "size " + size + " is below 1");
        }
        if (size > MAX_BUFFER_SIZE) {
            throw new KernelException(Errno.ENOMEM, "size " + size + " is above " + MAX_BUFFER_SIZE);
        }
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    @Override
    public AsyncStats stats() {
        return proc().sys.snapshot();
    }

    @Override
    public String toString() {
        return "AsyncMessaging[" + kernel + "]";
    }
}

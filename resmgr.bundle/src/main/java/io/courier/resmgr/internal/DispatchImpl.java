package io.courier.resmgr.internal;

import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import io.courier.resmgr.Dispatch;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoConnectExtLayout;
import io.courier.resmgr.IoDevctlLayout;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.IoLseekLayout;
import io.courier.resmgr.IoNotifyLayout;
import io.courier.resmgr.IoReadLayout;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.ResmgrHandler;
import io.courier.resmgr.Stat;
import io.courier.resmgr.StatLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manager's channel and the dispatch layer on it: receives messages and pulses, turns
 * {@code _IO_CONNECT} into OCBs bound to client fds, and the other {@code _IO_*} messages into
 * handler calls with the iofunc checks around them; frees a client's OCBs on its DISCONNECT
 * pulse and routes UNBLOCK pulses to delayed answers.
 */
final class DispatchImpl implements Dispatch {
    private static final Logger LOG = LoggerFactory.getLogger(DispatchImpl.class);
    private static final long JOIN_MILLIS = 5_000;
    private static final int DEVCTL_REPLY_MAX = 64 * 1024;

    private final Kernel kernel;
    private final int chid;
    private final String name;
    private final Map<Integer, Mount> mounts = new ConcurrentHashMap<>();
    /** The hot path's table: client fd (scoid, coid) to its OCB. */
    private final OcbTable ocbs = new OcbTable();
    /** The OCBs of each client (scoid), for DISCONNECT; guarded by {@link #book} together with {@link #ocbs}' updates. */
    private final Map<Integer, List<Binding>> byClient = new ConcurrentHashMap<>();
    private final Object book = new Object();
    private final Map<Long, DelayedReplyImpl> delayed = new ConcurrentHashMap<>();
    private final Map<Integer, LongConsumer> pulseHandlers = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder handled = new LongAdder();
    private final LongAdder failures = new LongAdder();

    /** {@code dispatch_create()} for {@code kernel}'s process; {@code name} names its threads. */
    DispatchImpl(Kernel kernel, String name) {
        this.kernel = kernel;
        this.name = name;
        this.chid = kernel.channelCreate(ChannelFlags.DISCONNECT | ChannelFlags.UNBLOCK);
        kernel.atExit(this::close);
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    @Override
    public int chid() {
        return chid;
    }

    boolean isClosed() {
        return closed.get();
    }

    void mounted(Mount m) {
        mounts.put(m.id, m);
    }

    void unmounted(Mount m) {
        mounts.remove(m.id, m);
    }

    // ------------------------------------------------------------------ threads

    @Override
    public Dispatch start(int count) {
        return start(count, Thread.ofPlatform().daemon().name("resmgr-" + name + "-", 0).factory());
    }

    @Override
    public Dispatch start(int count, ThreadFactory factory) {
        if (count < 1 || factory == null) {
            throw new KernelException(Errno.EINVAL, "a thread pool needs at least one thread and a factory");
        }
        if (closed.get()) {
            throw new KernelException(Errno.EBADF, "the dispatch is closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new KernelException(Errno.EBUSY, "the dispatch's threads are started already");
        }
        for (int i = 0; i < count; i++) {
            Thread t = factory.newThread(this::serve);
            threads.add(t);
            t.start();
        }
        return this;
    }

    /** A pool thread: handles messages until the channel goes. Never dies of a handler's exception. */
    private void serve() {
        ContextImpl c = new ContextImpl(this);
        while (handle(c)) {
            // each round handles one message or pulse
        }
    }

    @Override
    public boolean handleOne() {
        return handle(new ContextImpl(this));
    }

    @Override
    public void pulseAttach(int code, LongConsumer handler) {
        if (code < PulseCode.MINAVAIL || code > PulseCode.MAXAVAIL || handler == null) {
            throw new KernelException(Errno.EINVAL, "pulse code " + code + " is outside 0..127");
        }
        pulseHandlers.put(code, handler);
    }

    @Override
    public int ocbs() {
        return ocbs.size();
    }

    @Override
    public long handled() {
        return handled.sum();
    }

    @Override
    public long failures() {
        return failures.sum();
    }

    // ------------------------------------------------------------------ the loop

    /** Receives and handles one message or pulse; false when the channel is gone. */
    boolean handle(ContextImpl c) {
        long rcvid;
        try {
            c.buf.clear();
            rcvid = kernel.msgReceive(chid, c.buf, c.info);
        } catch (KernelException e) {
            if (closed.get() || !kernel.isAlive() || e.errno() == Errno.ESRCH || e.errno() == Errno.EBADF) {
                return false;
            }
            LOG.debug("receive on {} failed: {}", name, e.getMessage());
            return true;
        }
        if (rcvid == 0) {
            pulse(c);
            return true;
        }
        handled.increment();
        c.begin(rcvid);
        try {
            message(c);
        } catch (KernelException e) {
            c.fail(e.errno());
        } catch (RuntimeException | Error e) {
            failures.increment();
            LOG.warn("a handler of {} failed; the client gets EIO", name, e);
            c.fail(Errno.EIO);
        }
        DelayedReplyImpl pending = c.unblockPending;
        if (pending != null && !pending.answered()) {
            unblock(pending);
        }
        return true;
    }

    /** Checks the message against its type's layout (SPEC R2), then hands it on. */
    private void message(ContextImpl c) {
        ByteBuffer m = c.received();
        int type = MessageRules.check(m, c.info.srcmsglen());
        if (type == IoMsg.IO_CONNECT) {
            connect(c, m);
        } else {
            io(c, m, type);
        }
    }

    // ------------------------------------------------------------------ I/O messages

    private void io(ContextImpl c, ByteBuffer m, int type) {
        Binding b = ocbs.get(Binding.key(c.info.scoid(), c.info.coid()));
        if (b == null) {
            throw new KernelException(Errno.EBADF, "connection " + c.info.coid() + " has no open file here");
        }
        c.binding = b;
        Ocb ocb = b.ocb;
        ResmgrHandler h = b.mount.handler;
        IoAttr attr = ocb.attr();
        attr.lock();
        try {
            switch (type) {
                case IoMsg.IO_READ -> read(c, m, h, ocb);
                case IoMsg.IO_WRITE -> write(c, m, h, ocb);
                case IoMsg.IO_LSEEK -> lseek(c, m, h, ocb);
                case IoMsg.IO_DEVCTL -> devctl(c, m, h, ocb);
                case IoMsg.IO_STAT -> replyStat(c, h.stat(c, ocb));
                case IoMsg.IO_NOTIFY -> notify(c, m, h, ocb);
                case IoMsg.IO_CLOSE -> {
                    if (unbind(b)) {
                        free(b);
                    }
                    c.reply(0, null);
                }
                default -> {
                    if (type <= IoMsg.IO_MAX) {
                        throw new KernelException(Errno.ENOSYS, "message type 0x" + Integer.toHexString(type));
                    }
                    h.msg(c, ocb);
                    if (!c.answered()) {
                        c.reply(0, null);
                    }
                }
            }
        } finally {
            attr.unlock();
        }
    }

    private static void read(ContextImpl c, ByteBuffer m, ResmgrHandler h, Ocb ocb) {
        if (!ocb.readable()) {
            throw new KernelException(Errno.EBADF, "not open for reading");
        }
        int nbytes = IoReadLayout.nbytes(m, 0);
        ByteBuffer data = h.read(c, ocb, nbytes);
        if (data != null && !c.answered()) {
            c.replyRead(data, nbytes);
        }
    }

    private static void write(ContextImpl c, ByteBuffer m, ResmgrHandler h, Ocb ocb) {
        if (!ocb.writable()) {
            throw new KernelException(Errno.EBADF, "not open for writing");
        }
        // MessageRules made sure that the client sent all nbytes.
        int written = h.write(c, ocb, IoWriteLayout.nbytes(m, 0));
        if (!c.answered()) {
            c.reply(written, null);
        }
    }

    private static void lseek(ContextImpl c, ByteBuffer m, ResmgrHandler h, Ocb ocb) {
        long to = h.lseek(c, ocb, IoLseekLayout.offset(m, 0), IoLseekLayout.whence(m, 0));
        if (!c.answered()) {
            IoLseekLayout.putReply(c.small.clear(), 0, to);
            c.reply(0, c.small.clear().limit(IoLseekLayout.REPLY_SIZE));
        }
    }

    private static void devctl(ContextImpl c, ByteBuffer m, ResmgrHandler h, Ocb ocb) {
        int dcmd = IoDevctlLayout.dcmd(m, 0);
        int n = IoDevctlLayout.nbytes(m, 0);
        ByteBuffer data;
        if (IoDevctlLayout.SIZE + n <= m.limit()) {
            data = c.devctlData(IoDevctlLayout.SIZE, n);
        } else {
            ByteBuffer all = ByteBuffer.allocate(n);
            c.msgRead(all, IoDevctlLayout.SIZE);
            data = all.flip().asReadOnlyBuffer();
        }
        int room = Math.min(DEVCTL_REPLY_MAX, Math.max(0, c.info.dstmsglen() - IoDevctlLayout.REPLY_SIZE));
        ByteBuffer reply = c.devctlReply(room);
        int ret = h.devctl(c, ocb, dcmd, data, reply);
        if (!c.answered()) {
            reply.flip();
            IoDevctlLayout.putReply(c.header.clear(), 0, ret, reply.remaining());
            c.replyv(0, c.header.clear(), reply);
        }
    }

    private static void notify(ContextImpl c, ByteBuffer m, ResmgrHandler h, Ocb ocb) {
        SigEvent event = IoNotifyLayout.event(m, 0);
        int met = h.notify(c, ocb, IoNotifyLayout.action(m, 0), IoNotifyLayout.flags(m, 0), event);
        if (!c.answered()) {
            IoNotifyLayout.putReply(c.small.clear(), 0, met);
            c.reply(0, c.small.clear().limit(IoNotifyLayout.REPLY_SIZE));
        }
    }

    private static void replyStat(ContextImpl c, Stat st) {
        if (!c.answered()) {
            StatLayout.put(c.small.clear(), 0, st);
            c.reply(0, c.small.clear().limit(StatLayout.SIZE));
        }
    }

    // ------------------------------------------------------------------ connect messages

    private void connect(ContextImpl c, ByteBuffer m) {
        int pathLen = IoConnectExtLayout.pathLen(m, 0);
        String rel = IoConnectLayout.path(m);
        PathNames.checkRelative(rel);
        Mount mount = mounts.get(IoConnectExtLayout.handle(m, 0));
        if (mount == null || !mount.attached() || (!mount.isDir() && !rel.isEmpty())) {
            throw new KernelException(Errno.ENOENT, "no " + rel + " here");
        }
        int ioflag = IoConnectExtLayout.ioflag(m, 0);
        int mode = IoConnectExtLayout.mode(m, 0);
        switch (IoConnectExtLayout.subtype(m, 0)) {
            case IoConnectLayout.SUBTYPE_OPEN, IoConnectLayout.SUBTYPE_COMBINE -> open(c, mount, rel, ioflag, mode);
            case IoConnectLayout.SUBTYPE_COMBINE_CLOSE -> combinedStat(c, m, mount, rel, pathLen);
            case IoConnectExtLayout.SUBTYPE_MKNOD -> mkdir(c, mount, rel, mode);
            case IoConnectExtLayout.SUBTYPE_UNLINK -> unlink(c, mount, rel);
            default -> throw new KernelException(Errno.ENOSYS, "connect subtype " + IoConnectExtLayout.subtype(m, 0));
        }
    }

    private static IoAttr lookup(ContextImpl c, Mount mount, String rel) {
        return mount.handler.lookup(c, mount.attr, rel);
    }

    /** The directory {@code rel}'s last component would be made in, checked for W and X. */
    private static IoAttr parentDir(ContextImpl c, Mount mount, String rel) {
        IoAttr dir = lookup(c, mount, PathNames.relativeParent(rel));
        if (dir == null) {
            throw new KernelException(Errno.ENOENT, "no directory for " + rel);
        }
        if (!dir.isDirectory()) {
            throw new KernelException(Errno.ENOTDIR, "not a directory: " + PathNames.relativeParent(rel));
        }
        IoFunc.checkAccess(c.client(), dir, IoFunc.W_OK | IoFunc.X_OK);
        return dir;
    }

    private void open(ContextImpl c, Mount mount, String rel, int ioflag, int mode) {
        if ((ioflag & ~OpenFlags.ALL) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown open flags 0x" + Integer.toHexString(ioflag));
        }
        ResmgrHandler h = mount.handler;
        IoAttr attr = lookup(c, mount, rel);
        boolean created = false;
        if (attr == null) {
            if ((ioflag & OpenFlags.O_CREAT) == 0 || rel.isEmpty()) {
                throw new KernelException(Errno.ENOENT, "no " + rel + " here");
            }
            IoAttr dir = parentDir(c, mount, rel);
            dir.lock();
            try {
                attr = h.create(c, dir, PathNames.lastName(rel), (mode & Mode.PERMS) | Mode.S_IFREG);
            } finally {
                dir.unlock();
            }
            if (attr == null) {
                throw new KernelException(Errno.ENOENT, "the manager made no " + rel);
            }
            created = true;
        } else if ((ioflag & (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) == (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) {
            throw new KernelException(Errno.EEXIST, rel + " exists");
        }
        if (!created) {
            IoFunc.checkAccess(c.client(), attr, IoFunc.accessFor(ioflag));
        }
        if (attr.isDirectory() && OpenFlags.writable(ioflag)) {
            throw new KernelException(Errno.EISDIR, "a directory is not written");
        }
        attr.lock();
        try {
            Ocb ocb = h.open(c, attr, ioflag);
            if (ocb == null) {
                throw new KernelException(Errno.ENOENT, "the manager opened no " + rel);
            }
            bind(c, mount, ocb);
        } finally {
            attr.unlock();
        }
        c.reply(0, null);
    }

    private void combinedStat(ContextImpl c, ByteBuffer m, Mount mount, String rel, int pathLen) {
        // MessageRules checked the combined message against its own layout.
        if (Native.u16(m, IoConnectExtLayout.combinedOffset(pathLen)) != IoMsg.IO_STAT) {
            throw new KernelException(Errno.ENOSYS, "only _IO_STAT combines with a connect here");
        }
        IoAttr attr = lookup(c, mount, rel);
        if (attr == null) {
            throw new KernelException(Errno.ENOENT, "no " + rel + " here");
        }
        // An open for no access: stat needs no read permission.
        Ocb ocb = new Ocb(attr, OpenFlags.O_ACCMODE);
        attr.lock();
        try {
            replyStat(c, mount.handler.stat(c, ocb));
        } finally {
            attr.unlock();
        }
    }

    private static void mkdir(ContextImpl c, Mount mount, String rel, int mode) {
        if (rel.isEmpty() || lookup(c, mount, rel) != null) {
            throw new KernelException(Errno.EEXIST, "/" + rel + " exists");
        }
        IoAttr dir = parentDir(c, mount, rel);
        dir.lock();
        try {
            mount.handler.mkdir(c, dir, PathNames.lastName(rel), (mode & Mode.PERMS) | Mode.S_IFDIR);
        } finally {
            dir.unlock();
        }
        c.reply(0, null);
    }

    private static void unlink(ContextImpl c, Mount mount, String rel) {
        IoAttr entry = lookup(c, mount, rel);
        if (entry == null) {
            throw new KernelException(Errno.ENOENT, "no " + rel + " here");
        }
        if (rel.isEmpty()) {
            throw new KernelException(Errno.EBUSY, "a mount point is not unlinked; detach it");
        }
        IoAttr dir = parentDir(c, mount, rel);
        dir.lock();
        try {
            mount.handler.unlink(c, dir, PathNames.lastName(rel), entry);
        } finally {
            dir.unlock();
        }
        c.reply(0, null);
    }

    // ------------------------------------------------------------------ OCB bookkeeping

    private void bind(ContextImpl c, Mount mount, Ocb ocb) {
        Binding b = new Binding(c.info.scoid(), c.info.coid(), ocb, mount);
        ocb.client(c.client());
        ocb.attr().ocbAttach();
        Binding old;
        synchronized (book) {
            old = ocbs.put(b);
            List<Binding> mine = byClient.computeIfAbsent(b.scoid, k -> new ArrayList<>());
            if (old != null) {
                mine.remove(old);
            }
            mine.add(b);
        }
        if (old != null) {
            // The client reused an fd it detached without close(): the old open is over.
            free(old);
        }
    }

    /** Takes {@code b} out of the tables; false when it was out already. */
    private boolean unbind(Binding b) {
        synchronized (book) {
            if (!ocbs.remove(b)) {
                return false;
            }
            List<Binding> mine = byClient.get(b.scoid);
            if (mine != null) {
                mine.remove(b);
                if (mine.isEmpty()) {
                    byClient.remove(b.scoid);
                }
            }
            return true;
        }
    }

    /** {@code close_ocb}: the handler's close, then the count; under the entry's lock. */
    private void free(Binding b) {
        IoAttr attr = b.ocb.attr();
        attr.lock();
        try {
            b.mount.handler.close(b.ocb);
        } catch (RuntimeException | Error e) {
            failures.increment();
            LOG.warn("close of an OCB of {} failed", name, e);
        } finally {
            attr.ocbDetach();
            attr.unlock();
        }
    }

    void delay(DelayedReplyImpl d) {
        delayed.put(d.rcvid(), d);
    }

    void undelay(DelayedReplyImpl d) {
        delayed.remove(d.rcvid(), d);
    }

    // ------------------------------------------------------------------ pulses

    private void pulse(ContextImpl c) {
        Pulse p = Pulse.from(c.buf.flip());
        switch (p.code()) {
            case PulseCode.DISCONNECT -> disconnect((int) p.value());
            case PulseCode.UNBLOCK -> {
                DelayedReplyImpl d = delayed.get(p.value());
                // Not delayed: being served right now, or answered; the answer will come.
                if (d != null) {
                    unblock(d);
                }
            }
            default -> {
                LongConsumer h = pulseHandlers.get(p.code());
                if (h != null) {
                    try {
                        h.accept(p.value());
                    } catch (RuntimeException | Error e) {
                        failures.increment();
                        LOG.warn("a pulse handler of {} failed", name, e);
                    }
                }
            }
        }
    }

    /** A client has no connection left (closed, or died even mid-request): free its OCBs and its scoid. */
    private void disconnect(int scoid) {
        List<Binding> gone;
        synchronized (book) {
            gone = byClient.remove(scoid);
            if (gone != null) {
                for (Binding b : gone) {
                    ocbs.remove(b);
                }
            }
        }
        delayed.values().removeIf(d -> {
            if (d.binding != null && d.binding.scoid == scoid) {
                d.drop();
                return true;
            }
            return false;
        });
        if (gone != null) {
            for (Binding b : gone) {
                free(b);
            }
        }
        try {
            kernel.connectDetach(scoid);
        } catch (KernelException e) {
            LOG.debug("scoid {} of {} was freed already: {}", scoid, name, e.getMessage());
        }
    }

    private void unblock(DelayedReplyImpl d) {
        Ocb ocb = d.ocb();
        IoAttr attr = ocb == null ? null : ocb.attr();
        if (attr != null) {
            attr.lock();
        }
        try {
            ResmgrHandler h = d.binding != null ? d.binding.mount.handler : null;
            if (h != null) {
                h.unblock(d);
            } else {
                d.cancel();
            }
        } catch (KernelException e) {
            LOG.debug("unblock of rcvid {} on {}: {}", d.rcvid(), name, e.getMessage());
        } catch (RuntimeException | Error e) {
            failures.increment();
            LOG.warn("an unblock handler of {} failed", name, e);
        } finally {
            if (attr != null) {
                attr.unlock();
            }
        }
    }

    // ------------------------------------------------------------------ life

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Mount m : List.copyOf(mounts.values())) {
            m.space.detach(m);
        }
        try {
            kernel.channelDestroy(chid);
        } catch (KernelException e) {
            // The process died and took the channel with it.
            LOG.debug("channel {} of {} is gone already", chid, name);
        }
        Thread me = Thread.currentThread();
        for (Thread t : threads) {
            if (t != me) {
                try {
                    t.join(JOIN_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (t.isAlive()) {
                    LOG.warn("thread {} of {} did not stop", t.getName(), name);
                }
            }
        }
        List<Binding> all;
        synchronized (book) {
            all = ocbs.values();
            ocbs.clear();
            byClient.clear();
        }
        for (Binding b : all) {
            free(b);
        }
        delayed.values().forEach(DelayedReplyImpl::drop);
        delayed.clear();
    }

    @Override
    public String toString() {
        return "Dispatch[" + name + " pid " + kernel.pid() + " chid " + chid + "]";
    }
}

package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.SigEvent;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.DirentLayout;
import io.courier.resmgr.Dispatch;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoCloseLayout;
import io.courier.resmgr.IoConnectExtLayout;
import io.courier.resmgr.IoDevctlLayout;
import io.courier.resmgr.IoLseekLayout;
import io.courier.resmgr.IoNotifyLayout;
import io.courier.resmgr.IoReadLayout;
import io.courier.resmgr.IoStatLayout;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.MountInfo;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrAttachment;
import io.courier.resmgr.ResmgrHandler;
import io.courier.resmgr.ShmemDirectory;
import io.courier.resmgr.Stat;
import io.courier.resmgr.StatLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link Resmgr} for one process: resolution in the pathname space of the process's system,
 * {@code _IO_*} messages for the fd calls, and attachments served by {@link DispatchImpl}s.
 */
public class ResmgrImpl implements Resmgr {
    /** Per-thread message headers for the fd calls: the common path makes no garbage. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final int DIR_BUFFER = 4096;

    private static final class Scratch {
        final ByteBuffer header = ByteBuffer.allocate(64);
        final ByteBuffer reply = ByteBuffer.allocate(64);
        final ByteBuffer replyHeader = ByteBuffer.allocate(16);
        final ByteBuffer[] two = new ByteBuffer[2];
        final ByteBuffer[] one = new ByteBuffer[1];
        final ByteBuffer[] replyTwo = new ByteBuffer[2];
        final ByteBuffer[] replyOne = new ByteBuffer[1];
    }

    private final Kernel kernel;
    private PathSpace space;

    /** The view of {@code kernel}'s process; it makes no kernel call until used. */
    public ResmgrImpl(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    /** The pathname space of {@code mk}, as {@link io.courier.resmgr.Resmgr#mounts} shows it. */
    public static List<MountInfo> mounts(Microkernel mk) {
        return PathSpace.mounts(mk);
    }

    private synchronized PathSpace space() {
        if (space == null) {
            space = PathSpace.of(kernel);
        }
        return space;
    }

    // ------------------------------------------------------------------ managers

    @Override
    public Dispatch dispatchCreate() {
        space();
        return new DispatchImpl(kernel, kernel.name());
    }

    @Override
    public ResmgrAttachment resmgrAttach(String path, ResmgrHandler handler) {
        return resmgrAttach(path, 0,
                new IoAttr(Mode.S_IFCHR | 0666, kernel.credentials().uid(), kernel.credentials().gid()), handler);
    }

    @Override
    public ResmgrAttachment resmgrAttach(String path, int flags, IoAttr attr, ResmgrHandler handler) {
        PathSpace s = space();
        DispatchImpl d = new DispatchImpl(kernel, kernel.name());
        try {
            Mount m = s.attach(d, path, flags, attr, handler, true);
            d.start(1);
            return m;
        } catch (KernelException e) {
            d.close();
            throw e;
        }
    }

    @Override
    public ResmgrAttachment resmgrAttach(Dispatch dispatch, String path, int flags, IoAttr attr,
            ResmgrHandler handler) {
        if (!(dispatch instanceof DispatchImpl d) || d.kernel() != kernel) {
            throw new KernelException(Errno.EINVAL, "not a dispatch of process " + kernel.pid());
        }
        if (d.isClosed()) {
            throw new KernelException(Errno.EBADF, "the dispatch is closed");
        }
        return space().attach(d, path, flags, attr, handler, false);
    }

    @Override
    public void resmgrDetach(ResmgrAttachment attachment) {
        if (!(attachment instanceof Mount m) || m.owner != kernel) {
            throw new KernelException(Errno.EINVAL, "not an attachment of process " + kernel.pid());
        }
        if (!m.space.detach(m)) {
            throw new KernelException(Errno.EINVAL, "detached already: " + attachment);
        }
        if (m.ownsDispatch) {
            m.dispatch.close();
        }
    }

    @Override
    public ShmemDirectory.Registration shmemDirectoryAttach(ShmemDirectory directory) {
        return space().registerShmem(kernel, directory);
    }

    // ------------------------------------------------------------------ open and the connect messages

    @Override
    public int open(String path, int oflag) {
        return open(path, oflag, 0666);
    }

    @Override
    public int open(String path, int oflag, int mode) {
        if ((oflag & ~OpenFlags.ALL) != 0 || (oflag & OpenFlags.O_ACCMODE) == OpenFlags.O_ACCMODE) {
            throw new KernelException(Errno.EINVAL, "bad open flags 0x" + Integer.toHexString(oflag));
        }
        String p = PathNames.normalize(path);
        int fd = openName(p, oflag, mode);
        if (fd >= 0) {
            return fd;
        }
        return (int) connect(p, IoConnectLayout.SUBTYPE_OPEN, oflag, mode, true);
    }

    /** {@code /dev/name/local/NAME}: a connection to the server that attached NAME, or -1. */
    private int openName(String p, int oflag, int mode) {
        if (!PathNames.parent(p).equals(PathSpace.NAMES_DIR)) {
            return -1;
        }
        String name = PathNames.lastName(p);
        for (NameInfo n : kernel.microkernel().names()) {
            if (n.name().equals(name)) {
                int fd = kernel.connectAttach(Kernel.ND_LOCAL_NODE, n.pid(), n.chid(), 0, 0);
                ByteBuffer msg = ByteBuffer.allocate(IoConnectLayout.size(name));
                IoConnectLayout.write(msg, IoConnectLayout.SUBTYPE_OPEN, IoConnectLayout.FTYPE_NAME, oflag, mode, name);
                try {
                    kernel.msgSend(fd, msg.flip(), null);
                } catch (KernelException e) {
                    detachQuietly(fd);
                    throw e;
                }
                return fd;
            }
        }
        return -1;
    }

    /**
     * Sends a connect message to each manager {@code p} resolves to until one does not answer
     * ENOENT (or goes away meanwhile). For OPEN it returns the fd; for a combined stat, the
     * {@link Stat}'s bytes are left in the per-thread reply buffer and 0 is returned.
     */
    private long connect(String p, int subtype, int ioflag, int mode, boolean keep) {
        KernelException first = null;
        for (PathSpace.Candidate c : candidates(p)) {
            try {
                return connectTo(c, subtype, ioflag, mode, keep);
            } catch (KernelException e) {
                if (!passesOn(e)) {
                    throw e;
                }
                if (first == null && e.errno() != Errno.ENOENT) {
                    first = e;
                }
                if (c.target().isOpaque() && e.errno() == Errno.ENOENT) {
                    break;
                }
            }
        }
        throw new KernelException(Errno.ENOENT, "no such file or directory: " + p);
    }

    /** The managers {@code p} (canonical) resolves to: in this node's pathname space, or under {@code /net} in another node's. */
    private List<PathSpace.Candidate> candidates(String p) {
        return NetPaths.isNet(p) ? NetPaths.resolve(kernel, space(), p) : space().resolve(p);
    }

    /** Errors after which resolution tries the next manager: ENOENT, or a manager that went away. */
    private static boolean passesOn(KernelException e) {
        Errno x = e.errno();
        return x == Errno.ENOENT || x == Errno.ESRCH || x == Errno.EBADF || x == Errno.ENXIO;
    }

    private long connectTo(PathSpace.Candidate c, int subtype, int ioflag, int mode, boolean keep) {
        Target m = c.target();
        int coid = kernel.connectAttach(m.nd(), m.pid(), m.chid(), keep ? 0 : Kernel.SIDE_CHANNEL, 0);
        boolean ok = false;
        try {
            String rel = c.rel();
            int size = IoConnectLayout.size(rel);
            boolean stat = subtype == IoConnectLayout.SUBTYPE_COMBINE_CLOSE;
            int statAt = IoConnectExtLayout.combinedOffset(size - IoConnectLayout.HEADER_SIZE);
            ByteBuffer msg = ByteBuffer.allocate(stat ? statAt + IoStatLayout.SIZE : size);
            IoConnectLayout.write(msg, subtype, IoConnectLayout.FTYPE_ANY, ioflag, mode, rel);
            IoConnectExtLayout.putHandle(msg, 0, m.handle());
            ByteBuffer reply = null;
            if (stat) {
                IoConnectExtLayout.putExtra(msg, 0, IoMsg.IO_STAT, IoStatLayout.SIZE);
                IoStatLayout.put(msg, statAt);
                msg.position(statAt + IoStatLayout.SIZE);
                reply = SCRATCH.get().reply.clear().limit(StatLayout.SIZE);
            }
            kernel.msgSend(coid, msg.flip(), reply);
            ok = true;
            return coid;
        } finally {
            if (!ok || !keep) {
                detachQuietly(coid);
            }
        }
    }

    private void detachQuietly(int coid) {
        try {
            kernel.connectDetach(coid);
        } catch (KernelException e) {
            // Gone already.
        }
    }

    @Override
    public Stat stat(String path) {
        String p = PathNames.normalize(path);
        connect(p, IoConnectLayout.SUBTYPE_COMBINE_CLOSE, OpenFlags.O_ACCMODE, 0, false);
        return StatLayout.get(SCRATCH.get().reply.clear(), 0);
    }

    @Override
    public void mkdir(String path, int mode) {
        String p = PathNames.normalize(path);
        connect(p, IoConnectExtLayout.SUBTYPE_MKNOD, 0, Mode.S_IFDIR | (mode & Mode.PERMS), false);
    }

    @Override
    public void unlink(String path) {
        String p = PathNames.normalize(path);
        connect(p, IoConnectExtLayout.SUBTYPE_UNLINK, 0, 0, false);
    }

    // ------------------------------------------------------------------ the fd calls

    @Override
    public int read(int fd, ByteBuffer buf) {
        if (buf == null || buf.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "read needs a writable buffer");
        }
        ByteBuffer h = SCRATCH.get().header;
        IoReadLayout.put(h.clear(), 0, buf.remaining());
        return kernel.msgSend(fd, h.clear().limit(IoReadLayout.SIZE), buf);
    }

    @Override
    public int write(int fd, ByteBuffer buf) {
        if (buf == null) {
            throw new KernelException(Errno.EFAULT, "write needs a buffer");
        }
        Scratch s = SCRATCH.get();
        IoWriteLayout.put(s.header.clear(), 0, buf.remaining());
        s.two[0] = s.header.clear().limit(IoWriteLayout.SIZE);
        s.two[1] = buf;
        try {
            return kernel.msgSendv(fd, s.two, null);
        } finally {
            s.two[1] = null;
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        Scratch s = SCRATCH.get();
        IoLseekLayout.put(s.header.clear(), 0, offset, whence);
        ByteBuffer r = s.reply.clear().limit(IoLseekLayout.REPLY_SIZE);
        kernel.msgSend(fd, s.header.clear().limit(IoLseekLayout.SIZE), r);
        return IoLseekLayout.replyOffset(s.reply.clear(), 0);
    }

    @Override
    public int devctl(int fd, int dcmd, ByteBuffer data, ByteBuffer reply) {
        if (reply != null && reply.isReadOnly()) {
            throw new KernelException(Errno.EFAULT, "the reply buffer is read-only");
        }
        Scratch s = SCRATCH.get();
        IoDevctlLayout.put(s.header.clear(), 0, dcmd, data == null ? 0 : data.remaining());
        ByteBuffer h = s.header.clear().limit(IoDevctlLayout.SIZE);
        ByteBuffer rh = s.replyHeader.clear();
        ByteBuffer[] siov = data == null ? s.one : s.two;
        ByteBuffer[] riov = reply == null ? s.replyOne : s.replyTwo;
        siov[0] = h;
        riov[0] = rh;
        if (data != null) {
            siov[1] = data;
        }
        if (reply != null) {
            riov[1] = reply;
        }
        try {
            kernel.msgSendv(fd, siov, riov);
        } finally {
            s.two[1] = null;
            s.replyTwo[1] = null;
        }
        return IoDevctlLayout.replyRetVal(rh.clear(), 0);
    }

    @Override
    public Stat stat(int fd) {
        Scratch s = SCRATCH.get();
        IoStatLayout.put(s.header.clear(), 0);
        kernel.msgSend(fd, s.header.clear().limit(IoStatLayout.SIZE), s.reply.clear().limit(StatLayout.SIZE));
        return StatLayout.get(s.reply.clear(), 0);
    }

    @Override
    public void close(int fd) {
        Scratch s = SCRATCH.get();
        IoCloseLayout.put(s.header.clear(), 0);
        KernelException failed = null;
        try {
            kernel.msgSend(fd, s.header.clear().limit(IoCloseLayout.SIZE), null);
        } catch (KernelException e) {
            // A manager that has gone cannot be told; the connection still goes.
            if (!passesOn(e)) {
                failed = e;
            }
        }
        try {
            kernel.connectDetach(fd);
        } catch (KernelException e) {
            throw new KernelException(Errno.EBADF, "no fd " + fd);
        }
        if (failed != null) {
            throw failed;
        }
    }

    @Override
    public int ionotify(int fd, int action, int flags, SigEvent event) {
        if (event == null) {
            throw new KernelException(Errno.EINVAL, "ionotify needs an event");
        }
        Scratch s = SCRATCH.get();
        IoNotifyLayout.put(s.header.clear(), 0, action, flags, event);
        ByteBuffer r = s.reply.clear().limit(IoNotifyLayout.REPLY_SIZE);
        kernel.msgSend(fd, s.header.clear().limit(IoNotifyLayout.SIZE), r);
        return IoNotifyLayout.replyFlags(s.reply.clear(), 0);
    }

    @Override
    public List<DirEntry> readdir(String path) {
        String p = PathNames.normalize(path);
        Map<String, DirEntry> entries = new LinkedHashMap<>();
        boolean found = false;
        KernelException refused = null;
        for (PathSpace.Candidate c : candidates(p)) {
            int fd;
            try {
                fd = (int) connectTo(c, IoConnectLayout.SUBTYPE_OPEN, OpenFlags.O_RDONLY, 0, true);
            } catch (KernelException e) {
                if (!passesOn(e)) {
                    if (refused == null) {
                        refused = e;
                    }
                } else if (c.target().isOpaque() && e.errno() == Errno.ENOENT) {
                    break;
                }
                continue;
            }
            try {
                if (!stat(fd).isDirectory()) {
                    if (!found && refused == null) {
                        throw new KernelException(Errno.ENOTDIR, "not a directory: " + p);
                    }
                    continue;
                }
                found = true;
                for (DirEntry e : readAll(fd)) {
                    entries.putIfAbsent(e.name(), e);
                }
            } finally {
                close(fd);
            }
        }
        if (!found) {
            throw refused != null ? refused : new KernelException(Errno.ENOENT, "no such directory: " + p);
        }
        return new ArrayList<>(entries.values());
    }

    private List<DirEntry> readAll(int fd) {
        List<DirEntry> out = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(DIR_BUFFER);
        for (;;) {
            buf.clear();
            int n = read(fd, buf);
            if (n <= 0) {
                return out;
            }
            int at = 0;
            while (at + DirentLayout.NAME <= n) {
                int reclen = DirentLayout.reclen(buf, at);
                if (reclen <= 0 || at + reclen > n) {
                    throw new KernelException(Errno.EBADMSG, "a bad directory entry at " + at);
                }
                out.add(DirentLayout.get(buf, at));
                at += reclen;
            }
        }
    }

    @Override
    public String toString() {
        return "Resmgr[" + kernel + "]";
    }
}

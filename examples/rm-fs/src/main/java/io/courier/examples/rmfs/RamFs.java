package io.courier.examples.rmfs;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrAttachment;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrFlags;
import io.courier.resmgr.ResmgrHandler;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A small in-memory filesystem as a resource manager attached with {@link ResmgrFlags#DIR}: it
 * receives every path below its mount point and keeps directories and files in memory.
 *
 * <p>What it overrides of the iofunc defaults: {@link #lookup} walks the tree,
 * {@link #create} and {@link #mkdir} make entries ({@code open(O_CREAT)}, {@code mkdir()}),
 * {@link #unlink} removes them (ENOTEMPTY for a directory with entries), {@link #open} handles
 * {@code O_TRUNC}, {@link #read} and {@link #write} move file bytes, {@link #readdir} lists a
 * directory. Permissions, OCBs, offsets, seeking, stat and the directory reads themselves are the
 * layer's. New entries belong to the client that made them.
 *
 * <p>Locking: the dispatch layer holds a directory's lock while its entries change and a file's
 * lock while it is read or written; lookups walk without locks over concurrent maps.
 */
public final class RamFs implements ResmgrHandler {
    /** Where the bundle attaches it. */
    public static final String PATH = "/ramfs";
    /** The largest file. */
    public static final int FILE_MAX = 16 * 1024 * 1024;

    /** A directory: its entries by name. */
    static final class Dir extends IoAttr {
        final Map<String, IoAttr> entries = new ConcurrentSkipListMap<>();

        Dir(int perms, int uid, int gid) {
            super(Mode.S_IFDIR | (perms & Mode.PERMS), uid, gid);
            nlink(2);
        }
    }

    /** A file: its bytes, {@code size()} of them used. */
    static final class File extends IoAttr {
        byte[] data = new byte[0];

        File(int perms, int uid, int gid) {
            super(Mode.S_IFREG | (perms & Mode.PERMS), uid, gid);
        }
    }

    private final Dir root;

    /** An empty filesystem whose root has {@code perms}, owned by {@code uid}/{@code gid}. */
    public RamFs(int perms, int uid, int gid) {
        root = new Dir(perms, uid, gid);
    }

    /** Attaches a new, empty filesystem at {@code path} for {@code rm}'s process, with {@code threads} threads. */
    public static ResmgrAttachment attach(Resmgr rm, String path, int threads) {
        RamFs fs = new RamFs(0777, rm.kernel().credentials().uid(), rm.kernel().credentials().gid());
        var dispatch = rm.dispatchCreate();
        ResmgrAttachment a = rm.resmgrAttach(dispatch, path, ResmgrFlags.DIR, fs.root, fs);
        dispatch.start(threads);
        return a;
    }

    @Override
    public IoAttr lookup(ResmgrContext ctx, IoAttr mount, String path) {
        IoAttr at = mount;
        if (path.isEmpty()) {
            return at;
        }
        for (String name : path.split("/")) {
            if (!(at instanceof Dir d)) {
                throw new KernelException(Errno.ENOTDIR, "not a directory on the way to " + path);
            }
            IoFunc.checkAccess(ctx.client(), d, IoFunc.X_OK);
            at = d.entries.get(name);
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    @Override
    public IoAttr create(ResmgrContext ctx, IoAttr dir, String name, int mode) {
        File f = new File(mode, ctx.client().uid(), ctx.client().gid());
        add((Dir) dir, name, f);
        return f;
    }

    @Override
    public IoAttr mkdir(ResmgrContext ctx, IoAttr dir, String name, int mode) {
        Dir d = new Dir(mode, ctx.client().uid(), ctx.client().gid());
        add((Dir) dir, name, d);
        dir.nlink(dir.nlink() + 1);
        return d;
    }

    private static void add(Dir dir, String name, IoAttr entry) {
        if (dir.entries.putIfAbsent(name, entry) != null) {
            throw new KernelException(Errno.EEXIST, name + " exists");
        }
        dir.markModified();
    }

    @Override
    public void unlink(ResmgrContext ctx, IoAttr dir, String name, IoAttr entry) {
        if (entry instanceof Dir d) {
            if (!d.entries.isEmpty()) {
                throw new KernelException(Errno.ENOTEMPTY, name + " has entries");
            }
            dir.nlink(dir.nlink() - 1);
        }
        ((Dir) dir).entries.remove(name, entry);
        entry.nlink(0);
        dir.markModified();
    }

    @Override
    public Ocb open(ResmgrContext ctx, IoAttr attr, int ioflag) {
        if (attr instanceof File f && (ioflag & OpenFlags.O_TRUNC) != 0 && OpenFlags.writable(ioflag)) {
            f.data = new byte[0];
            f.size(0);
            f.markModified();
        }
        return new Ocb(attr, ioflag);
    }

    @Override
    public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
        if (ocb.attr() instanceof File f) {
            f.markAccessed();
            return IoFunc.readAt(ocb, ByteBuffer.wrap(f.data, 0, (int) f.size()), nbytes);
        }
        return IoFunc.readDefault(ctx, this, ocb, nbytes);
    }

    /**
     * The dispatch layer has checked that {@code nbytes} bytes follow the header (EBADMSG
     * otherwise), so the file grows only by bytes that came.
     */
    @Override
    public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
        File f = (File) ocb.attr();
        long at = IoFunc.writeOffset(ocb);
        if (at + nbytes > FILE_MAX) {
            throw new KernelException(Errno.EFBIG, "a file has at most " + FILE_MAX + " bytes");
        }
        int end = (int) at + nbytes;
        if (end > f.data.length) {
            byte[] grown = new byte[Math.max(end, Math.min(FILE_MAX, f.data.length * 2))];
            System.arraycopy(f.data, 0, grown, 0, (int) f.size());
            f.data = grown;
        }
        int got = ctx.msgRead(ByteBuffer.wrap(f.data, (int) at, nbytes), IoWriteLayout.SIZE);
        // Bytes between the old end and a write past it read as zeros: the array is fresh there.
        f.size(Math.max(f.size(), at + got));
        ocb.offset(at + got);
        f.markModified();
        return got;
    }

    @Override
    public List<DirEntry> readdir(ResmgrContext ctx, IoAttr dir) {
        List<DirEntry> out = new ArrayList<>();
        for (Map.Entry<String, IoAttr> e : ((Dir) dir).entries.entrySet()) {
            out.add(new DirEntry(e.getValue().ino(), e.getKey()));
        }
        return out;
    }
}

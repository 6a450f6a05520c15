package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.NameInfo;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrHandler;
import io.courier.resmgr.ShmemEntry;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pathname manager's handler ({@code procnto}'s part of the namespace), attached at
 * {@code /} with DIR and AFTER so that every other manager resolves first: it serves the
 * directories that only hold mount points (and {@code /}), {@code /dev/name/local} with an
 * entry per {@code nameAttach}ed name, and {@code /dev/shmem} with an entry per shared memory
 * object of the plugged-in {@link io.courier.resmgr.ShmemDirectory}. All read-only.
 */
final class PathManager implements ResmgrHandler {
    private final PathSpace space;
    /** One attribute object per path, so that inode numbers stay put. */
    private final Map<String, IoAttr> attrs = new ConcurrentHashMap<>();

    PathManager(PathSpace space) {
        this.space = space;
    }

    /** A directory the pathname manager lists. */
    private static final class DirAttr extends IoAttr {
        final String path;

        DirAttr(String path) {
            super(Mode.S_IFDIR | 0555, 0, 0);
            this.path = path;
        }
    }

    @Override
    public IoAttr lookup(ResmgrContext ctx, IoAttr mount, String path) {
        String p = "/" + path;
        if (path.isEmpty()) {
            return mount;
        }
        if (PathSpace.SPECIAL.contains(p) || space.hasBelow(p) || (p.equals(NetPaths.NET_DIR) && space.mk.network() != null)) {
            return attrs.computeIfAbsent(p, DirAttr::new);
        }
        String parent = PathNames.parent(p);
        String name = PathNames.lastName(p);
        if (parent.equals(PathSpace.NAMES_DIR)) {
            return nameAttr(name);
        }
        if (parent.equals(PathSpace.SHMEM_DIR)) {
            return shmemAttr(name);
        }
        return null;
    }

    private IoAttr nameAttr(String name) {
        for (NameInfo n : space.mk.names()) {
            if (n.name().equals(name)) {
                int uid = space.mk.process(n.pid()).map(Kernel::credentials).map(c -> c.uid()).orElse(0);
                int gid = space.mk.process(n.pid()).map(Kernel::credentials).map(c -> c.gid()).orElse(0);
                return attrs.compute(PathSpace.NAMES_DIR + "/" + name, (k, old) -> old != null && old.uid() == uid
                        && old.gid() == gid ? old : new IoAttr(Mode.S_IFNAM | 0666, uid, gid));
            }
        }
        attrs.remove(PathSpace.NAMES_DIR + "/" + name);
        return null;
    }

    private IoAttr shmemAttr(String name) {
        for (ShmemEntry e : space.shmemObjects()) {
            if (e.name().equals(name)) {
                IoAttr a = attrs.computeIfAbsent(PathSpace.SHMEM_DIR + "/" + name,
                        k -> new IoAttr(Mode.S_IFREG | (e.mode() & Mode.PERMS), e.uid(), e.gid()));
                a.mode(Mode.S_IFREG | (e.mode() & Mode.PERMS));
                a.owner(e.uid(), e.gid());
                a.size(e.size());
                return a;
            }
        }
        attrs.remove(PathSpace.SHMEM_DIR + "/" + name);
        return null;
    }

    @Override
    public Ocb open(ResmgrContext ctx, IoAttr attr, int ioflag) {
        if (OpenFlags.writable(ioflag)) {
            throw new KernelException(Errno.EROFS, "the pathname manager's entries are read-only");
        }
        return new Ocb(attr, ioflag);
    }

    @Override
    public IoAttr create(ResmgrContext ctx, IoAttr dir, String name, int mode) {
        throw new KernelException(Errno.EROFS, "no files are created in the pathname manager's directories");
    }

    @Override
    public List<DirEntry> readdir(ResmgrContext ctx, IoAttr dir) {
        String p = dir instanceof DirAttr d ? d.path : "/";
        Set<String> names = new LinkedHashSet<>();
        if (p.equals(PathSpace.NAMES_DIR)) {
            for (NameInfo n : space.mk.names()) {
                names.add(n.name());
            }
        } else if (p.equals(PathSpace.SHMEM_DIR)) {
            for (ShmemEntry e : space.shmemObjects()) {
                names.add(e.name());
            }
        } else if (p.equals(NetPaths.NET_DIR)) {
            names.addAll(NetPaths.nodes(space.mk.network()));
        } else if (p.equals("/") && space.mk.network() != null) {
            names.add(NetPaths.NET_DIR.substring(1));
        }
        names.addAll(space.childrenOf(p));
        List<DirEntry> out = new ArrayList<>(names.size());
        for (String n : names) {
            out.add(new DirEntry(0, n));
        }
        return out;
    }
}

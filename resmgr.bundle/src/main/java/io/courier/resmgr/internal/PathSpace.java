package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.Mode;
import io.courier.resmgr.MountInfo;
import io.courier.resmgr.ResmgrFlags;
import io.courier.resmgr.ResmgrHandler;
import io.courier.resmgr.ShmemDirectory;
import io.courier.resmgr.ShmemEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pathname space of one {@link Microkernel}: the table of mounts every process of it
 * resolves paths in, and the pathname manager process ({@code pathmgr}) that serves the
 * directories only mount points make, {@code /dev/name/local} and {@code /dev/shmem}.
 *
 * <p>The table is copy-on-write: resolution reads a snapshot without a lock; attach and detach,
 * which are rare, publish a new one under {@link #writeLock}.
 */
final class PathSpace {
    private static final Logger LOG = LoggerFactory.getLogger(PathSpace.class);
    private static final ConcurrentHashMap<Microkernel, PathSpace> SPACES = new ConcurrentHashMap<>();

    /** Where {@code nameAttach}ed names show. */
    static final String NAMES_DIR = "/dev/name/local";
    /** Where shared memory objects show. */
    static final String SHMEM_DIR = "/dev/shmem";
    /** The directories the pathname manager always has. */
    static final List<String> SPECIAL = List.of(NAMES_DIR, SHMEM_DIR);

    private static final Comparator<Mount> ORDER = Comparator.comparingInt(Mount::rank)
            .thenComparing(Comparator.comparingLong((Mount m) -> m.seq).reversed());

    /** A mount a path resolved to, and the rest of the path relative to it. */
    record Candidate(Mount mount, String rel) {
    }

    final Microkernel mk;
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicLong seqs = new AtomicLong();
    private final AtomicReference<Map<String, Mount[]>> table = new AtomicReference<>(Map.of());
    private final Object writeLock = new Object();
    /** Processes whose death already removes their mounts (identity: a pid may be reused before the hook runs). */
    private final Set<Kernel> hooked = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private final CopyOnWriteArrayList<Registered> shmem = new CopyOnWriteArrayList<>();
    private final Object bootLock = new Object();
    /** The pathname manager's dispatch; guarded by {@link #bootLock}, read without it to skip the lock. */
    private final AtomicReference<DispatchImpl> pathmgr = new AtomicReference<>();

    private PathSpace(Microkernel mk) {
        this.mk = mk;
    }

    /** The pathname space of {@code kernel}'s system, with its pathname manager running. */
    static PathSpace of(Kernel kernel) {
        PathSpace space = SPACES.computeIfAbsent(kernel.microkernel(), PathSpace::new);
        space.boot();
        return space;
    }

    /**
     * The mounts of {@code mk}'s space; none when it has none. {@code mk} may be a forwarding one
     * (the OSGi service): a space serves it when its pathname manager is, through {@code mk}, a
     * process of the same kernel.
     */
    static List<MountInfo> mounts(Microkernel mk) {
        PathSpace space = SPACES.get(mk);
        if (space == null) {
            for (PathSpace s : SPACES.values()) {
                DispatchImpl d = s.pathmgr.get();
                if (d != null && mk.process(d.kernel().pid()).map(Kernel::microkernel).orElse(null) == s.mk) {
                    space = s;
                    break;
                }
            }
        }
        return space == null ? List.of() : space.mounts();
    }

    private List<MountInfo> mounts() {
        List<MountInfo> out = new ArrayList<>();
        for (Map.Entry<String, Mount[]> e : new java.util.TreeMap<>(table.get()).entrySet()) {
            for (Mount m : e.getValue()) {
                if (m.owner.isAlive()) {
                    out.add(new MountInfo(m.path, m.pid, m.chid, m.flags, m.attr.mode(), m.attr.uid(), m.attr.gid()));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ the pathname manager

    private void boot() {
        DispatchImpl d = pathmgr.get();
        if (d != null && d.kernel().isAlive()) {
            return;
        }
        synchronized (bootLock) {
            d = pathmgr.get();
            if (d != null && d.kernel().isAlive()) {
                return;
            }
            Kernel proc;
            try {
                proc = mk.process("pathmgr");
            } catch (KernelException e) {
                SPACES.remove(mk, this);
                throw e;
            }
            startPathmgr(proc);
        }
    }

    private void startPathmgr(Kernel proc) {
        proc.atExit(this::pathmgrDied);
        DispatchImpl d = new DispatchImpl(proc, "pathmgr");
        IoAttr root = new IoAttr(Mode.S_IFDIR | 0555, 0, 0);
        attach(d, "/", ResmgrFlags.DIR | ResmgrFlags.AFTER, root, new PathManager(this), false);
        pathmgr.set(d);
        d.start(1);
    }

    /** The pathname manager died: with the system closing, the space goes; otherwise a new one starts. */
    private void pathmgrDied() {
        synchronized (bootLock) {
            pathmgr.set(null);
            try {
                startPathmgr(mk.process("pathmgr"));
                LOG.warn("the pathname manager died; a new one serves the pathname space");
            } catch (KernelException e) {
                // ENXIO: the kernel is shut down.
                SPACES.remove(mk, this);
            }
        }
    }

    // ------------------------------------------------------------------ attach and detach

    /**
     * Attaches {@code path} for the dispatch's process; its death detaches it.
     *
     * @throws KernelException EINVAL for a bad path or flags; ENAMETOOLONG
     */
    Mount attach(DispatchImpl dispatch, String path, int flags, IoAttr attr, ResmgrHandler handler,
            boolean ownsDispatch) {
        PathNames.checkAttachPath(path);
        if ((flags & ~ResmgrFlags.ALL) != 0 || (flags & ResmgrFlags.BEFORE) != 0 && (flags & ResmgrFlags.AFTER) != 0) {
            throw new KernelException(Errno.EINVAL, "bad resmgr flags 0x" + Integer.toHexString(flags));
        }
        if (attr == null || handler == null) {
            throw new KernelException(Errno.EINVAL, "an attachment needs attributes and a handler");
        }
        Kernel owner = dispatch.kernel();
        Mount m = new Mount(this, ids.incrementAndGet(), path, flags, seqs.incrementAndGet(), dispatch, attr, handler,
                ownsDispatch);
        if (hooked.add(owner)) {
            owner.atExit(() -> ownerDied(owner));
        }
        synchronized (writeLock) {
            Map<String, Mount[]> t = new HashMap<>(table.get());
            Mount[] old = t.getOrDefault(path, new Mount[0]);
            Mount[] now = Arrays.copyOf(old, old.length + 1);
            now[old.length] = m;
            Arrays.sort(now, ORDER);
            t.put(path, now);
            table.set(Map.copyOf(t));
        }
        dispatch.mounted(m);
        if (!owner.isAlive()) {
            detach(m);
            throw new KernelException(Errno.ESRCH, "process " + owner.pid() + " is dying");
        }
        return m;
    }

    /** Takes {@code m} out of the table; false when it was already out. */
    boolean detach(Mount m) {
        if (!m.markDetached()) {
            return false;
        }
        synchronized (writeLock) {
            Map<String, Mount[]> t = new HashMap<>(table.get());
            Mount[] old = t.get(m.path);
            if (old != null) {
                Mount[] now = Arrays.stream(old).filter(x -> x != m).toArray(Mount[]::new);
                if (now.length == 0) {
                    t.remove(m.path);
                } else {
                    t.put(m.path, now);
                }
                table.set(Map.copyOf(t));
            }
        }
        m.dispatch.unmounted(m);
        return true;
    }

    private void ownerDied(Kernel owner) {
        hooked.remove(owner);
        for (Mount[] ms : table.get().values()) {
            for (Mount m : ms) {
                if (m.owner == owner) {
                    detach(m);
                }
            }
        }
        shmem.removeIf(r -> r.owner == owner);
    }

    // ------------------------------------------------------------------ resolution

    /** The mounts {@code path} (canonical) resolves to, longest prefix first, live ones only. */
    List<Candidate> resolve(String path) {
        Map<String, Mount[]> t = table.get();
        List<Candidate> out = new ArrayList<>(4);
        String prefix = path;
        for (;;) {
            Mount[] ms = t.get(prefix);
            if (ms != null) {
                boolean exact = prefix.equals(path);
                for (Mount m : ms) {
                    if ((exact || m.isDir()) && m.owner.isAlive()) {
                        out.add(new Candidate(m, PathNames.relativeTo(prefix, path)));
                    }
                }
            }
            if (prefix.equals("/")) {
                return out;
            }
            prefix = PathNames.parent(prefix);
        }
    }

    /** Whether something is attached (or always there) strictly below {@code dir}. */
    boolean hasBelow(String dir) {
        String p = dir.equals("/") ? "/" : dir + "/";
        for (String path : table.get().keySet()) {
            if (path.length() > p.length() && path.startsWith(p)) {
                return true;
            }
        }
        for (String path : SPECIAL) {
            if (path.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The names of the components just below {@code dir} that mount points (or the special directories) hold. */
    List<String> childrenOf(String dir) {
        String p = dir.equals("/") ? "/" : dir + "/";
        TreeSet<String> names = new TreeSet<>();
        List<String> paths = new ArrayList<>(table.get().keySet());
        paths.addAll(SPECIAL);
        for (String path : paths) {
            if (path.length() > p.length() && path.startsWith(p)) {
                String rest = path.substring(p.length());
                int slash = rest.indexOf('/');
                names.add(slash < 0 ? rest : rest.substring(0, slash));
            }
        }
        return new ArrayList<>(names);
    }

    // ------------------------------------------------------------------ /dev/shmem

    /** A registration that {@code owner}'s death or {@code close()} removes. */
    private final class Registered implements ShmemDirectory.Registration {
        final Kernel owner;
        final ShmemDirectory directory;

        Registered(Kernel owner, ShmemDirectory directory) {
            this.owner = owner;
            this.directory = directory;
        }

        @Override
        public void close() {
            shmem.remove(this);
        }
    }

    ShmemDirectory.Registration registerShmem(Kernel owner, ShmemDirectory directory) {
        if (directory == null) {
            throw new KernelException(Errno.EINVAL, "directory is null");
        }
        if (hooked.add(owner)) {
            owner.atExit(() -> ownerDied(owner));
        }
        Registered r = new Registered(owner, directory);
        shmem.add(r);
        return r;
    }

    /** What the plugged-in shared memory directories list, by name. */
    List<ShmemEntry> shmemObjects() {
        Map<String, ShmemEntry> out = new java.util.TreeMap<>();
        for (Registered r : shmem) {
            try {
                for (ShmemEntry e : r.directory.objects()) {
                    out.putIfAbsent(e.name(), e);
                }
            } catch (RuntimeException e) {
                LOG.warn("a /dev/shmem directory failed", e);
            }
        }
        return new ArrayList<>(out.values());
    }
}

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

    private static final Comparator<Target> ORDER = Comparator.comparingInt(Target::rank)
            .thenComparing(Comparator.comparingLong(Target::seq).reversed());

    /** An attachment (of this JVM or another of the node) a path resolved to, and the rest of the path relative to it. */
    record Candidate(Target target, String rel) {
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
    /** The node's pathname space, when the kernel joined a node; null otherwise. */
    private final NodePaths node;

    private PathSpace(Microkernel mk) {
        this.mk = mk;
        this.node = NodePaths.open(mk);
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

    /** This JVM's mounts and, in a node, the other JVMs' living ones: by path, each path's in resolution order. */
    private List<MountInfo> mounts() {
        Map<String, List<Target>> byPath = new java.util.TreeMap<>();
        for (Map.Entry<String, Mount[]> e : table.get().entrySet()) {
            byPath.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).addAll(Arrays.asList(e.getValue()));
        }
        if (node != null) {
            for (Map.Entry<String, NodePaths.Entry[]> e : node.byPath().entrySet()) {
                byPath.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).addAll(Arrays.asList(e.getValue()));
            }
        }
        List<MountInfo> out = new ArrayList<>();
        for (List<Target> ts : byPath.values()) {
            ts.sort(ORDER);
            for (Target t : ts) {
                if (t.alive()) {
                    out.add(t instanceof Mount m
                            ? new MountInfo(m.path, m.pid, m.chid, m.flags, m.attr.mode(), m.attr.uid(), m.attr.gid())
                            : ((NodePaths.Entry) t).info());
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
        attach(d, "/", ResmgrFlags.DIR | ResmgrFlags.AFTER, root, new PathManager(this), false, false);
        pathmgr.set(d);
        d.start(1);
        NetPaths.serve(proc, this);
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
                if (node != null) {
                    node.close();
                }
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
        return attach(dispatch, path, flags, attr, handler, ownsDispatch, true);
    }

    /**
     * Attaches {@code path}; with {@code published} and the kernel in a node, the node's other
     * JVMs resolve it too ({@link NodePaths}). The pathname manager's own {@code /} is not
     * published: every JVM has its own.
     */
    private Mount attach(DispatchImpl dispatch, String path, int flags, IoAttr attr, ResmgrHandler handler,
            boolean ownsDispatch, boolean published) {
        PathNames.checkAttachPath(path);
        if ((flags & ~ResmgrFlags.ALL) != 0 || (flags & ResmgrFlags.BEFORE) != 0 && (flags & ResmgrFlags.AFTER) != 0) {
            throw new KernelException(Errno.EINVAL, "bad resmgr flags 0x" + Integer.toHexString(flags));
        }
        if (attr == null || handler == null) {
            throw new KernelException(Errno.EINVAL, "an attachment needs attributes and a handler");
        }
        Kernel owner = dispatch.kernel();
        // In a node, the attach order is the node's, so that ties between JVMs resolve alike everywhere.
        long seq = node == null ? seqs.incrementAndGet() : node.nextSeq();
        Mount m = new Mount(this, ids.incrementAndGet(), path, flags, seq, dispatch, attr, handler, ownsDispatch);
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
        if (node != null && published) {
            // Published once its dispatch knows it, so that a connect from another JVM finds it.
            m.nodeIndex = node.publish(path, m.pid, m.chid, m.id, flags, attr, seq);
            if (!m.attached()) {
                node.withdraw(m.nodeIndex, m.pid, m.chid, m.id); // detached meanwhile, before the index was set
            }
        }
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
        if (node != null && m.nodeIndex >= 0) {
            node.withdraw(m.nodeIndex, m.pid, m.chid, m.id);
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

    /**
     * The attachments {@code path} (canonical) resolves to, longest prefix first, live ones only:
     * this JVM's and, in a node, the other JVMs' together, ordered alike (rank, then newest first)
     * within one prefix.
     */
    List<Candidate> resolve(String path) {
        Map<String, Mount[]> t = table.get();
        Map<String, NodePaths.Entry[]> remote = node == null ? Map.of() : node.byPath();
        List<Candidate> out = new ArrayList<>(4);
        String prefix = path;
        for (;;) {
            Mount[] ms = t.get(prefix);
            NodePaths.Entry[] rs = remote.isEmpty() ? null : remote.get(prefix);
            boolean exact = prefix.equals(path);
            if (rs == null) {
                if (ms != null) {
                    for (Mount m : ms) {
                        if ((exact || m.isDir()) && m.alive()) {
                            out.add(new Candidate(m, PathNames.relativeTo(prefix, path)));
                        }
                    }
                }
            } else {
                List<Target> here = new ArrayList<>(rs.length + (ms == null ? 0 : ms.length));
                if (ms != null) {
                    here.addAll(Arrays.asList(ms));
                }
                here.addAll(Arrays.asList(rs));
                here.sort(ORDER);
                for (Target m : here) {
                    if ((exact || m.isDir()) && m.alive()) {
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

    /** Every attached path: this JVM's, and the other JVMs' of the node whose manager's JVM lives. */
    private List<String> attachedPaths() {
        List<String> paths = new ArrayList<>(table.get().keySet());
        if (node != null) {
            for (Map.Entry<String, NodePaths.Entry[]> e : node.byPath().entrySet()) {
                for (NodePaths.Entry x : e.getValue()) {
                    if (x.alive()) {
                        paths.add(e.getKey());
                        break;
                    }
                }
            }
        }
        return paths;
    }

    /** Whether something is attached (or always there) strictly below {@code dir}. */
    boolean hasBelow(String dir) {
        String p = dir.equals("/") ? "/" : dir + "/";
        for (String path : attachedPaths()) {
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
        List<String> paths = attachedPaths();
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

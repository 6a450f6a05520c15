package io.courier.shm.internal;

import static io.courier.shm.SharedMemory.MAP_FIXED;
import static io.courier.shm.SharedMemory.MAP_PRIVATE;
import static io.courier.shm.SharedMemory.MAP_SHARED;
import static io.courier.shm.SharedMemory.NAME_MAX;
import static io.courier.shm.SharedMemory.O_ACCMODE;
import static io.courier.shm.SharedMemory.O_CREAT;
import static io.courier.shm.SharedMemory.O_EXCL;
import static io.courier.shm.SharedMemory.O_RDONLY;
import static io.courier.shm.SharedMemory.O_RDWR;
import static io.courier.shm.SharedMemory.O_TRUNC;
import static io.courier.shm.SharedMemory.PAGE_SIZE;
import static io.courier.shm.SharedMemory.PROT_EXEC;
import static io.courier.shm.SharedMemory.PROT_READ;
import static io.courier.shm.SharedMemory.PROT_WRITE;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.shm.MappingInfo;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmStat;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared memory of one {@link Microkernel}: its folder of objects, its name table, handles
 * and per-process state. It runs as a process of that kernel, {@value #MANAGER_NAME} (QNX keeps
 * shared memory in the process manager): fds are connections to its channel, and its death,
 * which {@link Microkernel#close()} brings, closes the registry and removes its private folder.
 *
 * <p>Locking: one lock guards the tables, reference counts and mappings. Nothing under it
 * blocks on another process; kernel calls that may take time (attach, detach, exit) are made
 * outside it.
 */
public final class ShmRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ShmRegistry.class);
    /** The name of the registry's process. */
    public static final String MANAGER_NAME = "shm";
    private static final ConcurrentHashMap<Microkernel, ShmRegistry> REGISTRIES = new ConcurrentHashMap<>();
    private static final Object CREATION = new Object();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<Path> PRIVATE_FOLDERS = ConcurrentHashMap.newKeySet();

    /**
     * Set (and read) with volatile semantics when the JVM begins to exit: this hook then removes
     * the private folders while other hooks (Felix stopping its bundles) may still use them.
     */
    private static volatile boolean exiting;

    static {
        // A JVM that ends without closing its kernels leaves no private folders behind.
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                exiting = true;
                PRIVATE_FOLDERS.forEach(ShmRegistry::deleteTree);
            }, "courier-shm-cleanup"));
        } catch (IllegalStateException alreadyExiting) {
            // First used while the JVM exits (a runtime told to exit while its bundles start): no
            // hook can be added any more. Closing the kernel removes the folder, and a later JVM
            // removes the folders of JVMs that are gone.
            exiting = true;
        }
    }

    private final Microkernel microkernel;
    private final Kernel manager;
    private final int managerChid;
    private final Path base;
    private final Path namesDir;
    /** The folder its settings named, null for a private one. */
    private final Path configuredDir;
    private final Path anonDir;
    /** The folder private folders sit in: /dev/shm, or the temporary folder without it. */
    private final Path tmpfs;
    /** The node's handle table, when the kernel joined a node; handles for other JVMs go there. */
    private final NodeHandles nodeHandles;
    /** The largest object size; read by each ftruncate, so a new limit applies to the next one. */
    private volatile long maxSize;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ShmObject> names = new HashMap<>();
    private final Set<ShmObject> objects = new HashSet<>();
    private final Map<Integer, ShmProcess> processes = new HashMap<>();
    private final Map<Long, ShmHandle> handles = new HashMap<>();
    private volatile boolean closed;

    /** An unused handle: who may open what, with which access. */
    private record ShmHandle(ShmObject object, int pid, int perms, int creatorPid) {
    }

    /**
     * What a registry starts with, from the system properties {@value SharedMemory#DIRECTORY_PROPERTY}
     * and {@value SharedMemory#MAX_SIZE_PROPERTY} unless {@link #configure} gave others.
     *
     * @param dir the folder of named objects; null for a private folder under {@code /dev/shm}
     * @param maxSize the largest object size in bytes; 0 for the size of the folder's file store
     */
    public record Settings(Path dir, long maxSize) {
        /** The settings of the system properties (a size that is not a number counts as none). */
        public static Settings fromSystemProperties() {
            String dir = System.getProperty(SharedMemory.DIRECTORY_PROPERTY);
            long max = 0;
            try {
                max = Long.parseLong(System.getProperty(SharedMemory.MAX_SIZE_PROPERTY, "0").trim());
            } catch (NumberFormatException e) {
                LOG.warn("{} is not a number; objects may be as large as their folder's file store",
                        SharedMemory.MAX_SIZE_PROPERTY);
            }
            return new Settings(dir == null || dir.isBlank() ? null : Path.of(dir), Math.max(max, 0));
        }
    }

    /** The settings each kernel's registry is (re)started with, when {@link #configure} gave some. */
    private static final ConcurrentHashMap<Microkernel, Settings> CONFIGURED = new ConcurrentHashMap<>();

    /**
     * Where each JVM's private folder ({@code courier-<OS pid>-*}) is made: {@code /dev/shm}, or
     * the temporary folder where there is no writable {@code /dev/shm}.
     */
    public static Path privateFolderParent() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private ShmRegistry(Kernel manager, Settings settings) throws IOException {
        this.manager = manager;
        this.microkernel = manager.microkernel();
        this.managerChid = manager.channelCreate(0);
        Path tmpfs = privateFolderParent();
        removeFoldersOfDeadJvms(tmpfs);
        this.tmpfs = tmpfs;
        base = Files.createTempDirectory(tmpfs, "courier-" + Owners.OS_PID + "-");
        PRIVATE_FOLDERS.add(base);
        anonDir = Files.createDirectory(base.resolve("anon"));
        configuredDir = settings.dir();
        try {
            namesDir = settings.dir() != null ? Files.createDirectories(settings.dir())
                    : Files.createDirectory(base.resolve("shmem"));
        } catch (IOException e) {
            deleteTree(base);
            PRIVATE_FOLDERS.remove(base);
            throw e;
        }
        maxSize = limit(settings.maxSize());
        nodeHandles = NodeHandles.open(microkernel,
                pid -> microkernel.process(pid).map(Kernel::isAlive).orElse(false),
                () -> removeFoldersOfDeadJvms(this.tmpfs));
    }

    /** The largest object size for a setting of {@code maxSize} (0: the folder's file store). */
    private long limit(long maxSize) {
        if (maxSize > 0) {
            return maxSize;
        }
        try {
            long total = Files.getFileStore(namesDir).getTotalSpace();
            return total > 0 ? total : Long.MAX_VALUE / 2;
        } catch (IOException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    /**
     * Gives the shared memory of {@code microkernel} new settings. A new largest size applies to
     * the next {@code ftruncate}. A new folder restarts the manager: the old registry closes as
     * at a process's death for every process (fds close, mappings are unmapped; the objects of
     * a shared folder stay in it), and the next call of each process finds the new one. When the
     * new folder cannot be used, the registry stays on the old one.
     *
     * @return whether the manager restarted
     * @throws KernelException the error of the new folder, when the registry stayed on the old one
     */
    public static boolean configure(Microkernel microkernel, Settings settings) {
        synchronized (CREATION) {
            Settings before = CONFIGURED.put(microkernel, settings);
            ShmRegistry r = find(microkernel);
            if (r == null) {
                return false;
            }
            if (Objects.equals(r.configuredDir, settings.dir())) {
                r.maxSize = r.limit(settings.maxSize());
                return false;
            }
            shutdown(microkernel);
            try {
                of(microkernel);
                return true;
            } catch (KernelException e) {
                CONFIGURED.put(microkernel, before != null ? before : Settings.fromSystemProperties());
                of(microkernel);
                throw e;
            }
        }
    }

    /** Forgets the settings {@link #configure} gave {@code microkernel}. */
    public static void forget(Microkernel microkernel) {
        CONFIGURED.remove(microkernel);
    }

    /** Private folders are named courier-PID-*: those of JVMs that died without cleaning up go. */
    private static void removeFoldersOfDeadJvms(Path tmpfs) {
        try (Stream<Path> s = Files.list(tmpfs)) {
            for (Path p : s.toList()) {
                String[] parts = p.getFileName().toString().split("-");
                if (parts.length == 3 && parts[0].equals("courier") && parts[1].matches("[0-9]{1,10}")
                        && ProcessHandle.of(Long.parseLong(parts[1])).isEmpty()) {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot look for stale folders in {}", tmpfs, e);
        }
    }

    // ------------------------------------------------------------------ finding the registry

    /** The registry of {@code kernel}'s system, made on first use. */
    public static ShmRegistry of(Kernel kernel) {
        return of(kernel.microkernel());
    }

    /**
     * The registry of {@code microkernel}, made on first use. The Microkernel may be a
     * forwarding one (the OSGi service): a registry serves it when it finds its own process
     * through it.
     */
    public static ShmRegistry of(Microkernel microkernel) {
        ShmRegistry r = find(microkernel);
        if (r != null) {
            return r;
        }
        synchronized (CREATION) {
            r = find(microkernel);
            if (r != null) {
                return r;
            }
            Kernel manager = microkernel.process(MANAGER_NAME);
            try {
                r = new ShmRegistry(manager, CONFIGURED.getOrDefault(microkernel, Settings.fromSystemProperties()));
            } catch (IOException e) {
                manager.exit();
                throw Faults.io("shared memory folder", e);
            } catch (RuntimeException e) {
                manager.exit();
                throw e;
            }
            REGISTRIES.put(r.microkernel, r);
            r.start();
            return r;
        }
    }

    /** The named objects of {@code microkernel}, by name; none when it has no registry. */
    public static List<ShmStat> objects(Microkernel microkernel) {
        ShmRegistry r = find(microkernel);
        return r == null ? List.of() : r.list();
    }

    /** The live mappings of {@code microkernel}'s processes, by pid; none when it has no registry. */
    public static List<MappingInfo> mappings(Microkernel microkernel) {
        ShmRegistry r = find(microkernel);
        return r == null ? List.of() : r.mappings();
    }

    private List<MappingInfo> mappings() {
        List<MappingInfo> out = new ArrayList<>();
        lock.lock();
        try {
            for (ShmProcess p : processes.values()) {
                for (MappingImpl m : p.mappings) {
                    out.add(new MappingInfo(p.pid, m.object.name, m.object.ino, m.offset(), m.length(), m.prot(),
                            m.flags()));
                }
            }
        } finally {
            lock.unlock();
        }
        out.sort(Comparator.comparingInt(MappingInfo::pid).thenComparing(MappingInfo::name)
                .thenComparingLong(MappingInfo::offset));
        return out;
    }

    private static ShmRegistry find(Microkernel microkernel) {
        ShmRegistry r = REGISTRIES.get(microkernel);
        if (r != null && !r.closed) {
            return r;
        }
        for (ShmRegistry x : REGISTRIES.values()) {
            if (!x.closed && microkernel.process(x.manager.pid()).orElse(null) == x.manager) {
                return x;
            }
        }
        return null;
    }

    /** Closes the registry of {@code microkernel}, if it has one: every mapping is unmapped, every fd closed. */
    public static void shutdown(Microkernel microkernel) {
        ShmRegistry r = find(microkernel);
        if (r != null) {
            r.manager.exit();
            r.close();
        }
    }

    private void start() {
        manager.atExit(this::close);
        // Answer stray messages on shm fds (a msgSend on one) instead of leaving them blocked.
        Thread.ofVirtual().name("courier-shm-manager").start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(64);
            try {
                for (;;) {
                    buf.clear();
                    long rcvid = manager.msgReceive(managerChid, buf, null);
                    if (rcvid > 0) {
                        manager.msgError(rcvid, Errno.ENOSYS);
                    }
                }
            } catch (KernelException e) {
                LOG.debug("shm manager stops receiving: {}", e.getMessage());
            }
        });
    }

    boolean isClosed() {
        return closed;
    }

    /** The folder of named objects. */
    public Path namesDirectory() {
        return namesDir;
    }

    /** The node's handle table, or null when the kernel joined no node; for tests. */
    NodeHandles nodeHandles() {
        return nodeHandles;
    }

    // ------------------------------------------------------------------ processes

    /** The shared memory state of {@code kernel}'s process, made on first use. */
    ShmProcess process(Kernel kernel) {
        lock.lock();
        try {
            ensureOpen();
            int pid = kernel.pid();
            ShmProcess p = processes.get(pid);
            if (p != null && !p.dead && p.kernel.isAlive()) {
                return p;
            }
            if (!kernel.isAlive()) {
                throw new KernelException(Errno.ESRCH, "process " + pid + " is dead");
            }
            ShmProcess made = new ShmProcess(this, kernel);
            kernel.atExit(() -> processDied(made));
            processes.put(pid, made);
            return made;
        } finally {
            lock.unlock();
        }
    }

    /** Process death (SPEC S3): its dead mutexes are reported, its mappings unmapped, its fds closed. */
    private void processDied(ShmProcess p) {
        Set<Integer> tokens = Owners.processDied(p);
        DeadMutexWatch.processDied(tokens);
        lock.lock();
        try {
            p.dead = true;
            processes.remove(p.pid, p);
            for (MappingImpl m : new ArrayList<>(p.mappings)) {
                unmapLocked(m);
            }
            // The kernel has detached the connections themselves.
            for (ShmProcess.OpenFd f : p.fds.values()) {
                release(f.object());
            }
            p.fds.clear();
            handles.values().removeIf(h -> {
                if (h.pid() == p.pid) {
                    release(h.object());
                    return true;
                }
                return false;
            });
            if (nodeHandles != null && !closed) {
                nodeHandles.processDied(p.pid);
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new KernelException(Errno.ENXIO, "the shared memory manager is gone");
        }
    }

    private static void ensureUsable(ShmProcess p) {
        if (p.dead || !p.kernel.isAlive()) {
            throw new KernelException(Errno.ESRCH, "process " + p.pid + " is dead");
        }
    }

    // ------------------------------------------------------------------ shm_open, close, unlink

    int shmOpen(ShmProcess p, String name, int oflag, int mode) {
        checkOflag(oflag);
        if (mode < 0 || mode > 0777) {
            throw new KernelException(Errno.EINVAL, "mode 0" + Integer.toOctalString(mode) + " is not 0..0777");
        }
        boolean anon = SharedMemory.SHM_ANON.equals(name);
        if (anon && (oflag & O_CREAT) == 0) {
            throw new KernelException(Errno.EINVAL, "SHM_ANON needs O_CREAT");
        }
        if (!anon) {
            checkName(name);
        }
        int fd = attachFd(p);
        boolean done = false;
        lock.lock();
        try {
            ensureOpen();
            ensureUsable(p);
            ShmObject obj = anon ? createAnonymous(p, mode) : openNamed(p, name, oflag, mode);
            obj.refs++;
            p.fds.put(fd, new ShmProcess.OpenFd(obj, oflag & O_ACCMODE));
            done = true;
            return fd;
        } finally {
            lock.unlock();
            if (!done) {
                detachFd(p, fd);
            }
        }
    }

    private static void checkOflag(int oflag) {
        if ((oflag & ~(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC)) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown oflag bits 0x" + Integer.toHexString(oflag));
        }
        int access = oflag & O_ACCMODE;
        if (access != O_RDONLY && access != O_RDWR) {
            throw new KernelException(Errno.EINVAL, "a shared memory object opens O_RDONLY or O_RDWR");
        }
        if ((oflag & O_TRUNC) != 0 && access != O_RDWR) {
            throw new KernelException(Errno.EINVAL, "O_TRUNC needs O_RDWR");
        }
    }

    /** The name rules of SPEC S1: a leading {@code /}, no other, something after it. */
    static void checkName(String name) {
        if (name == null || name.isEmpty() || name.charAt(0) != '/') {
            throw new KernelException(Errno.EINVAL, "a shared memory name starts with '/': " + name);
        }
        String rest = name.substring(1);
        if (rest.isEmpty() || rest.indexOf('/') >= 0 || rest.equals(".") || rest.equals("..")
                || rest.indexOf('\0') >= 0) {
            throw new KernelException(Errno.EINVAL, "a shared memory name is '/' and a name without '/': " + name);
        }
        if (rest.length() > NAME_MAX) {
            throw new KernelException(Errno.ENAMETOOLONG, "names are at most " + NAME_MAX + " characters");
        }
    }

    private ShmObject openNamed(ShmProcess p, String name, int oflag, int mode) {
        int access = oflag & O_ACCMODE;
        ShmObject obj = lookup(name);
        if (obj == null && (oflag & O_CREAT) != 0) {
            obj = create(p, name, mode);
            if (obj != null) {
                return obj;
            }
            // Another JVM made it first: open what it made.
            if ((oflag & O_EXCL) != 0) {
                throw new KernelException(Errno.EEXIST, name + " exists");
            }
            obj = lookup(name);
        }
        if (obj == null) {
            throw new KernelException(Errno.ENOENT, "no shared memory object " + name);
        }
        if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
            throw new KernelException(Errno.EEXIST, name + " exists");
        }
        checkAccess(p, obj, access);
        if ((oflag & O_TRUNC) != 0) {
            resize(obj, 0);
        }
        return obj;
    }

    /** The object named {@code name}: ours, or one another JVM put in the folder; null if none. */
    private ShmObject lookup(String name) {
        Path path = namesDir.resolve(name.substring(1));
        Object key;
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw new KernelException(Errno.EINVAL, name + " is not a shared memory object");
            }
            key = a.fileKey();
        } catch (NoSuchFileException e) {
            key = null;
        } catch (IOException e) {
            throw Faults.io("lookup of " + name, e);
        }
        ShmObject obj = names.get(name);
        if (obj != null) {
            if (obj.fileKey.equals(key)) {
                return obj;
            }
            if (key == null && exiting && obj.path.startsWith(base)) {
                // The JVM's exit removed our private folder, not another JVM: the name is still ours
                // (a component that unlinks its object while Felix stops finds it).
                return obj;
            }
            // Unlinked (or replaced) by another JVM: the name no longer refers to our object.
            names.remove(name);
            obj.linked = false;
            obj.backing = null;
            release(obj);
        }
        return key == null ? null : adopt(name, path);
    }

    /** Opens an object found in the folder that this registry did not make. */
    private ShmObject adopt(String name, Path path) {
        FileChannel ch;
        boolean writable = true;
        try {
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (AccessDeniedException e) {
                ch = FileChannel.open(path, StandardOpenOption.READ);
                writable = false;
            }
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw Faults.io("open of " + name, e);
        }
        try {
            ShmObject obj = new ShmObject(name, path, FileMeta.read(path), ch, writable);
            obj.linked = true;
            obj.refs = 1;
            names.put(name, obj);
            objects.add(obj);
            return obj;
        } catch (IOException e) {
            closeQuietly(ch);
            throw Faults.io("attributes of " + name, e);
        }
    }

    /** Creates the named object; null when the file appeared meanwhile (another JVM). */
    private ShmObject create(ShmProcess p, String name, int mode) {
        Path path = namesDir.resolve(name.substring(1));
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            return null;
        } catch (IOException e) {
            throw Faults.io("creation of " + name, e);
        }
        try {
            FileMeta.write(path, mode, p.uid, p.gid);
            ShmObject obj = new ShmObject(name, path, FileMeta.read(path), ch, true);
            obj.linked = true;
            obj.refs = 1;
            names.put(name, obj);
            objects.add(obj);
            return obj;
        } catch (IOException e) {
            closeQuietly(ch);
            deleteQuietly(path);
            throw Faults.io("creation of " + name, e);
        }
    }

    private ShmObject createAnonymous(ShmProcess p, int mode) {
        Path path = null;
        try {
            path = Files.createTempFile(anonDir, "anon-", "");
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileMeta.write(path, mode, p.uid, p.gid);
            FileMeta meta = FileMeta.read(path);
            // Kept in the private folder while referred to, so that a handle can link it into the
            // node folder for another JVM; deleted with the last reference (or the folder).
            ShmObject obj = new ShmObject("", null, meta, ch, true);
            obj.backing = path;
            obj.ownsBacking = true;
            objects.add(obj);
            return obj;
        } catch (IOException e) {
            if (path != null) {
                deleteQuietly(path);
            }
            throw Faults.io("creation of an anonymous object", e);
        }
    }

    private static void checkAccess(ShmProcess p, ShmObject obj, int access) {
        int need = access == O_RDWR ? 6 : 4;
        if (p.uid != 0) {
            int bits = p.uid == obj.uid ? obj.mode >> 6 : p.gid == obj.gid ? obj.mode >> 3 : obj.mode;
            if ((bits & need) != need) {
                throw new KernelException(Errno.EACCES, "mode 0" + Integer.toOctalString(obj.mode) + " of "
                        + obj.describe() + " denies " + (access == O_RDWR ? "O_RDWR" : "O_RDONLY") + " to uid "
                        + p.uid + " gid " + p.gid);
            }
        }
        if (access == O_RDWR && !obj.writable) {
            throw new KernelException(Errno.EACCES, "this JVM may only read " + obj.describe());
        }
    }

    void close(ShmProcess p, int fd) {
        lock.lock();
        try {
            ShmProcess.OpenFd f = p.fds.remove(fd);
            if (f == null) {
                throw new KernelException(Errno.EBADF, "fd " + fd + " is not a shared memory object");
            }
            release(f.object());
        } finally {
            lock.unlock();
        }
        detachFd(p, fd);
    }

    void shmUnlink(ShmProcess p, String name) {
        checkName(name);
        lock.lock();
        try {
            ensureOpen();
            ensureUsable(p);
            ShmObject obj = lookup(name);
            if (obj == null) {
                throw new KernelException(Errno.ENOENT, "no shared memory object " + name);
            }
            if (p.uid != 0 && p.uid != obj.uid) {
                throw new KernelException(Errno.EACCES, "only root or uid " + obj.uid + " may unlink " + name);
            }
            names.remove(name);
            obj.linked = false;
            keepOrDelete(obj);
            release(obj);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The name of {@code obj} goes. While fds, mappings or handles still refer to it, its file
     * moves into the private folder (so a handle can still link it for another JVM); otherwise,
     * or when it cannot move there (another file system), it is deleted.
     */
    private void keepOrDelete(ShmObject obj) {
        Path path = obj.path;
        obj.backing = null;
        if (obj.refs > 1) {
            Path kept = anonDir.resolve("unlinked-" + Long.toHexString(RANDOM.nextLong()));
            try {
                Files.move(path, kept, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                obj.backing = kept;
                obj.ownsBacking = true;
                return;
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("cannot keep the file of unlinked {} in {}: {}", obj.describe(), anonDir, e.toString());
            }
        }
        deleteQuietly(path);
    }

    /** Drops one reference; the last one closes the file and deletes the private file that kept it. */
    private void release(ShmObject obj) {
        if (--obj.refs > 0) {
            return;
        }
        objects.remove(obj);
        closeQuietly(obj.channel);
        if (obj.ownsBacking && obj.backing != null) {
            deleteQuietly(obj.backing);
            obj.backing = null;
        }
    }

    private int attachFd(ShmProcess p) {
        return p.kernel.connectAttach(Kernel.ND_LOCAL_NODE, manager.pid(), managerChid, 0, 0);
    }

    private static void detachFd(ShmProcess p, int fd) {
        try {
            p.kernel.connectDetach(fd);
        } catch (KernelException e) {
            // The process died meanwhile: the kernel detached it.
        }
    }

    // ------------------------------------------------------------------ ftruncate, fstat

    void ftruncate(ShmProcess p, int fd, long size) {
        if (size < 0) {
            throw new KernelException(Errno.EINVAL, "negative size " + size);
        }
        if (size > maxSize) {
            throw new KernelException(Errno.ENOMEM, size + " bytes is more than the " + maxSize
                    + " bytes an object may have");
        }
        lock.lock();
        try {
            ShmProcess.OpenFd f = fd(p, fd);
            if (f.access() != O_RDWR) {
                throw new KernelException(Errno.EBADF, "fd " + fd + " is not open for writing");
            }
            resize(f.object(), roundUp(size));
        } finally {
            lock.unlock();
        }
    }

    private static void resize(ShmObject obj, long size) {
        long old = obj.size();
        if (size < old && size < obj.mappedEnd()) {
            // A shrunk file under a live mapping faults on access: refuse rather than crash later.
            throw new KernelException(Errno.EBUSY, obj.describe() + " is mapped up to " + obj.mappedEnd());
        }
        try {
            if (size < old) {
                ShmIo.run(() -> obj.channel.truncate(size));
            } else if (size > old) {
                // Writing the last byte extends the file; the hole reads as zeros.
                ShmIo.run(() -> obj.channel.write(ByteBuffer.allocate(1), size - 1));
            }
        } catch (IOException e) {
            throw Faults.io("resize of " + obj.describe(), e);
        }
    }

    ShmStat fstat(ShmProcess p, int fd) {
        lock.lock();
        try {
            return fd(p, fd).object().stat();
        } finally {
            lock.unlock();
        }
    }

    private static ShmProcess.OpenFd fd(ShmProcess p, int fd) {
        ShmProcess.OpenFd f = p.fds.get(fd);
        if (f == null) {
            throw new KernelException(Errno.EBADF, "fd " + fd + " is not a shared memory object");
        }
        return f;
    }

    static long roundUp(long size) {
        return (size + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    // ------------------------------------------------------------------ mmap, munmap

    MappingImpl mmap(ShmProcess p, long length, int prot, int flags, int fd, long offset) {
        if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown prot bits 0x" + Integer.toHexString(prot));
        }
        if ((prot & PROT_EXEC) != 0 || prot == 0) {
            throw new KernelException(Errno.ENOTSUP, "the JVM maps readable memory only (no PROT_NONE, PROT_EXEC)");
        }
        if ((flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED)) != 0) {
            throw new KernelException(Errno.EINVAL, "unknown flags 0x" + Integer.toHexString(flags));
        }
        if ((flags & MAP_FIXED) != 0) {
            throw new KernelException(Errno.ENOTSUP, "MAP_FIXED: the JVM chooses the address");
        }
        int share = flags & (MAP_SHARED | MAP_PRIVATE);
        if (share != MAP_SHARED && share != MAP_PRIVATE) {
            throw new KernelException(Errno.EINVAL, "exactly one of MAP_SHARED and MAP_PRIVATE");
        }
        if (length <= 0) {
            throw new KernelException(Errno.EINVAL, "length " + length + " is below 1");
        }
        if (offset < 0 || offset % PAGE_SIZE != 0) {
            throw new KernelException(Errno.EINVAL, "offset " + offset + " is not a multiple of the page size");
        }
        lock.lock();
        try {
            ensureUsable(p);
            ShmProcess.OpenFd f = fd(p, fd);
            ShmObject obj = f.object();
            boolean write = (prot & PROT_WRITE) != 0;
            if (write && share == MAP_SHARED && f.access() != O_RDWR) {
                throw new KernelException(Errno.EACCES, "a shared writable mapping needs an fd opened O_RDWR");
            }
            long size = obj.size();
            if (offset > size || length > size - offset) {
                throw new KernelException(Errno.ENXIO, length + " bytes at " + offset + " pass the end of "
                        + obj.describe() + " (" + size + " bytes)");
            }
            FileChannel.MapMode mode = !write ? FileChannel.MapMode.READ_ONLY
                    : share == MAP_SHARED ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.PRIVATE;
            if (mode != FileChannel.MapMode.READ_ONLY && !obj.writable) {
                throw new KernelException(Errno.EACCES, "this JVM may only read " + obj.describe());
            }
            Arena arena = Arena.ofShared();
            MemorySegment seg;
            try {
                seg = ShmIo.run(() -> obj.channel.map(mode, offset, length, arena));
            } catch (IOException | RuntimeException e) {
                arena.close();
                KernelException k = new KernelException(Errno.ENOMEM, "cannot map " + obj.describe() + ": " + e);
                k.initCause(e);
                throw k;
            }
            MappingImpl m = new MappingImpl(p, obj, arena, seg, offset, prot, flags);
            obj.refs++;
            obj.mappings.add(m);
            p.mappings.add(m);
            return m;
        } finally {
            lock.unlock();
        }
    }

    void munmap(ShmProcess p, io.courier.shm.Mapping mapping) {
        lock.lock();
        try {
            if (!(mapping instanceof MappingImpl m) || m.process != p || !m.mapped) {
                throw new KernelException(Errno.EINVAL, mapping + " is not mapped in process " + p.pid);
            }
            unmapLocked(m);
        } finally {
            lock.unlock();
        }
    }

    private void unmapLocked(MappingImpl m) {
        if (!m.mapped) {
            return;
        }
        m.mapped = false;
        m.process.mappings.remove(m);
        m.object.mappings.remove(m);
        DeadMutexWatch.unmapped(m);
        try {
            m.arena.close();
        } catch (IllegalStateException e) {
            LOG.warn("cannot unmap {} now: {}", m, e.getMessage());
        }
        release(m.object);
    }

    // ------------------------------------------------------------------ handles

    long shmCreateHandle(ShmProcess p, int fd, int pid, int perms, int flags) {
        if (flags != 0) {
            throw new KernelException(Errno.EINVAL, "unknown handle flags 0x" + Integer.toHexString(flags));
        }
        checkPerms(perms);
        Kernel target = microkernel.process(pid).orElse(null);
        if (target == null) {
            return shmCreateNodeHandle(p, fd, pid, perms);
        }
        // The target's state, so that its death drops the handle.
        ShmProcess tp = process(target);
        lock.lock();
        try {
            ensureUsable(p);
            ShmProcess.OpenFd f = fd(p, fd);
            if (perms == O_RDWR && f.access() != O_RDWR) {
                throw new KernelException(Errno.EACCES, "fd " + fd + " is read-only: no O_RDWR handle for it");
            }
            ensureUsable(tp);
            long handle;
            handle = newHandle();
            handles.put(handle, new ShmHandle(f.object(), pid, perms, p.pid));
            f.object().refs++;
            return handle;
        } finally {
            lock.unlock();
        }
    }

    /** A handle value no handle of this JVM or of the node's table has; under the lock. */
    private long newHandle() {
        long handle;
        do {
            handle = RANDOM.nextLong();
        } while (handle == 0 || handles.containsKey(handle) || nodeHandles != null && nodeHandles.holds(handle));
        return handle;
    }

    /**
     * A handle for process {@code pid} of another JVM of the node: its object's file is linked
     * into the node folder and the handle recorded in the node's handle table, where that JVM
     * finds it. The link keeps the bytes; this registry keeps no reference for the handle.
     */
    private long shmCreateNodeHandle(ShmProcess p, int fd, int pid, int perms) {
        io.courier.node.Member target = microkernel.nodeMember(pid);
        io.courier.node.Member self = microkernel.nodeSelf();
        if (nodeHandles == null || target == null || self == null || target.slot() == self.slot()) {
            throw new KernelException(Errno.ESRCH, "no process " + pid);
        }
        lock.lock();
        try {
            ensureOpen();
            ensureUsable(p);
            ShmProcess.OpenFd f = fd(p, fd);
            if (perms == O_RDWR && f.access() != O_RDWR) {
                throw new KernelException(Errno.EACCES, "fd " + fd + " is read-only: no O_RDWR handle for it");
            }
            ShmObject obj = f.object();
            if (obj.backing == null) {
                throw new KernelException(Errno.ENOTSUP, obj.describe()
                        + " has no file left to hand to another JVM (another JVM unlinked it)");
            }
            long handle = newHandle();
            nodeHandles.create(handle, obj.backing, obj.fileKey, obj.ino, obj.name, p.pid, pid, target, perms);
            return handle;
        } finally {
            lock.unlock();
        }
    }

    int shmOpenHandle(ShmProcess p, long handle, int perms) {
        checkPerms(perms);
        int fd = attachFd(p);
        boolean done = false;
        lock.lock();
        try {
            ensureUsable(p);
            ShmHandle h = handles.get(handle);
            if (h == null && nodeHandles != null) {
                ShmObject obj = openNodeHandle(p, handle, perms);
                p.fds.put(fd, new ShmProcess.OpenFd(obj, perms));
                done = true;
                return fd;
            }
            if (h == null) {
                throw new KernelException(Errno.EINVAL, "no such handle (unknown, deleted or used already)");
            }
            if (h.pid() != p.pid) {
                throw new KernelException(Errno.EACCES, "the handle is for process " + h.pid());
            }
            if (perms == O_RDWR && h.perms() != O_RDWR) {
                throw new KernelException(Errno.EACCES, "the handle grants O_RDONLY only");
            }
            handles.remove(handle);
            // The handle's reference becomes the fd's.
            p.fds.put(fd, new ShmProcess.OpenFd(h.object(), perms));
            done = true;
            return fd;
        } finally {
            lock.unlock();
            if (!done) {
                detachFd(p, fd);
            }
        }
    }

    /**
     * Opens the handle another JVM of the node made for process {@code p}: takes its entry
     * (single use), moves its link file into the private folder (it then keeps the bytes while
     * this JVM refers to them) and opens it. Called under the lock.
     */
    private ShmObject openNodeHandle(ShmProcess p, long handle, int perms) {
        ensureOpen();
        NodeHandles.Entry e = nodeHandles.find(handle);
        if (e == null) {
            throw new KernelException(Errno.EINVAL, "no such handle (unknown, deleted or used already)");
        }
        if (e.targetPid() != p.pid) {
            throw new KernelException(Errno.EACCES, "the handle is for process " + e.targetPid());
        }
        if (perms == O_RDWR && e.perms() != O_RDWR) {
            throw new KernelException(Errno.EACCES, "the handle grants O_RDONLY only");
        }
        if (!nodeHandles.take(e)) {
            throw new KernelException(Errno.EINVAL, "no such handle (deleted or used already)");
        }
        Path link = nodeHandles.link(handle);
        Path kept = anonDir.resolve("handle-" + Long.toHexString(handle));
        FileChannel ch = null;
        try {
            try {
                Files.move(link, kept, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException gone) {
                throw new KernelException(Errno.EINVAL, "the handle's object is gone");
            } catch (IOException | UnsupportedOperationException otherFileSystem) {
                // Open it where it is, and let the link go once open: the fd keeps the bytes.
                kept = null;
            }
            Path file = kept != null ? kept : link;
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long ino = ((Number) Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
            if (!a.isRegularFile() || ino != e.ino()) {
                LOG.warn("node {}: the file of handle entry {} is not the object it names (regular {}, serial {} not {})",
                        nodeHandles.folder(), e.index(), a.isRegularFile(), ino, e.ino());
                if (kept != null) {
                    deleteQuietly(kept);
                }
                throw new KernelException(Errno.EINVAL, "the handle's file is not its object");
            }
            boolean writable = true;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (AccessDeniedException ro) {
                ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                writable = false;
            }
            ShmObject obj = new ShmObject(e.name(), null, FileMeta.read(file), ch, writable);
            obj.backing = kept;
            obj.ownsBacking = kept != null;
            obj.refs = 1;
            objects.add(obj);
            return obj;
        } catch (IOException io) {
            if (ch != null) {
                closeQuietly(ch);
            }
            if (kept != null) {
                deleteQuietly(kept);
            }
            throw Faults.io("open of a handle of another JVM", io);
        } finally {
            if (kept == null) {
                deleteQuietly(link);
            }
            nodeHandles.clear(e.index());
        }
    }

    void shmDeleteHandle(ShmProcess p, long handle) {
        lock.lock();
        try {
            ShmHandle h = handles.get(handle);
            if (h == null && nodeHandles != null) {
                deleteNodeHandle(p, handle);
                return;
            }
            if (h == null) {
                throw new KernelException(Errno.EINVAL, "no such handle (unknown, deleted or used already)");
            }
            if (h.pid() != p.pid && h.creatorPid() != p.pid) {
                throw new KernelException(Errno.EACCES, "the handle is neither made by nor for process " + p.pid);
            }
            handles.remove(handle);
            release(h.object());
        } finally {
            lock.unlock();
        }
    }

    /** Deletes a handle of the node's table, made by or for process {@code p}. Called under the lock. */
    private void deleteNodeHandle(ShmProcess p, long handle) {
        ensureOpen();
        NodeHandles.Entry e = nodeHandles.find(handle);
        if (e == null) {
            throw new KernelException(Errno.EINVAL, "no such handle (unknown, deleted or used already)");
        }
        if (e.targetPid() != p.pid && e.creatorPid() != p.pid) {
            throw new KernelException(Errno.EACCES, "the handle is neither made by nor for process " + p.pid);
        }
        if (!nodeHandles.drop(e)) {
            throw new KernelException(Errno.EINVAL, "no such handle (deleted or used already)");
        }
    }

    private static void checkPerms(int perms) {
        if (perms != O_RDONLY && perms != O_RDWR) {
            throw new KernelException(Errno.EINVAL, "perms are O_RDONLY or O_RDWR, not 0x" + Integer.toHexString(perms));
        }
    }

    // ------------------------------------------------------------------ listing, life

    /** The {@code /dev/shmem} listing: every object in the folder, by name. */
    public List<ShmStat> list() {
        List<ShmStat> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(namesDir)) {
            files = s.toList();
        } catch (IOException e) {
            throw Faults.io("listing of " + namesDir, e);
        }
        for (Path f : files) {
            String name = "/" + f.getFileName();
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                FileMeta meta = FileMeta.read(f);
                out.add(new ShmStat(name, Files.size(f), meta.mode(), meta.uid(), meta.gid(), meta.ino()));
            } catch (IOException e) {
                // Unlinked while we looked.
            }
        }
        out.sort(Comparator.comparing(ShmStat::name));
        return out;
    }

    /** Closes everything: the manager died (the kernel closed) or the bundle is stopping. */
    private void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            REGISTRIES.remove(microkernel, this);
            for (ShmProcess p : processes.values()) {
                for (MappingImpl m : new ArrayList<>(p.mappings)) {
                    unmapLocked(m);
                }
                p.fds.clear();
                p.dead = true;
            }
            processes.clear();
            handles.clear();
            if (nodeHandles != null) {
                nodeHandles.close();
            }
            names.clear();
            for (ShmObject obj : objects) {
                closeQuietly(obj.channel);
            }
            objects.clear();
        } finally {
            lock.unlock();
        }
        deleteTree(base);
        PRIVATE_FOLDERS.remove(base);
        LOG.debug("shared memory of {} closed", microkernel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("closing a shared memory file failed", e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("deleting {} failed", path, e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(ShmRegistry::deleteQuietly);
        } catch (IOException e) {
            LOG.debug("deleting {} failed", root, e);
        }
    }

    @Override
    public String toString() {
        return "ShmRegistry[" + namesDir + "]";
    }
}

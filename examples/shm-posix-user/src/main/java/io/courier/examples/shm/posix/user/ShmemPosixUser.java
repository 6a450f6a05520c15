package io.courier.examples.shm.posix.user;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.courier.examples.shm.posix.ShmemPosix;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.shm.Mapping;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmAtomics;
import io.courier.shm.ShmCondvar;
import io.courier.shm.ShmMutex;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shmem_posix_user}: opens the object by name (retrying while the creator is not up),
 * waits for updates and hands each new text to a consumer. A wait that times out checks whether
 * the name now refers to another object (a restarted creator) and re-opens it.
 */
public final class ShmemPosixUser implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemPosixUser.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final SharedMemory shm;
    private final String name;
    private final Consumer<String> updates;
    private final Thread follower;
    private volatile boolean running = true;
    private Mapping m;
    private long ino;
    private long lastVersion;

    /** Starts following {@code name}. */
    public ShmemPosixUser(SharedMemory shm, String name, Consumer<String> updates) {
        this.shm = shm;
        this.name = name;
        this.updates = updates;
        follower = Thread.ofPlatform().daemon().name("shmem_posix_user").start(this::run);
    }

    private void run() {
        try {
            while (running) {
                if (m == null) {
                    attach();
                } else {
                    follow();
                }
            }
        } catch (InterruptedException e) {
            LOG.debug("user stops: {}", e.toString());
        } catch (KernelException e) {
            if (running) {
                LOG.warn("user stops on an error", e);
            }
        } finally {
            if (m != null && m.isMapped()) {
                shm.munmap(m);
            }
        }
    }

    /** get_shared_memory_pointer(): open and map, then wait for init_flag. */
    private void attach() throws InterruptedException {
        int fd;
        try {
            fd = shm.shmOpen(name, SharedMemory.O_RDWR, 0);
        } catch (KernelException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            Thread.sleep(POLL);
            return;
        }
        try {
            ino = shm.fstat(fd).ino();
            m = shm.mmap(ShmemPosix.SIZE, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED,
                    fd, 0);
        } catch (KernelException e) {
            if (e.errno() != Errno.ENXIO) {
                throw e;
            }
            // Opened between the creator's shm_open and ftruncate: too small yet, try again.
            Thread.sleep(POLL);
            return;
        } finally {
            shm.close(fd);
        }
        while (running && ShmAtomics.getAcquire(m.segment(), ShmemPosix.INIT_FLAG) == 0) {
            Thread.sleep(POLL);
        }
        lastVersion = 0;
    }

    private void follow() {
        ShmMutex mutex = m.mutex(ShmemPosix.MUTEX);
        ShmCondvar cond = m.condvar(ShmemPosix.COND);
        if (mutex.lock() == Errno.EOWNERDEAD) {
            repair(mutex);
        }
        String text = null;
        try {
            while (running && m.segment().get(JAVA_LONG, ShmemPosix.DATA_VERSION) == lastVersion) {
                Errno r = cond.await(mutex, POLL);
                if (r == Errno.EOWNERDEAD) {
                    repair(mutex);
                } else if (r == Errno.ETIMEDOUT) {
                    break;
                }
            }
            long version = m.segment().get(JAVA_LONG, ShmemPosix.DATA_VERSION);
            if (version != lastVersion) {
                lastVersion = version;
                text = ShmemPosix.readText(m.segment());
            }
        } finally {
            mutex.unlock();
        }
        if (text != null) {
            updates.accept(text);
        } else if (replaced()) {
            LOG.info("{} names a new object: re-opening", name);
            shm.munmap(m);
            m = null;
        }
    }

    /** The creator died mid-update (version written, text not yet): rewrite the text. */
    private void repair(ShmMutex mutex) {
        long version = m.segment().get(JAVA_LONG, ShmemPosix.DATA_VERSION);
        ShmemPosix.writeText(m.segment(), "data update: " + version);
        mutex.consistent();
    }

    private boolean replaced() {
        try {
            int fd = shm.shmOpen(name, SharedMemory.O_RDONLY, 0);
            long now = shm.fstat(fd).ino();
            shm.close(fd);
            return now != ino;
        } catch (KernelException e) {
            return false;
        }
    }

    /** Stops following. */
    @Override
    public void close() {
        running = false;
        follower.interrupt();
        try {
            follower.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

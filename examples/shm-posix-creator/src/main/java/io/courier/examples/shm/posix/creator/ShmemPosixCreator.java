package io.courier.examples.shm.posix.creator;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shmem_posix_creator}: creates the named object and updates it every {@code period},
 * broadcasting the condvar after each update. With the answers to the seed's question
 * ("what happens if you kill them and restart them?"): a stale name left by a killed creator is
 * unlinked before creating, and the mutex is robust, so a creator killed mid-update does not
 * block users for good.
 */
public final class ShmemPosixCreator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShmemPosixCreator.class);

    private final SharedMemory shm;
    private final String name;
    private final Mapping m;
    private final ShmMutex mutex;
    private final ShmCondvar cond;
    private final Thread updater;
    /** The object's inode: the name is ours while it refers to this one. */
    private final long ino;
    private volatile boolean running = true;

    /** Creates {@code name} and starts updating it. */
    public ShmemPosixCreator(SharedMemory shm, String name, Duration period) {
        this.shm = shm;
        this.name = name;
        try {
            shm.shmUnlink(name);
            LOG.info("removed the stale object {}", name);
        } catch (KernelException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
        int fd = shm.shmOpen(name, SharedMemory.O_RDWR | SharedMemory.O_CREAT | SharedMemory.O_EXCL, 0660);
        try {
            shm.ftruncate(fd, ShmemPosix.SIZE);
            ino = shm.fstat(fd).ino();
            m = shm.mmap(ShmemPosix.SIZE, SharedMemory.PROT_READ | SharedMemory.PROT_WRITE, SharedMemory.MAP_SHARED,
                    fd, 0);
        } finally {
            shm.close(fd);
        }
        mutex = m.initMutex(ShmemPosix.MUTEX, ShmMutex.ROBUST);
        cond = m.initCondvar(ShmemPosix.COND);
        ShmAtomics.setRelease(m.segment(), ShmemPosix.INIT_FLAG, 1);
        LOG.info("shared memory {} created and init_flag set", name);
        updater = Thread.ofPlatform().daemon().name("shmem_posix_creator").start(() -> run(period));
    }

    private void run(Duration period) {
        try {
            while (running) {
                Thread.sleep(period);
                update();
            }
        } catch (InterruptedException | KernelException e) {
            LOG.debug("creator stops: {}", e.toString());
        }
    }

    /** One update: a new version and its text, under the mutex, then a broadcast. */
    public void update() {
        if (mutex.lock() == Errno.EOWNERDEAD) {
            mutex.consistent();
        }
        long version = m.segment().get(JAVA_LONG, ShmemPosix.DATA_VERSION) + 1;
        m.segment().set(JAVA_LONG, ShmemPosix.DATA_VERSION, version);
        ShmemPosix.writeText(m.segment(), "data update: " + version);
        mutex.unlock();
        cond.broadcast();
    }

    /** Stops updating, unmaps and removes the name. */
    @Override
    public void close() {
        running = false;
        updater.interrupt();
        try {
            updater.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shm.munmap(m);
        unlinkIfOurs();
    }

    /**
     * Removes the name when it still refers to the object this creator made: another creator
     * (restarted elsewhere, another JVM sharing the folder) may have unlinked or replaced it.
     */
    private void unlinkIfOurs() {
        try {
            int fd = shm.shmOpen(name, SharedMemory.O_RDONLY, 0);
            long now;
            try {
                now = shm.fstat(fd).ino();
            } finally {
                shm.close(fd);
            }
            if (now != ino) {
                LOG.info("{} names another creator's object now: left alone", name);
                return;
            }
            shm.shmUnlink(name);
        } catch (KernelException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            LOG.info("{} was unlinked already", name);
        }
    }
}

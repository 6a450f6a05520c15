package io.courier.resmgr;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The attributes of one entry a manager serves ({@code iofunc_attr_t}): mode, owner, size,
 * times, link count and the count of opens. A manager makes one per device, file or directory
 * and may extend it with its own state.
 *
 * <p>Guarded by its own lock ({@code iofunc_attr_lock()}): the dispatch layer holds it around
 * every handler call for an OCB on this entry, so handlers need no locking of their own for the
 * entry's state. Code outside handlers takes it with {@link #lock()}; the accessors take it
 * themselves.
 */
public class IoAttr {
    private static final AtomicLong INODES = new AtomicLong();

    private final ReentrantLock lock = new ReentrantLock();
    private final long ino;
    private int mode;
    private int uid;
    private int gid;
    private int nlink = 1;
    private long size;
    private long atime;
    private long mtime;
    private long ctime;
    private int opens;

    /** {@code iofunc_attr_init()}: an entry with {@code mode} ({@link Mode}), owned by {@code uid}/{@code gid}. */
    public IoAttr(int mode, int uid, int gid) {
        this.ino = INODES.incrementAndGet();
        this.mode = mode;
        this.uid = uid;
        this.gid = gid;
        long now = System.currentTimeMillis();
        atime = now;
        mtime = now;
        ctime = now;
    }

    /** Takes the entry's lock (reentrant). */
    public final void lock() {
        lock.lock();
    }

    /** Releases the entry's lock. */
    public final void unlock() {
        lock.unlock();
    }

    /** The inode number, unique in this JVM. */
    public final long ino() {
        return ino;
    }

    /** The type and permission bits. */
    public final int mode() {
        lock.lock();
        try {
            return mode;
        } finally {
            lock.unlock();
        }
    }

    /** Sets the mode ({@code chmod}); keeps the file type unless {@code mode} has one. */
    public final void mode(int newMode) {
        lock.lock();
        try {
            mode = (newMode & Mode.S_IFMT) != 0 ? newMode : (mode & Mode.S_IFMT) | (newMode & ~Mode.S_IFMT);
            ctime = System.currentTimeMillis();
        } finally {
            lock.unlock();
        }
    }

    /** The owner. */
    public final int uid() {
        lock.lock();
        try {
            return uid;
        } finally {
            lock.unlock();
        }
    }

    /** The group. */
    public final int gid() {
        lock.lock();
        try {
            return gid;
        } finally {
            lock.unlock();
        }
    }

    /** Sets owner and group ({@code chown}). */
    public final void owner(int newUid, int newGid) {
        lock.lock();
        try {
            uid = newUid;
            gid = newGid;
            ctime = System.currentTimeMillis();
        } finally {
            lock.unlock();
        }
    }

    /** The size in bytes ({@code nbytes}). */
    public final long size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /** Sets the size. */
    public final void size(long newSize) {
        lock.lock();
        try {
            size = newSize;
        } finally {
            lock.unlock();
        }
    }

    /** The link count. */
    public final int nlink() {
        lock.lock();
        try {
            return nlink;
        } finally {
            lock.unlock();
        }
    }

    /** Sets the link count. */
    public final void nlink(int n) {
        lock.lock();
        try {
            nlink = n;
        } finally {
            lock.unlock();
        }
    }

    /** The OCBs open on this entry now. */
    public final int opens() {
        lock.lock();
        try {
            return opens;
        } finally {
            lock.unlock();
        }
    }

    /** Whether this entry is a directory. */
    public final boolean isDirectory() {
        return Mode.isDirectory(mode());
    }

    /** Marks the entry read now ({@code IOFUNC_ATTR_ATIME}). */
    public final void markAccessed() {
        lock.lock();
        try {
            atime = System.currentTimeMillis();
        } finally {
            lock.unlock();
        }
    }

    /** Marks the entry written now ({@code IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME}). */
    public final void markModified() {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            mtime = now;
            ctime = now;
        } finally {
            lock.unlock();
        }
    }

    /** The entry's status, as {@code iofunc_stat()} fills it. */
    public Stat stat() {
        lock.lock();
        try {
            return new Stat(ino, size, mode, uid, gid, nlink, atime, mtime, ctime);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code iofunc_ocb_attach()}'s count: an OCB was bound to a client on this entry. The
     * dispatch layer calls it; a manager does not.
     */
    public final void ocbAttach() {
        lock.lock();
        try {
            opens++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code iofunc_ocb_detach()}'s count: an OCB on this entry was freed. The dispatch layer
     * calls it; a manager does not.
     */
    public final void ocbDetach() {
        lock.lock();
        try {
            opens--;
        } finally {
            lock.unlock();
        }
    }
}

package io.courier.shm.internal;

import io.courier.shm.ShmStat;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A shared memory object as one kernel's registry sees it: the file that backs it (kept open,
 * so the bytes outlive the name until the last reference goes), its owner and mode, and its
 * references: the name, fds, mappings and handles (SPEC S3). Mutable fields are guarded by the
 * registry's lock.
 */
final class ShmObject {
    final String name;
    final Path path;
    final Object fileKey;
    final long ino;
    final FileChannel channel;
    final boolean writable;
    final int uid;
    final int gid;
    final int mode;

    /** Whether the name still refers to this object. */
    boolean linked;
    /**
     * A path that names the object's file, from which a handle for another JVM of the node links
     * it into the node folder; null when none is left (unlinked by another JVM).
     */
    Path backing;
    /** Whether {@link #backing} is this registry's to delete when the last reference goes (not the object's name). */
    boolean ownsBacking;
    /** The name (while linked), fds, mappings and handles that refer to it. */
    int refs;
    /** The live mappings of it made through this registry. */
    final List<MappingImpl> mappings = new ArrayList<>();

    ShmObject(String name, Path path, FileMeta meta, FileChannel channel, boolean writable) {
        this.name = name;
        this.path = path;
        this.fileKey = meta.fileKey();
        this.ino = meta.ino();
        this.channel = channel;
        this.writable = writable;
        this.uid = meta.uid();
        this.gid = meta.gid();
        this.mode = meta.mode();
        this.backing = path;
    }

    /** The current size of the object. */
    long size() {
        try {
            return ShmIo.run(channel::size);
        } catch (IOException e) {
            throw Faults.io("size of " + describe(), e);
        }
    }

    /** The end of the furthest mapping of this registry, page-rounded; 0 without mappings. */
    long mappedEnd() {
        long end = 0;
        for (MappingImpl m : mappings) {
            end = Math.max(end, m.offset() + ShmRegistry.roundUp(m.length()));
        }
        return end;
    }

    ShmStat stat() {
        return new ShmStat(name, size(), mode, uid, gid, ino);
    }

    String describe() {
        return name.isEmpty() ? "anonymous object " + ino : name;
    }

    @Override
    public String toString() {
        return "ShmObject[" + describe() + ", refs=" + refs + (linked ? ", linked" : "") + "]";
    }
}

package io.courier.shm.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the backing file says of an object: identity, mode and Courier owner. The mode is the
 * file's permission bits; the Courier owner (uid, gid) travels in a user extended attribute, so
 * another JVM that finds the file knows it; a file without one (made outside Courier, or on a
 * file system without user attributes) belongs to the file's operating-system owner.
 *
 * @param fileKey the file's identity in this JVM ({@code (dev, ino)})
 * @param ino the file serial number
 * @param mode the permission bits
 * @param uid the Courier owner's user id
 * @param gid the Courier owner's group id
 */
record FileMeta(Object fileKey, long ino, int mode, int uid, int gid) {
    private static final String OWNER_ATTRIBUTE = "courier.owner";
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    /** Reads the meta data of {@code path}, which must be a regular file. */
    static FileMeta read(Path path) throws IOException {
        PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        long ino = ((Number) Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
        int[] owner = readOwner(path);
        if (owner == null) {
            owner = new int[] {
                (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS),
            };
        }
        return new FileMeta(a.fileKey(), ino, mode(a.permissions()), owner[0], owner[1]);
    }

    /** Gives a new file its mode (exactly: Courier has no umask) and Courier owner. */
    static void write(Path path, int mode, int uid, int gid) throws IOException {
        Files.setPosixFilePermissions(path, permissions(mode));
        try {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
            if (v != null) {
                v.write(OWNER_ATTRIBUTE, StandardCharsets.US_ASCII.encode(uid + ":" + gid));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // No user attributes here: other JVMs will take the file's owner instead.
        }
    }

    private static int[] readOwner(Path path) {
        try {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
            if (v == null || !v.list().contains(OWNER_ATTRIBUTE)) {
                return null;
            }
            ByteBuffer b = ByteBuffer.allocate(v.size(OWNER_ATTRIBUTE));
            v.read(OWNER_ATTRIBUTE, b);
            String[] parts = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).split(":");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < BITS.length; bit++) {
            if ((mode & 1 << bit) != 0) {
                s.add(BITS[bit]);
            }
        }
        return s;
    }

    static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (int bit = 0; bit < BITS.length; bit++) {
            if (permissions.contains(BITS[bit])) {
                mode |= 1 << bit;
            }
        }
        return mode;
    }
}

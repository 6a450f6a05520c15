package io.courier.node.internal;

import io.courier.node.NodeFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/** {@link NodeFolder}: creates and checks the folder and the files in it. */
public record NodeFolderImpl(String name, Path path) implements NodeFolder {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    private static final Set<PosixFilePermission> FILE_MODE = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> GROUP_OTHER = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /** See {@link NodeFolder#open(Path, String)}. */
    public static NodeFolderImpl open(Path root, String name) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("a node name is 1-64 of [A-Za-z0-9._-]: " + name);
        }
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        Path dir = root.resolve("courier-" + user + "-" + name);
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // Someone made it: checked below like any other.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the node folder " + dir, e);
        }
        checkOwnerOnly(dir, true);
        return new NodeFolderImpl(name, dir);
    }

    /** This process's effective OS uid: the owner of {@code /proc/self}. */
    static int myUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this process's uid from /proc/self", e);
        }
    }

    /**
     * Refuses a path that is a link, not of the expected kind, not owned by this OS user, or open to
     * the group or others.
     */
    static void checkOwnerOnly(Path p, boolean directory) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink() || (directory ? !a.isDirectory() : !a.isRegularFile())) {
                throw new SecurityException("refusing " + p + ": not a " + (directory ? "folder" : "regular file"));
            }
            int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int me = myUid();
            if (uid != me) {
                throw new SecurityException("refusing " + p + ": owned by uid " + uid + ", not by this JVM's uid " + me);
            }
            Set<PosixFilePermission> open = EnumSet.copyOf(a.permissions().isEmpty()
                    ? EnumSet.noneOf(PosixFilePermission.class) : a.permissions());
            open.retainAll(GROUP_OTHER);
            if (!open.isEmpty()) {
                throw new SecurityException("refusing " + p + ": mode " + PosixFilePermissions.toString(a.permissions())
                        + " lets the group or others in (owner-only expected)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + p, e);
        }
    }

    /** The file {@code fileName} of the folder (a plain name, never a path). */
    public Path file(String fileName) {
        if (fileName == null || !NAME.matcher(fileName).matches() || fileName.startsWith(".")) {
            throw new IllegalArgumentException("a node file name is 1-64 of [A-Za-z0-9._-], not starting with '.': "
                    + fileName);
        }
        return path.resolve(fileName);
    }

    /**
     * Creates {@code fileName} of {@code size} bytes, filled in by {@code init} before anyone can
     * see it: the file is written under a private name, then linked to its name, which fails if
     * it exists ({@code link(2)} is atomic). Returns false (and leaves the existing file) when
     * another JVM created it first.
     */
    public boolean createAtomically(String fileName, long size, java.util.function.Consumer<java.lang.foreign.MemorySegment> init) {
        Path target = file(fileName);
        Path tmp = path.resolve("." + fileName + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.<java.nio.file.OpenOption>of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(FILE_MODE));
                    java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                init.accept(ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena));
            }
            try {
                Files.createLink(target, tmp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // A stray private file in our own folder: harmless, named by pid.
            }
        }
    }

    @Override
    public boolean createFile(String fileName, long size, java.util.function.Consumer<java.lang.foreign.MemorySegment> init) {
        return createAtomically(fileName, size, init);
    }

    @Override
    public java.lang.foreign.MemorySegment mapFile(String fileName, long minSize, long maxSize,
            java.lang.foreign.Arena arena) {
        return map(fileName, minSize, maxSize, arena);
    }

    /**
     * Maps {@code fileName} whole, read-write and shared, in {@code arena}, after checking it is
     * ours and owner-only and its size is {@code minSize} to {@code maxSize}.
     */
    public java.lang.foreign.MemorySegment map(String fileName, long minSize, long maxSize, java.lang.foreign.Arena arena) {
        Path p = file(fileName);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            checkOwnerOnly(p, false);
            long size = ch.size();
            if (size < minSize || size > maxSize) {
                throw new IllegalStateException(p + " has " + size + " bytes, expected " + minSize + " to " + maxSize);
            }
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no such node file " + p, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + p, e);
        }
    }
}

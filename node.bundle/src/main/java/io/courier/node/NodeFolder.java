package io.courier.node;

import io.courier.node.internal.NodeFolderImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The folder of a node's shared files: {@code <root>/courier-<OS user>-<node name>}, by default
 * {@code /dev/shm/courier-<user>-local}. It is created with mode 0700 and its files with 0600;
 * a folder that exists already is used only when it is a real folder (not a link) owned by this
 * JVM's OS user with no group or other permission bits, otherwise opening fails with
 * {@link SecurityException} saying what is wrong. A peer is trusted as far as its OS user.
 */
@ProviderType
public interface NodeFolder {
    /** System property naming the node ({@value #DEFAULT_NAME} when unset). */
    String NAME_PROPERTY = "courier.node";
    /** System property naming the folder the node folders sit in ({@value #DEFAULT_ROOT} when unset). */
    String ROOT_PROPERTY = "courier.node.root";
    /** The node of a machine and OS user when nothing else is named. */
    String DEFAULT_NAME = "local";
    /** Where node folders live by default: memory, not disk. */
    String DEFAULT_ROOT = "/dev/shm";

    /** The node named by the system properties (or the defaults). */
    static NodeFolder open() {
        return open(Path.of(System.getProperty(ROOT_PROPERTY, DEFAULT_ROOT)),
                System.getProperty(NAME_PROPERTY, DEFAULT_NAME));
    }

    /**
     * The node {@code name} under {@code root}, created if missing.
     *
     * @throws IllegalArgumentException the name is not 1–64 of {@code [A-Za-z0-9._-]}
     * @throws SecurityException the folder or a file in it is not owner-only or not ours
     * @throws java.io.UncheckedIOException the folder cannot be created or read
     */
    static NodeFolder open(Path root, String name) {
        return NodeFolderImpl.open(root, name);
    }

    /** The node's name. */
    String name();

    /**
     * Creates the file {@code fileName} (1–64 of {@code [A-Za-z0-9._-]}, not starting with a dot)
     * of {@code size} bytes, mode 0600, filled in by {@code init} before any other JVM can see
     * it (written under a private name, then linked to its name). Returns false, leaving the
     * file alone, when it exists already (another JVM created it first).
     *
     * @throws java.io.UncheckedIOException the file cannot be written
     */
    boolean createFile(String fileName, long size, Consumer<MemorySegment> init);

    /**
     * Maps the existing file {@code fileName} whole, read-write and shared, into {@code arena},
     * after checking that it is ours, owner-only, not a link, and {@code minSize} to
     * {@code maxSize} bytes long.
     *
     * @throws SecurityException the file is not ours or not owner-only
     * @throws IllegalStateException its size is out of bounds
     * @throws java.io.UncheckedIOException it is missing or cannot be mapped
     */
    MemorySegment mapFile(String fileName, long minSize, long maxSize, Arena arena);

    /** The folder. */
    Path path();
}

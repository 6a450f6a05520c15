package io.courier.node;

import io.courier.node.internal.NodeFolderImpl;
import java.nio.file.Path;
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

    /** The folder. */
    Path path();
}

package io.courier.resmgr.internal;

import io.courier.resmgr.ResmgrFlags;

/**
 * Where a path can resolve to: an attachment of this JVM ({@link Mount}) or of another JVM of the
 * node ({@link NodePaths.Entry}). Resolution needs no more than this to order the candidates and
 * to send the connect message.
 */
interface Target {
    /** The node of the manager's process, as this node numbers it: 0 for this node ({@link NetPaths}). */
    default int nd() {
        return io.courier.kernel.Kernel.ND_LOCAL_NODE;
    }

    /** The manager's process. */
    int pid();

    /** The channel its messages arrive on. */
    int chid();

    /** The id the manager's dispatch knows the attachment by: the connect message's {@code handle}. */
    int handle();

    /** The {@link ResmgrFlags} it was attached with. */
    int flags();

    /** Its place in the attach order (node-wide when the kernel joined a node): newer resolves first on a tie. */
    long seq();

    /** Whether its manager may still answer: its process (or its JVM) lives. */
    boolean alive();

    default boolean isDir() {
        return (flags() & ResmgrFlags.DIR) != 0;
    }

    default boolean isOpaque() {
        return (flags() & ResmgrFlags.OPAQUE) != 0;
    }

    /** Resolution order among the attachments of one path: BEFORE ones, then plain, then AFTER. */
    default int rank() {
        int f = flags();
        return (f & ResmgrFlags.BEFORE) != 0 ? 0 : (f & ResmgrFlags.AFTER) != 0 ? 2 : 1;
    }
}

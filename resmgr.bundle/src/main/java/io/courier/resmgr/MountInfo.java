package io.courier.resmgr;

/**
 * One entry of the pathname space in {@link Resmgr#mounts(io.courier.kernel.Microkernel)}: a path
 * prefix a resource manager attached ({@code resmgr_attach}), as a snapshot for introspection.
 *
 * @param path the attached path
 * @param pid the manager's process
 * @param chid the channel its messages arrive on
 * @param flags the {@link ResmgrFlags} it was attached with
 * @param mode the attributes' type and permission bits ({@link Mode})
 * @param uid the attributes' owner
 * @param gid the attributes' group
 */
public record MountInfo(String path, int pid, int chid, int flags, int mode, int uid, int gid) {
    /** Whether it serves the whole tree below its path ({@link ResmgrFlags#DIR}). */
    public boolean isDirectory() {
        return (flags & ResmgrFlags.DIR) != 0;
    }
}

package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Microkernel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SPEC B6 (the web view's data), R1: {@link Resmgr#mounts} shows the pathname space, each path
 * with its managers in resolution order; a manager's death takes its paths out; a kernel without
 * resource managers shows nothing and gets no pathname manager from the look.
 */
class MountsTest extends ResmgrTestSupport {

    @Test
    void b6MountsListThePathnameSpaceInResolutionOrder() {
        Resmgr dev = process("dev");
        Resmgr overlay = process("overlay");
        ResmgrHandler quiet = new ResmgrHandler() {
        };
        ResmgrAttachment sample = dev.resmgrAttach("/dev/sample", 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0), quiet);
        ResmgrAttachment ramfs = dev.resmgrAttach("/ramfs", ResmgrFlags.DIR, new IoAttr(Mode.S_IFDIR | 0755, 10, 20), quiet);
        overlay.resmgrAttach("/ramfs", ResmgrFlags.DIR | ResmgrFlags.BEFORE, new IoAttr(Mode.S_IFDIR | 0700, 0, 0),
                quiet);

        List<MountInfo> mounts = Resmgr.mounts(mk);
        assertEquals(List.of("/", "/dev/sample", "/ramfs", "/ramfs"), mounts.stream().map(MountInfo::path).toList());
        MountInfo root = mounts.get(0);
        assertTrue(root.isDirectory(), "the pathname manager serves /");
        assertEquals("pathmgr", mk.processes().stream().filter(p -> p.pid() == root.pid()).findFirst().orElseThrow()
                .name());
        assertEquals(new MountInfo("/dev/sample", dev.kernel().pid(), sample.dispatch().chid(), 0, Mode.S_IFCHR | 0666, 0, 0),
                mounts.get(1));
        assertEquals(overlay.kernel().pid(), mounts.get(2).pid(), "BEFORE resolves first");
        assertEquals(new MountInfo("/ramfs", dev.kernel().pid(), ramfs.dispatch().chid(), ResmgrFlags.DIR, Mode.S_IFDIR | 0755,
                10, 20), mounts.get(3));

        overlay.kernel().exit();
        assertEquals(List.of("/", "/dev/sample", "/ramfs"), Resmgr.mounts(mk).stream().map(MountInfo::path).toList());
    }

    @Test
    void b6MountsOfAKernelWithoutResourceManagersAreNone() {
        try (Microkernel quiet = Microkernel.boot()) {
            quiet.process("plain");
            assertEquals(List.of(), Resmgr.mounts(quiet));
            assertEquals(1, quiet.processes().size(), "no pathname manager was made");
        }
    }
}

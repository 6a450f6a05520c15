package io.courier.resmgr.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrHandler;
import io.courier.resmgr.ShmemEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SPEC R5 (and R2 underneath): the Gogo commands ls, cat and write, called as Gogo calls them. */
@Timeout(60)
class ResmgrCommandsTest {
    private Microkernel mk;
    private ResmgrCommands shell;
    private Resmgr server;

    /** A device that keeps what is written and gives it back when read. */
    static final class Memo implements ResmgrHandler {
        volatile ByteBuffer content = ByteBuffer.wrap("Hello\n".getBytes(StandardCharsets.UTF_8));

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            return IoFunc.readAt(ocb, content, nbytes);
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            ByteBuffer b = ByteBuffer.allocate(nbytes);
            ctx.msgRead(b, IoWriteLayout.SIZE);
            content = b.flip();
            ocb.attr().size(nbytes);
            return nbytes;
        }
    }

    @BeforeEach
    void boot() {
        mk = Microkernel.boot();
        shell = new ResmgrCommands(Resmgr.of(mk.process("gogo")));
        server = Resmgr.of(mk.process("server"));
    }

    @AfterEach
    void close() {
        mk.close();
    }

    @Test
    void r5LsListsAnyDirectoryWithTypesSizesAndOwners() {
        IoAttr attr = new IoAttr(Mode.S_IFCHR | 0640, 3, 4);
        attr.size(6);
        server.resmgrAttach("/dev/memo", 0, attr, new Memo());
        mk.process("named").nameAttach("svc", 0);
        String dev = shell.ls("/dev");
        assertEquals(String.join("\n",
                "crw-r-----     3     4        6 memo",
                "dr-xr-xr-x     0     0        0 name/",
                "dr-xr-xr-x     0     0        0 shmem/") + "\n", dev);
        assertEquals("dr-xr-xr-x     0     0        0 dev/\n", shell.ls());
        assertEquals("crw-r-----     3     4        6 /dev/memo", shell.ls("/dev/memo"));
        assertTrue(shell.ls("/dev/name/local").endsWith(" svc\n"));
        assertTrue(shell.ls("/dev/name/local").startsWith("nrw-rw-rw-"));
        KernelException e = assertThrows(KernelException.class, () -> shell.ls("/nowhere"));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void r5CatPrintsWhatReadingGivesAndWriteIsEchoIntoThePath() {
        server.resmgrAttach("/dev/memo", new Memo());
        assertEquals("Hello\n", shell.cat("/dev/memo"));
        shell.write("/dev/memo", "kept", "by", "the", "device");
        assertEquals("kept by the device\n", shell.cat("/dev/memo"));
        shell.write("/dev/memo");
        assertEquals("\n", shell.cat("/dev/memo"));
        assertEquals("\n", shell.cat("dev/memo"), "a relative path starts at /");
        assertEquals(Errno.EROFS,
                assertThrows(KernelException.class, () -> shell.write("/dev/shmem/x", "no")).errno());
        assertEquals(Errno.ENOENT, assertThrows(KernelException.class, () -> shell.cat("/dev/none")).errno());
    }

    @Test
    void r5CatOfADirectoryPrintsItsEntryNamesAsReadingItGivesDirents() {
        server.resmgrAttach("/dev/memo", new Memo());
        mk.process("named").nameAttach("checksum", 0);
        mk.process("other").nameAttach("ASYNCH_RECEIVER", 0);
        assertEquals("ASYNCH_RECEIVER\nchecksum\n", shell.cat("/dev/name/local"));
        assertEquals("memo\nname\nshmem\n", shell.cat("/dev"));
        assertEquals("dev\n", shell.cat("/"));
        assertTrue(shell.ls("dev/name/local").endsWith(" checksum\n"), "ls takes relative paths from / too");
    }

    @Test
    void r5CatStopsAtItsLimitOnADeviceThatNeverEnds() {
        server.resmgrAttach("/dev/zero", new ResmgrHandler() {
            @Override
            public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
                return ByteBuffer.allocate(nbytes);
            }
        });
        assertEquals(ResmgrCommands.CAT_MAX, shell.cat("/dev/zero").length());
    }

    @Test
    void r5ShmemServicesArePluggedIntoDevShmemAndUnpluggedWhenTheyGo() {
        ShmemDirectoryBinder binder = new ShmemDirectoryBinder(Resmgr.of(mk.process("io.courier.resmgr")));
        io.courier.resmgr.ShmemDirectory dir = () -> List.of(new ShmemEntry("seg", 8192, 0600, 0, 0));
        binder.addShmem(dir);
        assertEquals("-rw-------     0     0     8192 seg\n", shell.ls("/dev/shmem"));
        binder.removeShmem(dir);
        assertEquals("", shell.ls("/dev/shmem"));
        binder.addShmem(dir);
        binder.deactivate();
        assertEquals("", shell.ls("/dev/shmem"));
    }

    @Test
    void r5LsShowsModesTheWayLsDoes() {
        assertEquals("drwxr-x--x", Mode.toString(Mode.S_IFDIR | 0751));
        assertEquals("-rw-r--r--", Mode.toString(Mode.S_IFREG | 0644));
        assertEquals("p---------", Mode.toString(Mode.S_IFIFO));
    }
}

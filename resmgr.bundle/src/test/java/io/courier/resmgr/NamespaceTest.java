package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.NameAttach;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SPEC R5: /dev/name/local shows nameAttach'ed names, /dev/shmem shows shared memory objects, any directory lists. */
class NamespaceTest extends ResmgrTestSupport {

    @Test
    void r5DevNameLocalShowsTheAttachedNames() {
        Kernel server = mk.process("server");
        Resmgr client = process("client");
        assertEquals(List.of(), client.readdir("/dev/name/local"));
        NameAttach alpha = server.nameAttach("alpha", 0);
        server.nameAttach("beta", 0);
        assertEquals(List.of("alpha", "beta"), names(client.readdir("/dev/name/local")));
        Stat st = client.stat("/dev/name/local/alpha");
        assertEquals(Mode.S_IFNAM | 0666, st.mode());
        assertTrue(client.stat("/dev/name/local").isDirectory());
        assertEquals(List.of("local"), names(client.readdir("/dev/name")));
        server.nameDetach(alpha);
        assertEquals(List.of("beta"), names(client.readdir("/dev/name/local")));
        fails(Errno.ENOENT, () -> client.stat("/dev/name/local/alpha"));
        server.exit();
        assertEquals(List.of(), client.readdir("/dev/name/local"));
    }

    @Test
    void r5OpeningDevNameLocalConnectsToTheNamedServerLikeNameOpen() throws Exception {
        Kernel server = mk.process("server");
        Resmgr client = process("client");
        NameAttach attach = server.nameAttach("echo", 0);
        List<String> got = new CopyOnWriteArrayList<>();
        Future<Void> loop = async(() -> {
            ByteBuffer in = ByteBuffer.allocate(256);
            for (int i = 0; i < 2; i++) {
                long rcvid = server.msgReceive(attach.chid(), in.clear(), null);
                in.flip();
                if (IoConnectLayout.type(in) == IoMsg.IO_CONNECT) {
                    got.add("connect " + IoConnectLayout.path(in));
                    server.msgReply(rcvid, 0, null);
                } else {
                    got.add("message " + text(in.position(in.limit())));
                    server.msgReply(rcvid, 5, text("pong"));
                }
            }
            return null;
        });
        int fd = client.open("/dev/name/local/echo", OpenFlags.O_RDWR);
        assertTrue(fd < Kernel.SIDE_CHANNEL, "an fd");
        ByteBuffer reply = ByteBuffer.allocate(8);
        assertEquals(5, client.kernel().msgSend(fd, text("ping"), reply));
        assertEquals("pong", text(reply));
        await(loop);
        assertEquals(List.of("connect echo", "message ping"), got);
        client.kernel().connectDetach(fd);
        fails(Errno.ENOENT, () -> client.open("/dev/name/local/nobody", OpenFlags.O_RDONLY));
    }

    @Test
    void r5DevShmemShowsThePluggedInSharedMemoryObjects() {
        Kernel shm = mk.process("shm");
        Resmgr provider = Resmgr.of(shm);
        Resmgr client = process("client");
        assertEquals(List.of(), client.readdir("/dev/shmem"), "empty without a provider");
        List<ShmemEntry> objects = new CopyOnWriteArrayList<>(
                List.of(new ShmemEntry("myname", 4096, 0640, 5, 6), new ShmemEntry("other", 8192, 0600, 0, 0)));
        ShmemDirectory.Registration reg = provider.shmemDirectoryAttach(() -> List.copyOf(objects));
        assertEquals(List.of("myname", "other"), names(client.readdir("/dev/shmem")));
        Stat st = client.stat("/dev/shmem/myname");
        assertEquals(Mode.S_IFREG | 0640, st.mode());
        assertEquals(4096, st.size());
        assertEquals(5, st.uid());
        objects.add(new ShmemEntry("late", 1, 0644, 0, 0));
        assertEquals(List.of("late", "myname", "other"), names(client.readdir("/dev/shmem")), "a live listing");
        fails(Errno.EROFS, () -> client.open("/dev/shmem/myname", OpenFlags.O_RDWR));
        fails(Errno.EROFS, () -> client.open("/dev/shmem/new", OpenFlags.O_RDWR | OpenFlags.O_CREAT));
        reg.close();
        assertEquals(List.of(), client.readdir("/dev/shmem"));
        fails(Errno.ENOENT, () -> client.stat("/dev/shmem/myname"));

        provider.shmemDirectoryAttach(() -> objects);
        assertEquals(3, client.readdir("/dev/shmem").size());
        shm.exit();
        assertEquals(List.of(), client.readdir("/dev/shmem"), "the provider's death unplugs it");
    }

    @Test
    void r5AnyDirectoryListsAndThePathnameManagersEntriesAreReadOnly() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.Dir fs = new Devices.Dir("a", "b");
        server.resmgrAttach("/fs", ResmgrFlags.DIR, new IoAttr(Mode.S_IFDIR | 0755, 0, 0), fs);
        server.resmgrAttach("/fs/mnt", new Devices.TextFile(""));
        assertEquals(List.of("dev", "fs"), names(client.readdir("/")));
        assertEquals(List.of("a", "b", "mnt"), names(client.readdir("/fs")),
                "the manager's own entries and the mount point below it");
        assertEquals(List.of("name", "shmem"), names(client.readdir("/dev")));
        assertEquals(List.of("dev", "fs"), names(client.readdir("/dev/..")));
        fails(Errno.EISDIR, () -> client.open("/dev", OpenFlags.O_WRONLY));
        fails(Errno.EROFS, () -> client.mkdir("/dev/new", 0755));
        fails(Errno.EROFS, () -> client.open("/dev/new", OpenFlags.O_WRONLY | OpenFlags.O_CREAT));
        fails(Errno.EROFS, () -> client.unlink("/dev/name"));
        fails(Errno.ENOENT, () -> client.unlink("/dev/none"));
        // A directory read through an fd gives dirent records.
        int fd = client.open("/dev", OpenFlags.O_RDONLY);
        ByteBuffer buf = ByteBuffer.allocate(4096);
        int n = client.read(fd, buf);
        assertEquals(DirentLayout.recordSize(4) + DirentLayout.recordSize(5), n);
        assertEquals("name", DirentLayout.get(buf, 0).name());
        assertEquals("shmem", DirentLayout.get(buf, DirentLayout.reclen(buf, 0)).name());
        assertEquals(0, client.read(fd, buf.clear()), "then the end");
        assertEquals(0, client.lseek(fd, 0, Resmgr.SEEK_SET));
        fails(Errno.EINVAL, () -> client.read(fd, ByteBuffer.allocate(8))); // too small for one entry
        client.close(fd);
    }
}

package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Credentials;
import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.SigEvent;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** SPEC R3: the iofunc layer's defaults, attributes, OCBs and permissions; the dispatch thread pool; clients that die. */
class IoFuncLayerTest extends ResmgrTestSupport {

    @Test
    void r3AManagerThatOverridesNothingGetsTheDefaultHandlers() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        IoAttr attr = new IoAttr(Mode.S_IFCHR | 0640, 7, 8);
        attr.size(3);
        server.resmgrAttach("/dev/plain", 0, attr, new ResmgrHandler() { });
        int fd = client.open("/dev/plain", OpenFlags.O_RDWR);
        Stat st = client.stat(fd);
        assertEquals(attr.ino(), st.ino());
        assertEquals(Mode.S_IFCHR | 0640, st.mode());
        assertEquals(7, st.uid());
        assertEquals(8, st.gid());
        assertEquals(3, st.size());
        assertEquals(1, st.nlink());
        assertEquals(0, client.read(fd, ByteBuffer.allocate(10)), "default read: end of file");
        fails(Errno.ENOSYS, () -> client.write(fd, text("x")));
        assertEquals(3, client.lseek(fd, 0, Resmgr.SEEK_END), "default lseek uses the size");
        fails(Errno.ENOTTY, () -> client.devctl(fd, Dcmd.none(Dcmd.DCMD_MISC, 1), null, null));
        fails(Errno.ENOSYS, () -> client.ionotify(fd, Notify.ACTION_POLL, Notify.COND_INPUT, SigEvent.none()));
        fails(Errno.ENOSYS, () -> client.kernel().msgSend(fd, ByteBuffer.allocate(2).putShort(0, (short) 0x7000),
                null));
        fails(Errno.EEXIST, () -> client.open("/dev/plain", OpenFlags.O_RDONLY | OpenFlags.O_CREAT
                | OpenFlags.O_EXCL));
        client.close(fd);
        server.resmgrAttach("/plain", ResmgrFlags.DIR, new IoAttr(Mode.S_IFDIR | 0777, 0, 0), new ResmgrHandler() { });
        fails(Errno.EROFS, () -> client.open("/plain/new", OpenFlags.O_WRONLY | OpenFlags.O_CREAT));
        fails(Errno.EROFS, () -> client.mkdir("/plain/sub", 0755));
        fails(Errno.EISDIR, () -> client.open("/plain", OpenFlags.O_WRONLY));
        assertEquals(List.of(), client.readdir("/plain"), "default readdir: empty");
    }

    @Test
    void r3PermissionsFollowTheModeOwnerAndTheClientsCredentials() {
        Resmgr server = process("server");
        Resmgr owner = Resmgr.of(mk.process("owner", new Credentials(100, 100)));
        Resmgr group = Resmgr.of(mk.process("group", new Credentials(200, 100)));
        Resmgr other = Resmgr.of(mk.process("other", new Credentials(300, 300)));
        Resmgr root = process("root");
        server.resmgrAttach("/dev/perm", 0, new IoAttr(Mode.S_IFCHR | 0640, 100, 100), new Devices.TextFile("p"));

        owner.close(owner.open("/dev/perm", OpenFlags.O_RDWR));
        group.close(group.open("/dev/perm", OpenFlags.O_RDONLY));
        fails(Errno.EACCES, () -> group.open("/dev/perm", OpenFlags.O_WRONLY));
        fails(Errno.EACCES, () -> other.open("/dev/perm", OpenFlags.O_RDONLY));
        root.close(root.open("/dev/perm", OpenFlags.O_RDWR));
        assertEquals(Mode.S_IFCHR | 0640, other.stat("/dev/perm").mode(), "stat needs no permission");

        IoAttr attr = new IoAttr(Mode.S_IFCHR | 0600, 100, 100);
        Devices.TextFile dev = new Devices.TextFile("");
        server.resmgrAttach("/dev/perm2", 0, attr, dev);
        int fd = owner.open("/dev/perm2", OpenFlags.O_RDONLY);
        attr.mode(0);
        assertEquals(Mode.S_IFCHR, attr.mode(), "chmod keeps the type");
        assertEquals(0, owner.read(fd, ByteBuffer.allocate(1)), "permissions are checked at open, not per read");
        owner.close(fd);
    }

    @Test
    void r3EachOpenHasItsOwnOcbAndTheAttributesCountThem() throws Exception {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.TextFile dev = new Devices.TextFile("abcdef");
        ResmgrAttachment a = server.resmgrAttach("/dev/f", dev);
        int one = client.open("/dev/f", OpenFlags.O_RDONLY);
        int two = client.open("/dev/f", OpenFlags.O_RDWR);
        assertEquals(2, a.attr().opens());
        ByteBuffer b = ByteBuffer.allocate(3);
        client.read(one, b);
        assertEquals("abc", text(b));
        b.clear();
        client.read(two, b);
        assertEquals("abc", text(b), "the second open has its own offset");
        long before = client.stat(two).mtime();
        Thread.sleep(5);
        write(client, two, "xyz");
        assertTrue(client.stat(two).mtime() > before, "a write marks the time");
        client.close(one);
        assertEquals(1, a.attr().opens());
        assertEquals(1, dev.closed.size(), "close_ocb ran");
        client.close(two);
        assertEquals(0, a.attr().opens());
    }

    @Test
    void r3TheThreadPoolHandsEachMessageToExactlyOneThread() throws Exception {
        Resmgr server = process("server");
        Dispatch d = server.dispatchCreate();
        Set<Thread> handlers = ConcurrentHashMap.newKeySet();
        AtomicInteger reads = new AtomicInteger();
        CountDownLatch allThreadsBusy = new CountDownLatch(4);
        ResmgrHandler h = new ResmgrHandler() {
            @Override
            public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
                if (handlers.add(Thread.currentThread())) {
                    allThreadsBusy.countDown();
                    try {
                        // Hold the first message of each thread until all four are serving one at once.
                        allThreadsBusy.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                reads.incrementAndGet();
                ByteBuffer r = ByteBuffer.allocate(8);
                r.putLong(0, ctx.rcvid());
                return r;
            }
        };
        // One attribute per client so that the entry lock does not serialise them.
        for (int i = 0; i < 8; i++) {
            server.resmgrAttach(d, "/dev/pool" + i, 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0), h);
        }
        d.start(4);
        int perClient = 250;
        List<Future<Set<Long>>> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String path = "/dev/pool" + i;
            clients.add(async(() -> {
                Resmgr c = process("client-" + path);
                int fd = c.open(path, OpenFlags.O_RDONLY);
                Set<Long> rcvids = new java.util.HashSet<>();
                ByteBuffer buf = ByteBuffer.allocate(8);
                for (int k = 0; k < perClient; k++) {
                    buf.clear();
                    assertEquals(8, c.read(fd, buf));
                    rcvids.add(buf.getLong(0));
                }
                c.close(fd);
                return rcvids;
            }));
        }
        Set<Long> all = new java.util.HashSet<>();
        for (Future<Set<Long>> f : clients) {
            Set<Long> mine = await(f);
            assertEquals(perClient, mine.size(), "each read was answered once, by its own receive");
            all.addAll(mine);
        }
        assertEquals(8 * perClient, reads.get(), "every message was handled once, none twice");
        assertEquals(8 * perClient, all.size());
        assertEquals(4, handlers.size(), "four threads served at once");
        eventually("the clients' OCBs are freed", () -> d.ocbs() == 0);
        d.close();
        fails(Errno.EBADF, () -> d.start(1));
    }

    /** A device whose reads wait for data: the answer is delayed until a write comes. */
    static final class Waiting implements ResmgrHandler {
        final List<DelayedReply> waiting = new CopyOnWriteArrayList<>();
        final List<Ocb> closed = new CopyOnWriteArrayList<>();
        final CountDownLatch delayed = new CountDownLatch(1);

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            waiting.add(ctx.delayReply());
            delayed.countDown();
            return null;
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            ByteBuffer data = ByteBuffer.allocate(nbytes);
            ctx.msgRead(data, IoWriteLayout.SIZE);
            for (DelayedReply d : waiting) {
                waiting.remove(d);
                d.reply(nbytes, data.duplicate().flip());
            }
            return nbytes;
        }

        @Override
        public void close(Ocb ocb) {
            closed.add(ocb);
            waiting.removeIf(d -> d.ocb() == ocb);
        }
    }

    @Test
    void r3DelayedAnswersComeFromAnyThread() throws Exception {
        Resmgr server = process("server");
        Resmgr reader = process("reader");
        Resmgr writer = process("writer");
        Waiting dev = new Waiting();
        server.resmgrAttach("/dev/wait", dev);
        int rfd = reader.open("/dev/wait", OpenFlags.O_RDONLY);
        Future<String> got = async(() -> {
            ByteBuffer b = ByteBuffer.allocate(32);
            reader.read(rfd, b);
            return text(b);
        });
        assertTrue(dev.delayed.await(10, TimeUnit.SECONDS));
        int wfd = writer.open("/dev/wait", OpenFlags.O_WRONLY);
        write(writer, wfd, "news");
        assertEquals("news", await(got));
        assertTrue(dev.waiting.isEmpty());
        reader.close(rfd);
        writer.close(wfd);
    }

    @Test
    void r3AClientDyingMidRequestHasItsOcbsFreedAndTheManagerGoesOn() throws Exception {
        Resmgr server = process("server");
        Kernel doomed = mk.process("doomed");
        Resmgr dying = Resmgr.of(doomed);
        Resmgr survivor = process("survivor");
        Waiting dev = new Waiting();
        ResmgrAttachment a = server.resmgrAttach("/dev/wait", dev);
        int fd = dying.open("/dev/wait", OpenFlags.O_RDONLY);
        dying.open("/dev/wait", OpenFlags.O_RDONLY);
        Future<Object> blocked = async(() -> dying.read(fd, ByteBuffer.allocate(8)));
        assertTrue(dev.delayed.await(10, TimeUnit.SECONDS));
        DelayedReply pending = dev.waiting.get(0);
        assertEquals(2, a.dispatch().ocbs());

        doomed.exit();
        fails(Errno.ESRCH, () -> await(blocked));
        eventually("the dead client's OCBs are freed, close_ocb ran for both of its fds",
                () -> a.dispatch().ocbs() == 0 && dev.closed.size() == 2);
        assertEquals(0, a.attr().opens());
        fails(Errno.ESRCH, () -> pending.reply(0, null));
        eventually("the scoid is freed", () -> mk.connections().stream().noneMatch(c -> c.pid() == doomed.pid()));

        int sfd = survivor.open("/dev/wait", OpenFlags.O_RDWR);
        Future<Integer> r = async(() -> survivor.read(sfd, ByteBuffer.allocate(8)));
        eventually("the survivor's read is delayed", () -> dev.waiting.size() == 1);
        Resmgr writer = process("writer");
        int wfd = writer.open("/dev/wait", OpenFlags.O_WRONLY);
        write(writer, wfd, "ok");
        assertEquals(2, await(r), "the manager serves the others as before");
        survivor.close(sfd);
        writer.close(wfd);
    }

    @Test
    void r3AClientTimingOutOfADelayedAnswerIsUnblockedByTheDefaultHandler() throws Exception {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Waiting dev = new Waiting();
        ResmgrAttachment a = server.resmgrAttach("/dev/wait", dev);
        int fd = client.open("/dev/wait", OpenFlags.O_RDONLY);
        Future<Integer> read = async(() -> {
            client.kernel().timerTimeout(Set.of(ThreadState.REPLY), Duration.ofMillis(50));
            return client.read(fd, ByteBuffer.allocate(4));
        });
        fails(Errno.ETIMEDOUT, () -> await(read));
        eventually("the delayed answer was consumed", () -> dev.waiting.get(0).answered());
        assertEquals(1, a.dispatch().ocbs(), "the fd stays open");
        client.close(fd);
    }

    @Test
    void r3AHandlerThatThrowsGivesItsClientEioAndTheLoopLivesOn() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        AtomicReference<String> mode = new AtomicReference<>("boom");
        ResmgrAttachment a = server.resmgrAttach("/dev/bad", new ResmgrHandler() {
            @Override
            public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
                if (mode.get().equals("boom")) {
                    throw new IllegalStateException("a bug in a manager");
                }
                return text("fine");
            }
        });
        int fd = client.open("/dev/bad", OpenFlags.O_RDONLY);
        fails(Errno.EIO, () -> client.read(fd, ByteBuffer.allocate(4)));
        assertEquals(1, a.dispatch().failures());
        mode.set("fine");
        assertEquals(4, client.read(fd, ByteBuffer.allocate(4)));
        server.resmgrAttach("/dev/refuse", Devices.failing(Errno.EAGAIN));
        int fd2 = client.open("/dev/refuse", OpenFlags.O_RDONLY);
        fails(Errno.EAGAIN, () -> client.read(fd2, ByteBuffer.allocate(4)));
        assertEquals(1, a.dispatch().failures(), "a KernelException is an answer, not a failure");
    }

    @Test
    void r3AHandWrittenLoopCanDriveTheDispatch() throws Exception {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Dispatch d = server.dispatchCreate();
        server.resmgrAttach(d, "/dev/manual", 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0), new Devices.TextFile("m"));
        AtomicInteger pulses = new AtomicInteger();
        d.pulseAttach(5, v -> pulses.addAndGet((int) v));
        Future<Boolean> loop = async(() -> {
            while (d.handleOne()) {
                // serve until closed
            }
            return true;
        });
        int fd = client.open("/dev/manual", OpenFlags.O_RDONLY);
        assertEquals("m", readAll(client, fd));
        client.kernel().msgSendPulse(fd, 10, 5, 3);
        eventually("the pulse handler ran", () -> pulses.get() == 3);
        fails(Errno.EINVAL, () -> d.pulseAttach(-33, v -> { }));
        d.close();
        assertTrue(await(loop));
        assertTrue(d.handled() >= 2);
    }
}

package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** SPEC R2: open gives an fd (a coid); read, write, lseek, devctl, stat, close are _IO_* messages; msgSend on an fd. */
class FdIoTest extends ResmgrTestSupport {
    /** A devctl command of the test device: adds 1 to an int it is sent and sends it back. */
    static final int DCMD_INCREMENT = Dcmd.toFrom(Dcmd.DCMD_MISC, 0x10, 4);
    /** A message type above _IO_MAX, as an application defines its own. */
    static final int MSG_ECHO_UPPER = IoMsg.IO_MAX + 1;

    /** Records every message type it is sent; answers its own devctl and message. */
    static final class Recording extends Devices.TextFile {
        final List<Integer> seen = new CopyOnWriteArrayList<>();

        Recording(String text) {
            super(text);
        }

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            seen.add(type(ctx));
            return super.read(ctx, ocb, nbytes);
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            seen.add(type(ctx));
            return super.write(ctx, ocb, nbytes);
        }

        @Override
        public long lseek(ResmgrContext ctx, Ocb ocb, long offset, int whence) {
            seen.add(type(ctx));
            return IoFunc.lseekDefault(ocb, offset, whence);
        }

        @Override
        public Stat stat(ResmgrContext ctx, Ocb ocb) {
            seen.add(type(ctx));
            return ocb.attr().stat();
        }

        @Override
        public int devctl(ResmgrContext ctx, Ocb ocb, int dcmd, ByteBuffer data, ByteBuffer reply) {
            seen.add(type(ctx));
            if (dcmd == DCMD_INCREMENT) {
                IoFunc.putInt(reply, IoFunc.getInt(data) + 1);
                return 42;
            }
            return IoFunc.devctlDefault(ocb, dcmd, data, reply);
        }

        @Override
        public void msg(ResmgrContext ctx, Ocb ocb) {
            ByteBuffer m = ctx.message();
            seen.add(type(ctx));
            byte[] body = new byte[m.limit() - 2];
            m.get(2, body);
            ctx.reply(7, text(new String(body, java.nio.charset.StandardCharsets.UTF_8).toUpperCase()));
        }

        @Override
        public void close(Ocb ocb) {
            seen.add(IoMsg.IO_CLOSE);
            super.close(ocb);
        }

        private static int type(ResmgrContext ctx) {
            return Short.toUnsignedInt(ctx.message().order(ByteOrder.nativeOrder()).getShort(0));
        }
    }

    @Test
    void r2OpenGivesAnFdInTheFdRangeAndEachCallIsAnIoMessageToTheManager() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Recording dev = new Recording("hello, world\n");
        server.resmgrAttach("/dev/rec", dev);
        int fd = client.open("/dev/rec", OpenFlags.O_RDWR);
        assertTrue(fd >= 0 && fd < Kernel.SIDE_CHANNEL, "an fd is a coid in the fd range: " + fd);
        assertEquals(server.kernel().pid(), client.kernel().connectServerInfo(fd).pid());

        ByteBuffer buf = ByteBuffer.allocate(5);
        assertEquals(5, client.read(fd, buf));
        assertEquals("hello", text(buf));
        assertEquals(2, client.lseek(fd, 2, Resmgr.SEEK_SET));
        buf.clear();
        assertEquals(5, client.read(fd, buf));
        assertEquals("llo, ", text(buf));
        assertEquals(13, client.stat(fd).size());
        ByteBuffer in = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, 41);
        ByteBuffer out = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        assertEquals(42, client.devctl(fd, DCMD_INCREMENT, in, out));
        assertEquals(4, out.position());
        assertEquals(42, out.getInt(0));
        ByteBuffer data = text("replaced");
        assertEquals(8, client.write(fd, data));
        assertEquals(0, data.position(), "like every source buffer, its position is left alone");
        client.close(fd);

        assertEquals(List.of(IoMsg.IO_READ, IoMsg.IO_LSEEK, IoMsg.IO_READ, IoMsg.IO_STAT, IoMsg.IO_DEVCTL,
                IoMsg.IO_WRITE, IoMsg.IO_CLOSE), dev.seen);
        assertTrue(dev.seen.stream().allMatch(t -> t >= IoMsg.IO_BASE && t <= IoMsg.IO_MAX),
                "every fd call is a system message type");
        fails(Errno.EBADF, () -> client.read(fd, ByteBuffer.allocate(1)));
        fails(Errno.EBADF, () -> client.close(fd));
    }

    @Test
    void r2MsgSendOnAnFdReachesTheManager() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Recording dev = new Recording("abc");
        server.resmgrAttach("/dev/rec", dev);
        int fd = client.open("/dev/rec", OpenFlags.O_RDONLY);

        ByteBuffer msg = ByteBuffer.allocate(7).order(ByteOrder.nativeOrder());
        msg.putShort((short) MSG_ECHO_UPPER).put(text("hello")).flip();
        ByteBuffer reply = ByteBuffer.allocate(16);
        assertEquals(7, client.kernel().msgSend(fd, msg, reply), "the manager's status comes back");
        assertEquals("HELLO", text(reply));

        // A raw _IO_READ built from the layout is the same as read().
        ByteBuffer hdr = ByteBuffer.allocate(IoReadLayout.SIZE);
        IoReadLayout.put(hdr, 0, 2);
        ByteBuffer got = ByteBuffer.allocate(2);
        assertEquals(2, client.kernel().msgSend(fd, hdr, got));
        assertEquals("ab", text(got));
        client.close(fd);

        // A coid to the manager's channel that never opened anything has no OCB.
        int raw = client.kernel().connectAttach(0, server.kernel().pid(),
                client.kernel().connectServerInfo(client.open("/dev/rec", 0)).chid(), Kernel.SIDE_CHANNEL, 0);
        fails(Errno.EBADF, () -> client.kernel().msgSend(raw, hdr, ByteBuffer.allocate(2)));
        // Unknown system message types are refused.
        int fd2 = client.open("/dev/rec", OpenFlags.O_RDONLY);
        ByteBuffer sys = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, (short) (IoMsg.IO_BASE + 0x30));
        fails(Errno.ENOSYS, () -> client.kernel().msgSend(fd2, sys, null));
        ByteBuffer tiny = ByteBuffer.allocate(1);
        fails(Errno.EBADMSG, () -> client.kernel().msgSend(fd2, tiny, null));
        ByteBuffer shortRead = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putShort(0, (short) IoMsg.IO_READ);
        fails(Errno.EBADMSG, () -> client.kernel().msgSend(fd2, shortRead, null));
    }

    @Test
    void r2ReadsPastTheEndGiveNothingAndSeeksAreChecked() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        server.resmgrAttach("/dev/ten", new Devices.TextFile("0123456789"));
        int fd = client.open("/dev/ten", OpenFlags.O_RDONLY);
        assertEquals(8, client.lseek(fd, -2, Resmgr.SEEK_END));
        ByteBuffer buf = ByteBuffer.allocate(100);
        assertEquals(2, client.read(fd, buf));
        assertEquals("89", text(buf));
        assertEquals(0, client.read(fd, buf.clear()), "at the end");
        assertEquals(1000, client.lseek(fd, 1000, Resmgr.SEEK_SET), "seeking past the end is allowed");
        assertEquals(0, client.read(fd, buf.clear()), "reading past the end gives nothing");
        assertEquals(1005, client.lseek(fd, 5, Resmgr.SEEK_CUR));
        fails(Errno.EINVAL, () -> client.lseek(fd, -1, Resmgr.SEEK_SET));
        fails(Errno.EINVAL, () -> client.lseek(fd, 0, 7));
        fails(Errno.EOVERFLOW, () -> client.lseek(fd, Long.MAX_VALUE, Resmgr.SEEK_CUR));
        assertEquals(1005, client.lseek(fd, 0, Resmgr.SEEK_CUR), "a failed seek moves nothing");
        assertEquals(0, client.read(fd, ByteBuffer.allocate(0)), "a read of nothing");
        fails(Errno.EFAULT, () -> client.read(fd, ByteBuffer.allocate(4).asReadOnlyBuffer()));
    }

    @Test
    void r2WritesToReadOnlyOpensAndReadsOfWriteOnlyOpensFailWithEbadf() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.TextFile dev = new Devices.TextFile("keep");
        server.resmgrAttach("/dev/file", dev);
        int ro = client.open("/dev/file", OpenFlags.O_RDONLY);
        fails(Errno.EBADF, () -> client.write(ro, text("no")));
        int wo = client.open("/dev/file", OpenFlags.O_WRONLY);
        fails(Errno.EBADF, () -> client.read(wo, ByteBuffer.allocate(4)));
        assertEquals("keep", readAll(client, ro), "nothing was written");
        client.close(ro);
        client.close(wo);
    }

    @Test
    void r2DevctlRunsTheDefaultCommandsAndUnknownOnesFailWithEnotty() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        server.resmgrAttach("/dev/rec", new Recording(""));
        int fd = client.open("/dev/rec", OpenFlags.O_RDWR | OpenFlags.O_NONBLOCK);
        ByteBuffer flags = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        assertEquals(0, client.devctl(fd, Dcmd.DCMD_ALL_GETFLAGS, null, flags));
        assertEquals(OpenFlags.O_RDWR | OpenFlags.O_NONBLOCK, flags.getInt(0));
        ByteBuffer set = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, OpenFlags.O_APPEND);
        client.devctl(fd, Dcmd.DCMD_ALL_SETFLAGS, set, null);
        client.devctl(fd, Dcmd.DCMD_ALL_GETFLAGS, null, flags.clear());
        assertEquals(OpenFlags.O_RDWR | OpenFlags.O_APPEND, flags.getInt(0), "SETFLAGS keeps the access mode");

        fails(Errno.ENOTTY, () -> client.devctl(fd, Dcmd.from(Dcmd.DCMD_MISC, 0x77, 8), null, ByteBuffer.allocate(8)));
        fails(Errno.ENOTTY, () -> client.devctl(fd, 0, null, null));
        fails(Errno.EINVAL, () -> client.devctl(fd, Dcmd.DCMD_ALL_SETFLAGS, ByteBuffer.allocate(2), null));
        // A command whose data is larger than the manager's receive buffer is read with MsgRead.
        ByteBuffer big = ByteBuffer.allocate(10_000).order(ByteOrder.nativeOrder()).putInt(0, 99);
        ByteBuffer out = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        assertEquals(42, client.devctl(fd, DCMD_INCREMENT, big, out));
        assertEquals(100, out.getInt(0));
        client.close(fd);
    }

    @Test
    void r2WriteDataBeyondTheReceiveBufferIsReadWithMsgRead() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        Devices.TextFile dev = new Devices.TextFile("");
        server.resmgrAttach("/dev/big", dev);
        byte[] data = new byte[100_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        int fd = client.open("/dev/big", OpenFlags.O_RDWR);
        assertEquals(data.length, client.write(fd, ByteBuffer.wrap(data)));
        ByteBuffer back = ByteBuffer.allocate(data.length);
        assertEquals(data.length, client.read(fd, back));
        assertArrayEquals(data, back.array());
        client.close(fd);
    }

    @Test
    void r2StatOfAPathNeedsNoOpenAndNoReadPermission() {
        Resmgr server = process("server");
        Resmgr stranger = Resmgr.of(mk.process("stranger", new io.courier.kernel.Credentials(100, 100)));
        Devices.TextFile dev = new Devices.TextFile("secret");
        server.resmgrAttach("/dev/secret", 0, new IoAttr(Mode.S_IFCHR | 0600, 0, 0), dev);
        Stat st = stranger.stat("/dev/secret");
        assertEquals(Mode.S_IFCHR | 0600, st.mode());
        assertEquals(6, st.size());
        fails(Errno.EACCES, () -> stranger.open("/dev/secret", OpenFlags.O_RDONLY));
        fails(Errno.ENOENT, () -> stranger.stat("/dev/nothing"));
        assertTrue(dev.closed.isEmpty(), "a combined stat binds no OCB");
    }

    @Test
    void r2ClosingLeavesNoConnectionAndAManagerThatWentAwayGivesEbadf() {
        Resmgr server = process("server");
        Resmgr client = process("client");
        ResmgrAttachment a = server.resmgrAttach("/dev/gone", new Devices.TextFile("x"));
        int fd = client.open("/dev/gone", OpenFlags.O_RDONLY);
        int other = client.open("/dev/gone", OpenFlags.O_RDONLY);
        assertEquals(2, a.dispatch().ocbs());
        client.close(other);
        assertEquals(1, a.dispatch().ocbs());
        server.resmgrDetach(a);
        KernelException e = fails(Errno.EBADF, () -> client.read(fd, ByteBuffer.allocate(1)));
        assertTrue(e.getMessage().contains("EBADF"));
        client.close(fd);
        assertTrue(mk.connections().stream().noneMatch(c -> c.pid() == client.kernel().pid()),
                "close detaches the fd even when its manager has gone");
    }
}

package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.courier.kernel.ConnectionInfo;
import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.SigEvent;
import io.courier.kernel.SigEventLayout;
import io.courier.kernel.Signals;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC R2, fuzzed: random messages (0 to 4,096 bytes; known {@code _IO_*} types, other system
 * types and the manager's own; subtypes, lengths and offsets set near and far from what the
 * message holds) sent with {@code msgSend} to a running manager on the real kernel and the real
 * dispatch layer. Every message that breaks its layout is answered with the errno the rules give;
 * no send hangs (each has a kernel timeout); no handler throws; afterwards the manager still opens,
 * reads and writes, and the OCBs, opens, connections, server connection and threads are back to
 * what they were.
 *
 * <p>The seed is printed; {@code -Dcourier.fuzz.seed=N} replays a run and
 * {@code -Dcourier.fuzz.messages=N} sets how many messages are sent.
 */
class MessageFuzzTest extends ResmgrTestSupport {
    static final long SEED = Long.getLong("courier.fuzz.seed", 0x15_0000_0002L);
    static final int MESSAGES = Integer.getInteger("courier.fuzz.messages", 20_000);
    /** Far longer than any answer takes: reaching it means the manager hung. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(20);
    static final int[] KNOWN = {IoMsg.IO_CONNECT, IoMsg.IO_READ, IoMsg.IO_WRITE, IoMsg.IO_STAT, IoMsg.IO_NOTIFY,
        IoMsg.IO_DEVCTL, IoMsg.IO_LSEEK, IoMsg.IO_CLOSE};
    /** The receive buffer of a dispatch thread: what a combined message must fit in. */
    static final int RECEIVED = 2048;

    private final SplittableRandom rnd = new SplittableRandom(SEED);
    private Kernel k;
    private Resmgr client;
    private int fd;
    private int selfCoid;
    private int[] handles;

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void r2RandomMessagesAreAnsweredWithErrorsAndNothingHangsOrLeaks() throws Exception {
        System.out.println("MessageFuzzTest: seed " + SEED + ", " + MESSAGES
                + " messages (replay with -Dcourier.fuzz.seed=" + SEED + ")");
        Resmgr server = process("server");
        Dispatch dispatch = server.dispatchCreate();
        Devices.Queue queue = new Devices.Queue();
        Devices.TextFile text = new Devices.TextFile("steady");
        ResmgrAttachment fuzzed = server.resmgrAttach(dispatch, "/dev/fuzz", 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0),
                queue);
        ResmgrAttachment check = server.resmgrAttach(dispatch, "/dev/check", 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0),
                text);
        dispatch.start(2);
        handles = new int[] {fuzzed.id(), check.id()};
        client = process("client");
        k = client.kernel();
        // Events the fuzz arms may be signals to this thread: they wait, masked, instead of interrupting its sends.
        k.signalProcmask(Signals.SIG_SETMASK, Signals.set(Signals.SIGUSR1, Signals.SIGUSR2));
        int pulses = k.channelCreate(0);
        selfCoid = k.connectAttach(0, k.pid(), pulses, Kernel.SIDE_CHANNEL, 0);
        int connections = mk.connections().size();
        eventually("the manager's two threads wait in RECEIVE", () -> receiving(server.kernel().pid()) == 2);
        int serverThreads = threads(server.kernel().pid()).size();

        fd = client.open("/dev/fuzz", OpenFlags.O_RDWR);
        int scoid = k.connectServerInfo(fd).scoid();
        int raw = k.connectAttach(0, server.kernel().pid(), dispatch.chid(), Kernel.SIDE_CHANNEL, 0);
        Map<Errno, Integer> outcomes = new EnumMap<>(Errno.class);
        int malformed = 0;
        for (int i = 0; i < MESSAGES; i++) {
            ByteBuffer m = message();
            int type = m.limit() >= 2 ? Short.toUnsignedInt(m.getShort(0)) : -1;
            boolean onFd = type == IoMsg.IO_CONNECT ? rnd.nextInt(4) == 0 : rnd.nextInt(8) != 0;
            int coid = onFd ? fd : raw;
            Errno expected = expected(m, m.limit());
            Errno outcome = send(coid, m, ByteBuffer.allocate(rnd.nextInt(0, 513)));
            String what = "seed " + SEED + " message " + i + " type 0x" + Integer.toHexString(type) + " of "
                    + m.limit() + " bytes";
            assertNotEquals(Errno.ETIMEDOUT, outcome, what + ": the manager did not answer");
            if (expected != null) {
                malformed++;
                assertEquals(expected, outcome, what + " breaks its layout");
            } else if (type == IoMsg.IO_NOTIFY && !decodes(m)) {
                malformed++;
                assertNotEquals(Errno.EOK, outcome, what + " holds an event that is no sigevent");
            }
            outcomes.merge(outcome, 1, Integer::sum);
            if (onFd && outcome == Errno.EOK && (type == IoMsg.IO_CLOSE || type == IoMsg.IO_CONNECT)) {
                // The fd was closed or opened again with other flags: a fresh one keeps the fuzz going.
                k.connectDetach(fd);
                fd = client.open("/dev/fuzz", OpenFlags.O_RDWR);
            }
        }
        System.out.println("MessageFuzzTest: " + malformed + " malformed; outcomes " + outcomes);
        assertTrue(malformed > MESSAGES / 4, "seed " + SEED + ": the fuzz made malformed messages");
        assertTrue(outcomes.getOrDefault(Errno.EOK, 0) > MESSAGES / 50, "seed " + SEED + ": and well-formed ones");
        assertEquals(0, dispatch.failures(), "seed " + SEED + ": no handler threw");

        // The manager still works the normal way.
        int fresh = client.open("/dev/check", OpenFlags.O_RDWR);
        write(client, fresh, "after the fuzz");
        assertEquals("after the fuzz", readAll(client, fresh));
        write(client, fd, "queued");
        ByteBuffer got = ByteBuffer.allocate(4096);
        for (int i = 0; i <= MESSAGES && !"queued".equals(text(got)); i++) {
            client.read(fd, got.clear());
        }
        assertEquals("queued", text(got), "the fuzzed device still reads its own records, in order");

        // Nothing leaked: OCBs, opens, armed events, the client's server connection, connections, threads.
        client.close(fresh);
        client.close(fd);
        k.connectDetach(raw);
        eventually("every OCB is freed", () -> dispatch.ocbs() == 0);
        assertEquals(0, fuzzed.attr().opens());
        assertEquals(0, check.attr().opens());
        assertEquals(0, queue.notify.armed(), "no event stays armed");
        eventually("the manager detached the client's server connection", () -> gone(server.kernel(), scoid));
        assertEquals(connections, mk.connections().size(), () -> "connections now: " + mk.connections());
        eventually("the manager's threads are back in RECEIVE",
                () -> threads(server.kernel().pid()).size() == serverThreads && receiving(server.kernel().pid()) == 2);
        for (ConnectionInfo c : mk.connections()) {
            assertNotEquals(server.kernel().pid(), c.serverPid(), () -> "a connection to the manager is left: " + c);
        }
    }

    private Errno send(int coid, ByteBuffer m, ByteBuffer reply) {
        try {
            k.msgSend(coid, m, reply, SEND_TIMEOUT);
            return Errno.EOK;
        } catch (KernelException e) {
            return e.errno();
        }
    }

    private List<ThreadInfo> threads(int pid) {
        for (ProcessInfo p : mk.processes()) {
            if (p.pid() == pid) {
                return p.threads();
            }
        }
        return fail("no process " + pid);
    }

    private long receiving(int pid) {
        return threads(pid).stream().filter(t -> t.state() == ThreadState.RECEIVE).count();
    }

    private static boolean decodes(ByteBuffer m) {
        try {
            IoNotifyLayout.event(m, 0);
            return true;
        } catch (KernelException e) {
            return false;
        }
    }

    private static boolean gone(Kernel server, int scoid) {
        try {
            server.connectClientInfo(scoid);
            return false;
        } catch (KernelException e) {
            return true;
        }
    }

    // ------------------------------------------------------------------ the oracle

    /** The errno the layout rules give {@code m} (its first {@code sent} bytes), or null when they take it. */
    static Errno expected(ByteBuffer m, int sent) {
        if (sent < 2) {
            return Errno.EBADMSG;
        }
        int type = Short.toUnsignedInt(m.getShort(0));
        return switch (type) {
            case IoMsg.IO_CONNECT -> expectedConnect(m, sent);
            case IoMsg.IO_READ -> sent < IoReadLayout.SIZE ? Errno.EBADMSG
                    : m.getInt(IoReadLayout.NBYTES) < 0 ? Errno.EINVAL : null;
            case IoMsg.IO_WRITE -> sent < IoWriteLayout.SIZE
                    || Integer.toUnsignedLong(m.getInt(IoWriteLayout.NBYTES)) > sent - IoWriteLayout.SIZE ? Errno.EBADMSG
                    : null;
            case IoMsg.IO_DEVCTL -> sent < IoDevctlLayout.SIZE
                    || Integer.toUnsignedLong(m.getInt(IoDevctlLayout.NBYTES)) > sent - IoDevctlLayout.SIZE
                    ? Errno.EBADMSG : null;
            case IoMsg.IO_STAT -> sent < IoStatLayout.SIZE ? Errno.EBADMSG : null;
            case IoMsg.IO_NOTIFY -> sent < IoNotifyLayout.SIZE ? Errno.EBADMSG : null;
            case IoMsg.IO_LSEEK -> sent < IoLseekLayout.SIZE ? Errno.EBADMSG : null;
            case IoMsg.IO_CLOSE -> sent < IoCloseLayout.SIZE ? Errno.EBADMSG : null;
            default -> null;
        };
    }

    private static Errno expectedConnect(ByteBuffer m, int sent) {
        if (sent < IoConnectLayout.HEADER_SIZE) {
            return Errno.EBADMSG;
        }
        int pathLen = Short.toUnsignedInt(m.getShort(IoConnectLayout.PATH_LEN));
        if (pathLen == 0 || IoConnectLayout.HEADER_SIZE + pathLen > sent) {
            return Errno.EBADMSG;
        }
        if (pathLen - 1 > Resmgr.PATH_MAX) {
            return Errno.ENAMETOOLONG;
        }
        if (m.get(IoConnectLayout.PATH + pathLen - 1) != 0) {
            return Errno.EBADMSG;
        }
        int extraLen = Short.toUnsignedInt(m.getShort(IoConnectExtLayout.EXTRA_LEN));
        int at = (IoConnectLayout.PATH + pathLen + 7) & ~7;
        if (extraLen > 0 && at + extraLen > sent) {
            return Errno.EBADMSG;
        }
        if (Short.toUnsignedInt(m.getShort(IoConnectLayout.SUBTYPE)) == IoConnectLayout.SUBTYPE_COMBINE_CLOSE) {
            if (extraLen == 0 || at + extraLen > Math.min(sent, RECEIVED)) {
                return Errno.EBADMSG;
            }
            return expected(m.slice(at, extraLen).order(ByteOrder.nativeOrder()), extraLen);
        }
        return null;
    }

    // ------------------------------------------------------------------ the messages

    /** A random message: random bytes of a random length, a type, and often header fields near the truth. */
    private ByteBuffer message() {
        int len = rnd.nextInt(0, 4097);
        int pick = rnd.nextInt(100);
        int type = pick < 65 ? KNOWN[rnd.nextInt(KNOWN.length)]
                : pick < 75 ? rnd.nextInt(IoMsg.IO_BASE, IoMsg.IO_MAX + 1)
                : pick < 85 ? rnd.nextInt(0, IoMsg.IO_BASE)
                : rnd.nextInt(0, 1 << 16);
        if (type == IoMsg.IO_CONNECT && rnd.nextBoolean()) {
            len = rnd.nextInt(0, 160);
        } else if (rnd.nextInt(3) == 0) {
            len = rnd.nextInt(0, 64);
        }
        byte[] bytes = new byte[len];
        rnd.nextBytes(bytes);
        ByteBuffer m = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        if (len >= 2) {
            m.putShort(0, (short) type);
        }
        if (len >= 4 && rnd.nextInt(10) < 7) {
            shape(m, type);
        }
        return m;
    }

    /** Header fields a client could plausibly send: lengths near what follows, known subtypes and values. */
    private void shape(ByteBuffer m, int type) {
        int len = m.limit();
        m.putShort(2, (short) (rnd.nextBoolean() ? 0 : rnd.nextInt(0, 1 << 16)));
        switch (type) {
            case IoMsg.IO_READ -> putIf(m, IoReadLayout.NBYTES, length(len - IoReadLayout.SIZE));
            case IoMsg.IO_WRITE -> putIf(m, IoWriteLayout.NBYTES, length(len - IoWriteLayout.SIZE));
            case IoMsg.IO_DEVCTL -> {
                int[] dcmds = {Dcmd.DCMD_ALL_GETFLAGS, Dcmd.DCMD_ALL_SETFLAGS, rnd.nextInt()};
                putIf(m, IoDevctlLayout.DCMD, dcmds[rnd.nextInt(dcmds.length)]);
                putIf(m, IoDevctlLayout.NBYTES, length(len - IoDevctlLayout.SIZE));
            }
            case IoMsg.IO_LSEEK -> {
                if (len >= IoLseekLayout.SIZE) {
                    long[] offsets = {0, rnd.nextInt(0, 100), -rnd.nextInt(1, 100), Long.MAX_VALUE, Long.MIN_VALUE};
                    m.putShort(IoLseekLayout.WHENCE, (short) rnd.nextInt(-1, 4));
                    m.putLong(IoLseekLayout.OFFSET, offsets[rnd.nextInt(offsets.length)]);
                }
            }
            case IoMsg.IO_NOTIFY -> {
                putIf(m, IoNotifyLayout.ACTION, rnd.nextInt(-1, 5));
                putIf(m, IoNotifyLayout.FLAGS, rnd.nextBoolean() ? Notify.COND_INPUT : rnd.nextInt());
                if (len >= IoNotifyLayout.SIZE && rnd.nextInt(4) != 0) {
                    SigEventLayout.put(m, IoNotifyLayout.EVENT, event());
                }
            }
            case IoMsg.IO_CONNECT -> shapeConnect(m);
            default -> {
                // Nothing more: the type alone decides.
            }
        }
    }

    private void shapeConnect(ByteBuffer m) {
        int len = m.limit();
        if (len < IoConnectLayout.HEADER_SIZE) {
            return;
        }
        m.putShort(IoConnectLayout.SUBTYPE, (short) rnd.nextInt(0, 7));
        m.putInt(IoConnectExtLayout.HANDLE, rnd.nextInt(4) != 0 ? handles[rnd.nextInt(handles.length)] : rnd.nextInt());
        int[] flags = {OpenFlags.O_RDONLY, OpenFlags.O_RDWR, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC,
            rnd.nextInt()};
        m.putInt(IoConnectLayout.IOFLAG, flags[rnd.nextInt(flags.length)]);
        String[] paths = {"", "", "a", "a/b", "../x", "./", "//"};
        byte[] path = paths[rnd.nextInt(paths.length)].getBytes(StandardCharsets.UTF_8);
        int end = IoConnectLayout.PATH + path.length;
        if (end < len) {
            m.put(IoConnectLayout.PATH, path).put(end, (byte) 0);
        }
        int pathLen = rnd.nextInt(4) != 0 ? path.length + 1 : length(len - IoConnectLayout.HEADER_SIZE);
        m.putShort(IoConnectLayout.PATH_LEN, (short) pathLen);
        int at = IoConnectExtLayout.combinedOffset(Short.toUnsignedInt((short) pathLen));
        int extra = rnd.nextInt(3) == 0 ? rnd.nextInt(0, 1 << 16) : rnd.nextBoolean() ? IoStatLayout.SIZE : 0;
        m.putShort(IoConnectExtLayout.EXTRA_LEN, (short) extra);
        if (at + IoStatLayout.SIZE <= len && rnd.nextBoolean()) {
            IoStatLayout.put(m, at);
        }
    }

    /** A length near {@code room} (the bytes that follow a header), or one far from it. */
    private int length(int room) {
        return switch (rnd.nextInt(6)) {
            case 0 -> room;
            case 1 -> room + rnd.nextInt(-3, 4);
            case 2 -> rnd.nextInt(0, 64);
            case 3 -> -1;
            case 4 -> Integer.MIN_VALUE + rnd.nextInt(0, 3);
            default -> rnd.nextInt();
        };
    }

    private static void putIf(ByteBuffer m, int at, int value) {
        if (at + 4 <= m.limit()) {
            m.putInt(at, value);
        }
    }

    /** An event a client could arm: none, a pulse (to its own channel or nowhere), or a masked signal. */
    private SigEvent event() {
        return switch (rnd.nextInt(4)) {
            case 0 -> SigEvent.none();
            case 1 -> SigEvent.pulse(selfCoid, rnd.nextInt(-1, 70), rnd.nextInt(0, 128), rnd.nextLong());
            case 2 -> SigEvent.pulse(rnd.nextInt(), rnd.nextInt(-1, 300), rnd.nextInt(-128, 128), 0).updateable();
            default -> SigEvent.signalThread(Signals.SIGUSR1, rnd.nextLong(), rnd.nextInt(-128, 128));
        };
    }
}

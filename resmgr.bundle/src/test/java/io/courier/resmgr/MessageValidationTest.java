package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.kernel.Errno;
import io.courier.kernel.IoConnectLayout;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC R2: the dispatch layer checks every message against its type's layout before a handler
 * sees it. A message shorter than its header is EBADMSG whatever its type; a length in a header
 * that claims more bytes than the client sent is EBADMSG; the handler is never called for either.
 */
class MessageValidationTest extends ResmgrTestSupport {
    private Resmgr client;
    private Kernel k;
    private FdIoTest.Recording dev;
    private ResmgrAttachment attachment;
    private int fd;

    @BeforeEach
    void open() {
        Resmgr server = process("server");
        client = process("client");
        k = client.kernel();
        dev = new FdIoTest.Recording("original");
        attachment = server.resmgrAttach("/dev/rec", dev);
        fd = client.open("/dev/rec", OpenFlags.O_RDWR);
    }

    private static ByteBuffer message(int size, int type) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        if (size >= 2) {
            b.putShort(0, (short) type);
        }
        return b;
    }

    /** Fails with {@code errno}, and no handler ran. */
    private void refused(Errno errno, int coid, ByteBuffer msg, String why) {
        int seen = dev.seen.size();
        KernelException e = assertThrows(KernelException.class, () -> k.msgSend(coid, msg, ByteBuffer.allocate(256),
                WAIT), why);
        assertEquals(errno, e.errno(), why + ": " + e.getMessage());
        assertEquals(seen, dev.seen.size(), "no handler saw it: " + why);
    }

    private void refused(ByteBuffer msg, String why) {
        refused(Errno.EBADMSG, fd, msg, why);
    }

    @Test
    void r2ShortStatIsEbadmsgNotStatusZero() {
        refused(message(IoStatLayout.SIZE - 1, IoMsg.IO_STAT), "7 bytes of an 8-byte _IO_STAT");
        refused(message(2, IoMsg.IO_STAT), "the type alone");
        assertEquals(0, k.msgSend(fd, message(IoStatLayout.SIZE, IoMsg.IO_STAT), ByteBuffer.allocate(StatLayout.SIZE)),
                "the whole header is answered");
    }

    @Test
    void r2EveryKnownTypeShorterThanItsHeaderIsEbadmsg() {
        int[][] headers = {{IoMsg.IO_READ, IoReadLayout.SIZE}, {IoMsg.IO_WRITE, IoWriteLayout.SIZE},
            {IoMsg.IO_STAT, IoStatLayout.SIZE}, {IoMsg.IO_NOTIFY, IoNotifyLayout.SIZE},
            {IoMsg.IO_DEVCTL, IoDevctlLayout.SIZE}, {IoMsg.IO_LSEEK, IoLseekLayout.SIZE},
            {IoMsg.IO_CLOSE, IoCloseLayout.SIZE}, {IoMsg.IO_CONNECT, IoConnectLayout.HEADER_SIZE}};
        for (int[] h : headers) {
            for (int size = 2; size < h[1]; size++) {
                refused(message(size, h[0]), size + " bytes of type 0x" + Integer.toHexString(h[0]));
            }
        }
        refused(message(0, 0), "no bytes at all");
        refused(message(1, 0), "half a type");
    }

    @Test
    void r2ShortCloseIsEbadmsgAndTheFdStaysOpen() {
        refused(message(2, IoMsg.IO_CLOSE), "an _IO_CLOSE without combine_len");
        assertEquals(1, attachment.attr().opens(), "the OCB is still there");
        assertEquals("original", readAll(client, fd));
    }

    @Test
    void r2WriteWhoseNbytesExceedsTheDataIsEbadmsgNotAPartialWrite() {
        ByteBuffer w = message(IoWriteLayout.SIZE + 10, 0);
        IoWriteLayout.put(w, 0, 100);
        refused(w, "nbytes 100 with 10 bytes after the header");
        IoWriteLayout.put(w, 0, -1);
        refused(w, "nbytes 0xFFFFFFFF (unsigned, as in QNX)");
        IoWriteLayout.put(w, 0, 11);
        refused(w, "one byte more than follows");
        assertEquals("original", readAll(client, fd), "nothing was written");
        w.put(IoWriteLayout.SIZE, "0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        IoWriteLayout.put(w, 0, 10);
        assertEquals(10, k.msgSend(fd, w.clear(), null, WAIT), "exactly what follows");
        IoWriteLayout.put(w, 0, 4);
        assertEquals(4, k.msgSend(fd, w.clear(), null, WAIT), "fewer than follow: the header says how many");
        client.lseek(fd, 0, Resmgr.SEEK_SET);
        assertEquals("0123", readAll(client, fd));
    }

    @Test
    void r2DevctlWhoseNbytesExceedsTheDataIsEbadmsg() {
        ByteBuffer d = message(IoDevctlLayout.SIZE + 4, 0);
        IoDevctlLayout.put(d, 0, FdIoTest.DCMD_INCREMENT, 64);
        refused(d, "nbytes 64 with 4 bytes of data");
        IoDevctlLayout.put(d, 0, FdIoTest.DCMD_INCREMENT, Integer.MIN_VALUE);
        refused(d, "nbytes 0x80000000");
        IoDevctlLayout.put(d, 0, FdIoTest.DCMD_INCREMENT, 4);
        d.putInt(IoDevctlLayout.SIZE, 41);
        ByteBuffer reply = ByteBuffer.allocate(IoDevctlLayout.REPLY_SIZE + 4).order(ByteOrder.nativeOrder());
        k.msgSend(fd, d, reply, WAIT);
        assertEquals(42, reply.getInt(IoDevctlLayout.REPLY_SIZE), "a whole devctl still works");
    }

    @Test
    void r2ShortLseekNotifyAndReadAreEbadmsgAndNegativeReadsEinval() {
        ByteBuffer l = message(IoLseekLayout.SIZE, 0);
        IoLseekLayout.put(l, 0, 3, Resmgr.SEEK_SET);
        refused(l.limit(IoLseekLayout.SIZE - 1), "an _IO_LSEEK without the offset's last byte");
        ByteBuffer n = message(IoNotifyLayout.SIZE, 0);
        IoNotifyLayout.put(n, 0, Notify.ACTION_POLL, Notify.COND_INPUT, SigEvent.none());
        refused(Errno.EBADMSG, fd, n.limit(IoNotifyLayout.SIZE - 8), "an _IO_NOTIFY cut inside its event");
        n.clear().putInt(IoNotifyLayout.EVENT, 0x87);
        refused(Errno.EINVAL, fd, n, "an _IO_NOTIFY whose event is SIGEV_THREAD");
        ByteBuffer r = message(IoReadLayout.SIZE, 0);
        IoReadLayout.put(r, 0, -5);
        refused(Errno.EINVAL, fd, r, "a negative read");
    }

    /** An _IO_CONNECT to the device's channel, on a coid of its own, with {@code pathLen} and {@code extraLen}. */
    private ByteBuffer connect(int subtype, String path, int size) {
        ByteBuffer b = message(Math.max(size, IoConnectLayout.size(path)), 0);
        IoConnectLayout.write(b, subtype, IoConnectLayout.FTYPE_ANY, OpenFlags.O_RDONLY, 0, path);
        IoConnectExtLayout.putHandle(b, 0, attachment.id());
        return b.clear().limit(size);
    }

    private int rawCoid() {
        int chid = k.connectServerInfo(fd).chid();
        return k.connectAttach(0, attachment.dispatch().kernel().pid(), chid, Kernel.SIDE_CHANNEL, 0);
    }

    @Test
    void r2ConnectPathLengthsAreCheckedAgainstTheMessage() {
        int coid = rawCoid();
        int whole = IoConnectLayout.size("");
        assertEquals(0, k.msgSend(coid, connect(IoConnectLayout.SUBTYPE_OPEN, "", whole), null, WAIT),
                "a well-formed open of the mount point");
        ByteBuffer beyond = connect(IoConnectLayout.SUBTYPE_OPEN, "", whole);
        beyond.putShort(IoConnectLayout.PATH_LEN, (short) 200);
        refused(Errno.EBADMSG, coid, beyond, "path_len 200 in a message of 41 bytes");
        ByteBuffer none = connect(IoConnectLayout.SUBTYPE_OPEN, "", whole);
        none.putShort(IoConnectLayout.PATH_LEN, (short) 0);
        refused(Errno.EBADMSG, coid, none, "path_len 0: not even the NUL");
        ByteBuffer unterminated = connect(IoConnectLayout.SUBTYPE_OPEN, "ab", IoConnectLayout.size("ab"));
        unterminated.put(IoConnectLayout.PATH + 2, (byte) 'c');
        refused(Errno.EBADMSG, coid, unterminated, "a path without its NUL");
        String tooLong = "x".repeat(Resmgr.PATH_MAX + 1);
        refused(Errno.ENAMETOOLONG, coid, connect(IoConnectLayout.SUBTYPE_OPEN, tooLong, IoConnectLayout.size(tooLong)),
                "a path of PATH_MAX + 1 bytes");
        ByteBuffer extra = connect(IoConnectLayout.SUBTYPE_OPEN, "", whole);
        IoConnectExtLayout.putExtra(extra, 0, 0, 16);
        refused(Errno.EBADMSG, coid, extra, "extra_len 16 with nothing after the path");
        k.connectDetach(coid);
    }

    @Test
    void r2CombineCloseNeedsAWholeCombinedMessage() {
        int coid = rawCoid();
        int at = IoConnectExtLayout.combinedOffset(1);
        ByteBuffer alone = connect(IoConnectLayout.SUBTYPE_COMBINE_CLOSE, "", IoConnectLayout.size(""));
        refused(Errno.EBADMSG, coid, alone, "a COMBINE_CLOSE without the message it combines");
        ByteBuffer cut = connect(IoConnectLayout.SUBTYPE_COMBINE_CLOSE, "", at + IoStatLayout.SIZE);
        IoConnectExtLayout.putExtra(cut, 0, IoMsg.IO_STAT, 4);
        IoStatLayout.put(cut, at);
        refused(Errno.EBADMSG, coid, cut, "a combined _IO_STAT of 4 bytes");
        ByteBuffer stat = connect(IoConnectLayout.SUBTYPE_COMBINE_CLOSE, "", at + IoStatLayout.SIZE);
        IoConnectExtLayout.putExtra(stat, 0, IoMsg.IO_STAT, IoStatLayout.SIZE);
        IoStatLayout.put(stat, at);
        ByteBuffer reply = ByteBuffer.allocate(StatLayout.SIZE);
        assertEquals(0, k.msgSend(coid, stat, reply, WAIT));
        assertEquals(Mode.S_IFCHR | 0666, StatLayout.get(reply, 0).mode(), "the combined stat is answered");
        k.connectDetach(coid);
    }

    @Test
    void r2AManagersOwnMessagesNeedOnlyTheirTypeAndUnknownSystemTypesAreEnosys() {
        ByteBuffer own = message(2, FdIoTest.MSG_ECHO_UPPER);
        assertEquals(7, k.msgSend(fd, own, ByteBuffer.allocate(8), WAIT), "the manager's own answer");
        fails(Errno.ENOSYS, () -> k.msgSend(fd, message(2, IoMsg.IO_CLOSE_OCB), null, WAIT));
        assertEquals(List.of(FdIoTest.MSG_ECHO_UPPER), dev.seen);
    }
}

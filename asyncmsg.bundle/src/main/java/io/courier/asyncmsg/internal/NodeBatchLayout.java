package io.courier.asyncmsg.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel messages between an asynchronous connection to a channel of another JVM of the node
 * and that JVM's {@link NodeGateway}: one synchronous message per request, native byte order.
 *
 * <pre>
 *  request header (HEADER bytes)
 *   0  int  MAGIC
 *   4  int  op: ATTACH, BATCH or DETACH
 *   8  int  ATTACH: server pid      BATCH, DETACH: token
 *  12  int  ATTACH: chid            BATCH: count (messages)
 *  16  long ATTACH: client coid (int at 16), buffer size (int at 20)
 *           BATCH: sequence number of the first message (the client connection's index)
 *  24  int  ATTACH: maxNumBuffer    BATCH: bytes of the messages, in all
 *  28  int  0
 *  BATCH: then count ints (each message's length), then the messages, back to back
 *  ATTACH: then long: the index of the client connection's first message without an outcome
 *          (0 on the first attach; where a connection to another node resumes after its link
 *          came back)
 *
 *  BATCH reply: status = count; then int flags (DEAD: the channel is gone), count ints (each
 *  message's outcome: 0 delivered, else an errno)
 *  ATTACH reply: status = the token of the server-side connection; then long: the index of the
 *  next message the gateway takes (the messages before it arrived there already)
 *  DETACH reply: status 0
 * </pre>
 *
 * Every number is checked against its limit before it is used ({@link #checkBatch}).
 */
final class NodeBatchLayout {
    static final int MAGIC = 0x43414d31; // "CAM1"
    static final int ATTACH = 1;
    static final int BATCH = 2;
    static final int DETACH = 3;
    static final int HEADER = 32;
    static final int OP = 4;
    static final int TOKEN = 8;
    static final int PID = 8;
    static final int COUNT = 12;
    static final int CHID = 12;
    static final int SEQ = 16;
    static final int CLIENT_COID = 16;
    static final int BUFFER_SIZE = 20;
    static final int BYTES = 24;
    static final int MAX_NUM_BUFFER = 24;
    static final int RESERVED = 28;
    /** An ATTACH request: the header, then the resume index. */
    static final int ATTACH_LENGTH = HEADER + 8;
    /** An ATTACH reply: the gateway's next index. */
    static final int ATTACH_REPLY = 8;
    /** The longest request: well within what one kernel message to another JVM carries. */
    static final int MAX_REQUEST = 256 << 10;
    /** The longest single message a connection to another JVM takes (longer: EMSGSIZE at put). */
    static final int MAX_MESSAGE = MAX_REQUEST - HEADER - 4;
    /** The most messages in one batch. */
    static final int MAX_COUNT = 1 << 14;
    /** Reply flag: the server-side connection is dead (its channel was destroyed). */
    static final int DEAD = 1;
    static final int REPLY_HEADER = 4;

    private NodeBatchLayout() {
    }

    static ByteBuffer header() {
        return ByteBuffer.allocate(HEADER).order(ByteOrder.nativeOrder());
    }

    /** The reply buffer for a batch of at most {@code count} messages. */
    static ByteBuffer reply(int count) {
        return ByteBuffer.allocate(REPLY_HEADER + 4 * count).order(ByteOrder.nativeOrder());
    }

    /** A checked batch request: where each message starts and how long it is, within {@code msg}. */
    record Batch(int token, int count, long seq, int[] offsets, int[] lengths) {
    }

    /**
     * Checks a BATCH request of {@code len} bytes at the start of {@code msg} (native order):
     * magic, op, a count within 1..{@code maxCount}, lengths within 0..{@code maxLength} that add
     * up to the bytes announced and to what arrived.
     *
     * @throws KernelException EINVAL for anything that does not add up; EMSGSIZE for a message
     *     longer than {@code maxLength}
     */
    static Batch checkBatch(ByteBuffer msg, int len, int maxCount, int maxLength) {
        if (len < HEADER || len > msg.capacity()) {
            throw bad("a batch of " + len + " bytes");
        }
        if (msg.getInt(0) != MAGIC || msg.getInt(OP) != BATCH || msg.getInt(RESERVED) != 0) {
            throw bad("not a batch");
        }
        int count = msg.getInt(COUNT);
        if (count < 1 || count > maxCount) {
            throw bad("a batch of " + count + " messages (1.." + maxCount + ")");
        }
        long seq = msg.getLong(SEQ);
        if (seq < 0) {
            throw bad("sequence number " + seq);
        }
        int bytes = msg.getInt(BYTES);
        long table = HEADER + 4L * count;
        if (bytes < 0 || table + bytes != len) {
            throw bad("a batch of " + len + " bytes announcing " + count + " messages of " + bytes + " bytes");
        }
        int[] offsets = new int[count];
        int[] lengths = new int[count];
        long at = table;
        for (int i = 0; i < count; i++) {
            int l = msg.getInt(HEADER + 4 * i);
            if (l < 0) {
                throw bad("message " + i + " of " + l + " bytes");
            }
            if (l > maxLength) {
                throw new KernelException(Errno.EMSGSIZE, "message " + i + " of " + l + " bytes is longer than the "
                        + maxLength + " of the connection");
            }
            offsets[i] = (int) at;
            lengths[i] = l;
            at += l;
            if (at > len) {
                throw bad("message " + i + " ends past the batch");
            }
        }
        if (at != len) {
            throw bad("the messages end at " + at + " of " + len + " bytes");
        }
        return new Batch(msg.getInt(TOKEN), count, seq, offsets, lengths);
    }

    private static KernelException bad(String what) {
        return new KernelException(Errno.EINVAL, "asyncmsg gateway: malformed request: " + what);
    }
}

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
 *   4  int  op: ATTACH, BATCH, BATCH_WAIT, WAIT or DETACH (BATCH_WAIT: a BATCH whose
 *           reply waits as a WAIT's does; the client sends it when the batch fills its window)
 *   8  int  ATTACH: server pid      BATCH, BATCH_WAIT, WAIT, DETACH: token
 *  12  int  ATTACH: chid            BATCH: count (messages)     WAIT: 0
 *  16  long ATTACH: client coid (int at 16), buffer size (int at 20)
 *           BATCH: sequence number of the first message (the client connection's index)
 *           WAIT: the client connection's first message without an outcome
 *  24  int  ATTACH: maxNumBuffer    BATCH: bytes of the messages, in all     WAIT: 0
 *  28  int  0
 *  BATCH: then count ints (each message's length), then the messages, back to back
 *  ATTACH: then long: the index of the client connection's first message without an outcome
 *          (0 on the first attach; where a connection to another node resumes after its link
 *          came back)
 *
 *  BATCH reply, as soon as the gateway took the messages: status = count; then the outcomes
 *  known so far (below). WAIT reply, once the gateway knows outcomes not told yet (at once if
 *  it does), or with none after WAIT_HOLD_NANOS (so that a client with new messages sends
 *  them rather than wait for a slow server): status 0, then the outcomes. Outcomes:
 *   0  int  flags (DEAD: the channel is gone and every message taken has its outcome told)
 *   4  int  m: how many outcomes are told (at most MAX_OUTCOMES)
 *   8  long the index of the first (the client's first message without an outcome)
 *  16  int  f: how many of those m failed (0..m)
 *  20  int  0
 *  24  f pairs of ints, one per message that failed, in order: its place among the m
 *      (0..m-1, rising), its errno (never 0). Every other message of the m was delivered:
 *      the usual reply is its 24 bytes alone, whatever m is.
 *  ATTACH reply: status = the token of the server-side connection; then long: the index of the
 *  next message the gateway takes (the messages before it arrived there already)
 *  DETACH reply: status 0
 *
 *  The client has at most window(maxNumBuffer) messages sent and without an outcome told; a
 *  batch past that is refused (EINVAL): the gateway's connection holds that many.
 * </pre>
 *
 * Every number is checked against its limit before it is used ({@link #checkBatch}).
 */
final class NodeBatchLayout {
    static final int MAGIC = 0x43414d31; // "CAM1"
    static final int ATTACH = 1;
    static final int BATCH = 2;
    static final int DETACH = 3;
    static final int WAIT = 4;
    /** A BATCH that fills the client's window: answered as a WAIT after it (once outcomes are known). */
    static final int BATCH_WAIT = 5;
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
    /** The outcomes of a reply: flags, count, first index, failures. */
    static final int REPLY_HEADER = 24;
    static final int OUT_COUNT = 4;
    static final int OUT_FROM = 8;
    static final int OUT_FAILED = 16;
    static final int OUT_RESERVED = 20;
    /** A failure's entry in a reply: its place among the outcomes, its errno. */
    static final int FAILURE = 8;
    /** The most outcomes one reply tells (at most 32 KiB of failures: well within a record of a network link). */
    static final int MAX_OUTCOMES = 4096;
    /** The longest the gateway holds a WAIT (or a BATCH_WAIT's reply) without outcomes to tell: then it answers with none. */
    static final long WAIT_HOLD_NANOS = 10_000_000L;

    private NodeBatchLayout() {
    }

    static ByteBuffer header() {
        return ByteBuffer.allocate(HEADER).order(ByteOrder.nativeOrder());
    }

    /** A reply buffer for at most {@code failures} failed outcomes (any number delivered). */
    static ByteBuffer reply(int failures) {
        return ByteBuffer.allocate(REPLY_HEADER + FAILURE * failures).order(ByteOrder.nativeOrder());
    }

    /**
     * Checks the outcomes of a reply of {@code len} bytes at the start of {@code reply} (native
     * order): a count m within 0..{@link #MAX_OUTCOMES}, a count of failures f within 0..m and a
     * length that holds exactly f of them, each at a place within 0..m-1 after the last one's,
     * with an errno that is one (not 0). The places and errnos go into {@code failedAt} and
     * {@code failedErr} (each at least {@link #MAX_OUTCOMES} long). Returns f.
     *
     * @throws KernelException EIO for anything that does not add up (the other JVM is not to be believed)
     */
    static int checkOutcomes(ByteBuffer reply, int len, int[] failedAt, int[] failedErr) {
        if (len < REPLY_HEADER || len > reply.capacity()) {
            throw garbled("a reply of " + len + " bytes");
        }
        int flags = reply.getInt(0);
        int m = reply.getInt(OUT_COUNT);
        int f = reply.getInt(OUT_FAILED);
        if ((flags & ~DEAD) != 0 || reply.getInt(OUT_RESERVED) != 0 || reply.getLong(OUT_FROM) < 0) {
            throw garbled("flags " + flags + " from " + reply.getLong(OUT_FROM));
        }
        if (m < 0 || m > MAX_OUTCOMES || f < 0 || f > m || len != REPLY_HEADER + (long) FAILURE * f) {
            throw garbled(m + " outcomes, " + f + " failed, in " + len + " bytes");
        }
        int last = -1;
        for (int k = 0; k < f; k++) {
            int at = reply.getInt(REPLY_HEADER + FAILURE * k);
            int err = reply.getInt(REPLY_HEADER + FAILURE * k + 4);
            if (at <= last || at >= m || err == 0 || !isErrno(err)) {
                throw garbled("failure " + k + " at " + at + " (after " + last + ", of " + m + ") with errno " + err);
            }
            failedAt[k] = at;
            failedErr[k] = err;
            last = at;
        }
        return f;
    }

    /** Whether {@code code} is an errno ({@link Errno#of}'s table, as the kernel checks a ring's replies). */
    private static boolean isErrno(int code) {
        try {
            Errno.of(code);
            return true;
        } catch (KernelException notOne) {
            return false;
        }
    }

    private static KernelException garbled(String what) {
        return new KernelException(Errno.EIO, "asyncmsg gateway: malformed reply: " + what);
    }

    /**
     * The most messages a client connection with {@code maxNumBuffer} slots has sent and without
     * an outcome told: what the gateway's connection for it holds ({@link NodeGateway}).
     */
    static int window(int maxNumBuffer) {
        return 2 * NodeGateway.batchLimit(maxNumBuffer);
    }

    /** A checked batch request (where each message starts and how long it is went into the caller's arrays). */
    record Batch(int token, int count, long seq) {
    }

    /**
     * Checks a BATCH request of {@code len} bytes at the start of {@code msg} (native order):
     * magic, op, a count within 1..{@code maxCount}, lengths within 0..{@code maxLength} that add
     * up to the bytes announced and to what arrived. Where each message starts in {@code msg}
     * and how long it is go into {@code offsets} and {@code lengths} (each at least
     * {@code maxCount} long: the gateway's own, kept, no garbage per batch).
     *
     * @throws KernelException EINVAL for anything that does not add up; EMSGSIZE for a message
     *     longer than {@code maxLength}
     */
    static Batch checkBatch(ByteBuffer msg, int len, int maxCount, int maxLength, int[] offsets, int[] lengths) {
        if (len < HEADER || len > msg.capacity()) {
            throw bad("a batch of " + len + " bytes");
        }
        int op = msg.getInt(OP);
        if (msg.getInt(0) != MAGIC || (op != BATCH && op != BATCH_WAIT) || msg.getInt(RESERVED) != 0) {
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
        return new Batch(msg.getInt(TOKEN), count, seq);
    }

    private static KernelException bad(String what) {
        return new KernelException(Errno.EINVAL, "asyncmsg gateway: malformed request: " + what);
    }
}

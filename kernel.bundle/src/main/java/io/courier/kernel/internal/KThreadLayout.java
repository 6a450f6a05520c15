package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import java.nio.ByteBuffer;

/**
 * The fields of a kernel thread in groups, each on cache lines of its own (STYLE: the padding of
 * JCTools and Agrona). A superclass's fields lie before a subclass's, so the classes below are
 * the order in memory: the request a client publishes and its server only reads; the signal
 * line, with the client's phase, which its partner writes to end its wait; then everything else,
 * which only the thread itself writes on its hot paths. A round trip then moves only the lines it
 * must between the client's core and the server's. The phase shares the signal line: the server
 * writes both at once, and a blocked client then carries one padding fewer (SPEC B4).
 *
 * Each padding class ends with 15 bytes of small fields so that any hole the group before it
 * left is filled by padding, not by a field of the group after it.
 *
 * <p>SPEC K3 (the fields of a round trip).
 */
final class KThreadLayout {
    private KThreadLayout() {
    }

    /** What a client publishes for its message; written when it changes, read by its server. */
    abstract static class Request extends Pending {
        final Proc proc;
        final Thread thread;
        /** Set once, before the thread is published. */
        int tid;
        /** Index in the kernel's rcvid table; set once, before the thread is published. */
        int slot;
        final ByteBuffer[] oneSend = new ByteBuffer[1];
        final ByteBuffer[] oneReply = new ByteBuffer[1];
        ByteBuffer[] siov;
        ByteBuffer[] riov;
        int slen;
        int rlen;
        Connection sendConn;
        /** Set when the client asked to unblock on an UNBLOCK channel; the error it would have had. */
        volatile Errno unblockError;

        Request(Proc proc, Thread thread) {
            this.proc = proc;
            this.thread = thread;
        }
    }

    /** Padding after the request. */
    abstract static class Pad1 extends Request {
        long p01, p02, p03, p04, p05, p06, p07, p08;
        int p09;
        short p10;
        byte p11;

        Pad1(Proc proc, Thread thread) {
            super(proc, thread);
        }
    }

    /**
     * The signal line: what a partner writes to end this thread's wait, and the announcement that
     * the wait may park. As a client the thread waits for {@link #doneGen}; as a receiver for
     * {@code recvPhase}. A thread is in one wait at a time.
     */
    abstract static class Signal extends Pad1 {
        /** The generation of the message the server last completed (reply, error, or failure). */
        volatile int doneGen;
        int status;
        Errno error;
        /** The highest byte of the reply buffer written by msgWrite or the reply. */
        int replyExtent;
        /** Through {@code KThread.PARKED}. */
        boolean parked;
        /** Through {@code KThread.RECV_PHASE}. */
        int recvPhase;
        /** The client a sender handed to this waiting receiver; its message is still to be copied. */
        KThread recvClient;
        Errno recvError;
        /** The client's phase; through {@code KThread.SEND_PHASE}: the client writes it to send, its server to receive and reply. */
        int sendPhase;
        /** The generation of the current message; part of its rcvid. Written only by this thread. */
        volatile int gen;

        Signal(Proc proc, Thread thread) {
            super(proc, thread);
        }
    }

    /** Padding after the signal line. */
    abstract static class Pad2 extends Signal {
        long p01, p02, p03, p04, p05, p06, p07, p08;
        int p09;
        short p10;
        byte p11;

        Pad2(Proc proc, Thread thread) {
            super(proc, thread);
        }
    }
}

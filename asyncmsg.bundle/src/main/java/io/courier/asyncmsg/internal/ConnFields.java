package io.courier.asyncmsg.internal;

/**
 * The fields of {@link Conn} split by writer, with cache lines of padding between them so that
 * the sender's and the receiver's hot fields never share one (the JCTools/Agrona layout trick:
 * superclass fields come first). Padding fields are never read.
 */
final class ConnFields {
    private ConnFields() {
    }

    abstract static class PadBefore {
        long p00, p01, p02, p03, p04, p05, p06, p07;
        long p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
    }

    /** Written by the sender side: under the put lock, or by the one sender of a single-sender connection. */
    abstract static class SenderFields extends PadBefore {
        /**
         * The put lock: 0 free, 1 held. A tiny spin lock: concurrent puts on one coid hold it a few
         * stores long. On a single-sender connection only the other writers of these fields take
         * it (timer, flush, failure); the sender's puts do not.
         */
        int putLock;
        /** The thread that puts on a single-sender connection; null before its first put. */
        Thread sender;
        /** Messages put, ever; written by puts (release), read by the other writers (acquire). */
        long tail;
        /** Messages made visible to the receiver, ever ({@code tail} at the last trigger). */
        long delivered;
        /** The sender's last look at {@code released}, so that a put reads the receiver's field only when the ring seems full. */
        long releasedCache;
        /** When the time trigger fires ({@link System#nanoTime()}), or 0 when it is not armed. */
        long deadline;
    }

    abstract static class PadMiddle extends SenderFields {
        long p10, p11, p12, p13, p14, p15, p16, p17;
        long p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
    }

    /** Written by the receiver side and the callback thread. */
    abstract static class ReceiverFields extends PadMiddle {
        /** Messages got (or failed), ever; guarded by the take lock. */
        long consumed;
        /** Messages whose callbacks ran and whose slots the sender may reuse, ever. */
        long released;
        /**
         * A connection to another JVM or node: messages copied into a request to its gateway,
         * ever (written by its pump). They count against the window there, no longer against
         * maxNumBuffer here.
         */
        long sent;
    }

    abstract static class PadAfter extends ReceiverFields {
        long p20, p21, p22, p23, p24, p25, p26, p27;
        long p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
    }
}

package io.courier.kernel.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.nio.ByteBuffer;

/**
 * Copies between IOVs: arrays of buffers taken as one contiguous byte sequence. A source is the
 * bytes between each buffer's position and limit; a destination is the room between each
 * buffer's position and limit. Copies are absolute: no position moves until {@link #advance}.
 *
 * <p>SPEC K5, K6.
 */
final class Iov {
    /** No buffers: a message or reply without data. */
    static final ByteBuffer[] NONE = new ByteBuffer[0];

    /**
     * A thread's one-element IOV {@code one} holding {@code b}: stored only when it holds
     * another buffer, and kept after the call (until the next one or the thread's end), as a
     * send's are. A caller that reuses its buffer then makes no reference store per call (no
     * collector write barrier), and no line another thread reads is written.
     */
    static ByteBuffer[] holding(ByteBuffer[] one, ByteBuffer b) {
        if (one[0] != b) {
            one[0] = b;
        }
        return one;
    }

    private Iov() {
    }

    /** The bytes an IOV holds (or has room for). */
    static int length(ByteBuffer[] iov) {
        long n = 0;
        for (ByteBuffer b : iov) {
            n += b.remaining();
        }
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    /** Checks a source IOV: non-null buffers. */
    static ByteBuffer[] source(ByteBuffer[] iov, String what) {
        if (iov == null) {
            throw new KernelException(Errno.EFAULT, what + " is null");
        }
        for (ByteBuffer b : iov) {
            if (b == null) {
                throw new KernelException(Errno.EFAULT, what + " holds a null buffer");
            }
        }
        return iov;
    }

    /** Checks a destination IOV: non-null, writable buffers. */
    static ByteBuffer[] destination(ByteBuffer[] iov, String what) {
        source(iov, what);
        for (ByteBuffer b : iov) {
            if (b.isReadOnly()) {
                throw new KernelException(Errno.EFAULT, what + " is read-only");
            }
        }
        return iov;
    }

    /**
     * Copies at most {@code max} bytes from {@code src} at {@code srcOff} to {@code dst} at
     * {@code dstOff}; returns the bytes copied.
     */
    static int copy(ByteBuffer[] src, int srcOff, ByteBuffer[] dst, int dstOff, int max) {
        int si = 0;
        int so = srcOff;
        while (si < src.length && so >= src[si].remaining()) {
            so -= src[si].remaining();
            si++;
        }
        int di = 0;
        int dOff = dstOff;
        while (di < dst.length && dOff >= dst[di].remaining()) {
            dOff -= dst[di].remaining();
            di++;
        }
        int copied = 0;
        while (copied < max && si < src.length && di < dst.length) {
            ByteBuffer s = src[si];
            ByteBuffer d = dst[di];
            int n = Math.min(max - copied, Math.min(s.remaining() - so, d.remaining() - dOff));
            d.put(d.position() + dOff, s, s.position() + so, n);
            copied += n;
            so += n;
            dOff += n;
            if (so == s.remaining()) {
                si++;
                so = 0;
            }
            if (dOff == d.remaining()) {
                di++;
                dOff = 0;
            }
        }
        return copied;
    }

    /** Moves the positions of a destination IOV past {@code n} filled bytes. */
    static void advance(ByteBuffer[] dst, int n) {
        int left = n;
        for (int i = 0; i < dst.length && left > 0; i++) {
            ByteBuffer d = dst[i];
            int k = Math.min(left, d.remaining());
            d.position(d.position() + k);
            left -= k;
        }
    }
}

package io.courier.asyncmsg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.testing.SystemPerTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** A fresh kernel per test ({@link SystemPerTest}), and small helpers for messages. */
abstract class AsyncTestSupport extends SystemPerTest<Microkernel> {
    @Override
    protected Microkernel boot() {
        return Microkernel.boot();
    }

    /** A process and its asynchronous-messaging view. */
    record Proc(Kernel k, AsyncMessaging am) {
        int pid() {
            return k.pid();
        }
    }

    Proc process(String name) {
        Kernel k = mk.process(name);
        return new Proc(k, AsyncMessaging.of(k));
    }

    /** A C string: the text and its NUL, as the technote's {@code strlen(msg) + 1}. */
    static ByteBuffer cstring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(b.length + 1);
        buf.put(b).put((byte) 0).flip();
        return buf;
    }

    /** The message of a header as text (up to a NUL). */
    static String text(AsyncMsgHeader h) {
        ByteBuffer b = h.iov()[0].duplicate();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        int n = 0;
        while (n < a.length && a[n] != 0) {
            n++;
        }
        return new String(a, 0, n, StandardCharsets.UTF_8);
    }

    static ByteBuffer number(long n) {
        return ByteBuffer.allocate(8).putLong(0, n);
    }

    static long number(AsyncMsgHeader h) {
        return h.iov()[0].getLong(0);
    }

    /** Walks a batch, freeing each header, and returns their texts in order. */
    static List<String> texts(AsyncMessaging am, AsyncMsgHeader first) {
        List<String> out = new ArrayList<>();
        for (AsyncMsgHeader h = first; h != null;) {
            AsyncMsgHeader next = h.next();
            out.add(text(h));
            am.free(h);
            h = next;
        }
        return out;
    }

    /** Walks a batch (null for none), freeing each header, and returns their {@link #number}s in order. */
    static List<Long> numbers(AsyncMessaging am, AsyncMsgHeader first) {
        List<Long> out = new ArrayList<>();
        for (AsyncMsgHeader h = first; h != null;) {
            AsyncMsgHeader next = h.next();
            out.add(number(h));
            am.free(h);
            h = next;
        }
        return out;
    }

    static int count(AsyncMsgHeader first) {
        int n = 0;
        for (AsyncMsgHeader h = first; h != null; h = h.next()) {
            n++;
        }
        return n;
    }

    static KernelException fails(Errno expected, Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
        return e;
    }
}

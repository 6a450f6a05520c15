package io.courier.kernel.seeds;

import io.courier.kernel.Microkernel;
import io.courier.testing.SystemPerTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;

/**
 * What the course's example programs share: the checksum message ({@code msg_def.h}), and a
 * kernel per test with server threads and bounded waits ({@link SystemPerTest}).
 */
abstract class SeedSupport extends SystemPerTest<Microkernel> {
    /** {@code CKSUM_MSG_TYPE}: user message types start above {@code _IO_MAX}. */
    static final short CKSUM_MSG_TYPE = (short) (io.courier.kernel.IoMsg.IO_MAX + 1);
    /** The header of the checksum message: type (u16), pad (u16), then the string. */
    static final int HEADER = 4;

    @Override
    protected Microkernel boot() {
        return Microkernel.boot();
    }

    /** Starts one of the programs on a thread of its own. */
    <T> Future<T> start(Callable<T> program) {
        return async(program);
    }

    /** The checksum of the course: the sum of the string's bytes. */
    static int checksum(String s) {
        int sum = 0;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            sum += b & 0xFF;
        }
        return sum;
    }

    /** A checksum request: the header, then the NUL-terminated text. */
    static ByteBuffer checksumRequest(String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER + t.length + 1).order(ByteOrder.nativeOrder());
        b.putShort(CKSUM_MSG_TYPE).putShort((short) 0).put(t).put((byte) 0);
        return b.flip();
    }

    static short type(ByteBuffer received) {
        return received.duplicate().order(ByteOrder.nativeOrder()).getShort(0);
    }

    /** The text of a received checksum request (up to the NUL). */
    static String requestText(ByteBuffer received) {
        ByteBuffer b = received.duplicate().flip();
        int end = HEADER;
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] t = new byte[end - HEADER];
        b.get(HEADER, t);
        return new String(t, StandardCharsets.UTF_8);
    }

    static ByteBuffer intReply(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, v);
    }

    static int intOf(ByteBuffer filled) {
        return filled.duplicate().order(ByteOrder.nativeOrder()).getInt(0);
    }
}

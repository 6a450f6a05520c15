package io.courier.resmgr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Absolute native-order access to a buffer whatever its own byte order, without the
 * {@code duplicate().order(...)} allocation: the layouts run on every message.
 */
final class NativeBytes {
    private static final VarHandle I16 = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.nativeOrder());
    private static final VarHandle I32 = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle I64 = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private NativeBytes() {
    }

    static int u16(ByteBuffer b, int at) {
        return Short.toUnsignedInt((short) I16.get(b, at));
    }

    static short i16(ByteBuffer b, int at) {
        return (short) I16.get(b, at);
    }

    static void putI16(ByteBuffer b, int at, int v) {
        I16.set(b, at, (short) v);
    }

    static int i32(ByteBuffer b, int at) {
        return (int) I32.get(b, at);
    }

    static void putI32(ByteBuffer b, int at, int v) {
        I32.set(b, at, v);
    }

    static long i64(ByteBuffer b, int at) {
        return (long) I64.get(b, at);
    }

    static void putI64(ByteBuffer b, int at, long v) {
        I64.set(b, at, v);
    }

    /** Zeroes {@code n} bytes from {@code at}. */
    static void zero(ByteBuffer b, int at, int n) {
        for (int i = 0; i < n; i++) {
            b.put(at + i, (byte) 0);
        }
    }
}

package io.courier.resmgr.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Absolute native-order reads without {@code duplicate().order(...)}: the dispatch loop runs them on every message. */
final class Native {
    private static final VarHandle I16 = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.nativeOrder());

    private Native() {
    }

    /** The unsigned 16 bits at {@code at}: a system message's type. */
    static int u16(ByteBuffer b, int at) {
        return Short.toUnsignedInt((short) I16.get(b, at));
    }
}

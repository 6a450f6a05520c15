package io.courier.node.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * How many calls are inside something, on a cache line of its own (the JCTools/Agrona layout
 * trick: superclass fields come first), so that two counts kept for different threads never
 * pass one line between their cores. Padding fields are never read.
 */
final class UseCount extends UseCountLayout.Value {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(UseCountLayout.Value.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long q00, q01, q02, q03, q04, q05, q06, q07;
    long q08, q09, q0a, q0b, q0c, q0d, q0e, q0f;

    /** One more inside (a volatile add: ordered before any read that follows). */
    void enter() {
        COUNT.getAndAdd(this, 1);
    }

    /** One fewer inside. */
    void leave() {
        COUNT.getAndAdd(this, -1);
    }

    /** How many are inside now (a volatile read). */
    int get() {
        return (int) COUNT.getVolatile(this);
    }
}

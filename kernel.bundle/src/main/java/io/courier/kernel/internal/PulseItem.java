package io.courier.kernel.internal;

/**
 * A kernel pulse on its way to {@link Pulses#postKernel} (DISCONNECT, UNBLOCK, COIDDEATH,
 * THREADDEATH): rare, so an object is fine here. Queued pulses are primitives in a channel's
 * {@link PulseRing} and {@link PulseLists}.
 *
 * <p>SPEC K12.
 */
final class PulseItem {
    final int priority;
    final int code;
    final long value;
    final int scoid;
    final Object pointer;

    PulseItem(int priority, int code, long value, int scoid, Object pointer) {
        this.priority = priority;
        this.code = code;
        this.value = value;
        this.scoid = scoid;
        this.pointer = pointer;
    }
}

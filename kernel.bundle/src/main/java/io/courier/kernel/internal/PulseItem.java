package io.courier.kernel.internal;

import io.courier.kernel.Pulse;

/**
 * A queued pulse; where pulses are queued and handed over is {@link Pulses}.
 *
 * <p>SPEC K8.
 */
final class PulseItem extends Pending {
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

    Pulse toPulse() {
        return new Pulse(code, value, scoid, priority, pointer);
    }
}

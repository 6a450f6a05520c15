package io.courier.kernel;

import java.util.Objects;

/**
 * A description of a notification ({@code struct sigevent}): what to do when an event fires.
 * Immutable; the factories mirror QNX's {@code SIGEV_*_INIT} macros. {@link SigEventLayout} is its
 * byte form in a message.
 */
public final class SigEvent {
    /** How the event notifies ({@code sigev_notify}). */
    public enum Type {
        /** {@code SIGEV_NONE}: nothing. */
        NONE,
        /** {@code SIGEV_SIGNAL}: a signal to the process. */
        SIGNAL,
        /** {@code SIGEV_SIGNAL_CODE}: a signal with a code to the process. */
        SIGNAL_CODE,
        /** {@code SIGEV_SIGNAL_THREAD}: a signal with a code to one thread. */
        SIGNAL_THREAD,
        /** {@code SIGEV_PULSE}: a pulse on a connection. */
        PULSE,
        /** {@code SIGEV_UNBLOCK}: unblocks the thread's kernel call (ETIMEDOUT). */
        UNBLOCK,
        /** {@code SIGEV_INTR}: an interrupt event for {@code InterruptWait}. */
        INTR,
        /** {@code SIGEV_THREAD}: runs a function on a new thread. */
        THREAD
    }

    /** {@code SIGSEGV}-style upper bound of signal numbers ({@code _SIGMAX}). */
    public static final int SIGMAX = 64;
    /** The lowest signal number. */
    public static final int SIGMIN = 1;
    /**
     * {@code SIGEV_PULSE_PRIO_INHERIT}: as a pulse's priority, the pulse takes the priority of the
     * thread that delivers it ({@code msgDeliverEvent}'s caller) instead of a fixed one.
     */
    public static final int SIGEV_PULSE_PRIO_INHERIT = -1;

    private final Type type;
    private final int coid;
    private final int priority;
    private final int code;
    private final long value;
    private final int signo;
    private final boolean updateable;
    private final Runnable function;
    private final long handle;

    private SigEvent(Type type, int coid, int priority, int code, long value, int signo, boolean updateable,
            Runnable function, long handle) {
        this.type = type;
        this.coid = coid;
        this.priority = priority;
        this.code = code;
        this.value = value;
        this.signo = signo;
        this.updateable = updateable;
        this.function = function;
        this.handle = handle;
    }

    /**
     * {@code SIGEV_PULSE_INIT}: a pulse with {@code code} and {@code value} on {@code coid}, at
     * {@code priority} (0 to {@link Kernel#PRIORITY_MAX}, or {@link #SIGEV_PULSE_PRIO_INHERIT}).
     */
    public static SigEvent pulse(int coid, int priority, int code, long value) {
        return new SigEvent(Type.PULSE, coid, priority, code, value, 0, false, null, 0);
    }

    /** {@code SIGEV_SIGNAL_INIT}: signal {@code signo} with {@code value} to the process. */
    public static SigEvent signal(int signo, long value) {
        return new SigEvent(Type.SIGNAL, -1, 0, 0, value, signo, false, null, 0);
    }

    /** {@code SIGEV_SIGNAL_CODE_INIT}: signal {@code signo} with {@code value} and {@code code}. */
    public static SigEvent signalCode(int signo, long value, int code) {
        return new SigEvent(Type.SIGNAL_CODE, -1, 0, code, value, signo, false, null, 0);
    }

    /** {@code SIGEV_SIGNAL_THREAD_INIT}: signal {@code signo} to the thread that registered. */
    public static SigEvent signalThread(int signo, long value, int code) {
        return new SigEvent(Type.SIGNAL_THREAD, -1, 0, code, value, signo, false, null, 0);
    }

    /** {@code SIGEV_NONE_INIT}. */
    public static SigEvent none() {
        return new SigEvent(Type.NONE, -1, 0, 0, 0, 0, false, null, 0);
    }

    /** {@code SIGEV_UNBLOCK_INIT}. */
    public static SigEvent unblock() {
        return new SigEvent(Type.UNBLOCK, -1, 0, 0, 0, 0, false, null, 0);
    }

    /** {@code SIGEV_INTR_INIT}. */
    public static SigEvent intr() {
        return new SigEvent(Type.INTR, -1, 0, 0, 0, 0, false, null, 0);
    }

    /** {@code SIGEV_THREAD_INIT}: runs {@code function} on a new thread of the receiving process. */
    public static SigEvent thread(Runnable function, long value) {
        return new SigEvent(Type.THREAD, -1, 0, 0, value, 0, false, Objects.requireNonNull(function, "function"),
                0);
    }

    /** {@code SIGEV_MAKE_UPDATEABLE}: the server may change the value when it delivers. */
    public SigEvent updateable() {
        return new SigEvent(type, coid, priority, code, value, signo, true, function, handle);
    }

    /** The same event with another value (what an UPDATEABLE event's server may do). */
    public SigEvent withValue(long newValue) {
        return new SigEvent(type, coid, priority, code, newValue, signo, updateable, function, handle);
    }

    /** The same event, marked with the handle the kernel gave it on registration; the kernel's use. */
    public SigEvent withHandle(long newHandle) {
        return new SigEvent(type, coid, priority, code, value, signo, updateable, function, newHandle);
    }

    /** How it notifies. */
    public Type type() {
        return type;
    }

    /** The connection a pulse goes to. */
    public int coid() {
        return coid;
    }

    /** The pulse priority (0 becomes 1 on delivery; {@link #SIGEV_PULSE_PRIO_INHERIT}: the deliverer's). */
    public int priority() {
        return priority;
    }

    /** The pulse or signal code. */
    public int code() {
        return code;
    }

    /** The value. */
    public long value() {
        return value;
    }

    /** The signal number. */
    public int signo() {
        return signo;
    }

    /** Whether the server may change the value. */
    public boolean isUpdateable() {
        return updateable;
    }

    /** The function of a THREAD event. */
    public Runnable function() {
        return function;
    }

    /** The registration handle; 0 for an event that was not registered. */
    public long handle() {
        return handle;
    }

    @Override
    public String toString() {
        return "SigEvent[" + type + ", coid=" + coid + ", priority=" + priority + ", code=" + code + ", value="
                + value + ", signo=" + signo + (updateable ? ", updateable" : "") + (handle != 0 ? ", registered" : "")
                + "]";
    }
}

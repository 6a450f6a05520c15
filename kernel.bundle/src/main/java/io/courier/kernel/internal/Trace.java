package io.courier.kernel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JDK Flight Recorder events for kernel calls: what QNX needs an instrumented kernel for. With
 * no recording running the events cost a check; with tracing off
 * ({@code -Dcourier.trace.disable=true}, or {@link MicrokernelImpl#tracing(boolean)}) the code
 * is not even reached. Enable them with {@code jcmd <pid> JFR.start settings=profile} or a
 * recording of {@code io.courier.*} events.
 *
 * <p>SPEC B5.
 */
final class Trace {
    private static final boolean JFR = jfrPresent();
    /**
     * Whether kernel calls make events at all (the JDK has JFR and tracing is on). Read plainly
     * by each traced call; written only through {@link #enable(boolean)}.
     */
    static boolean ENABLED = !Boolean.getBoolean("courier.trace.disable") && JFR;
    private static final VarHandle ENABLED_HANDLE;

    static {
        try {
            ENABLED_HANDLE = MethodHandles.lookup().findStaticVarHandle(Trace.class, "ENABLED", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Trace() {
    }

    /** Tracing on or off from the next traced calls on (release: a later call sees the flag). */
    static void enable(boolean on) {
        ENABLED_HANDLE.setRelease(on && JFR);
    }

    static boolean enabled() {
        return (boolean) ENABLED_HANDLE.getAcquire();
    }

    /**
     * Whether a recording takes {@code MsgSend} events now. A blocking call checks it before it
     * makes its event: an event made for no recording would stay on the stack of every blocked
     * client (SPEC B4).
     */
    static boolean sendRecorded() {
        return Types.SEND.isEnabled();
    }

    /** Whether a recording takes {@code MsgReceive} events now. */
    static boolean receiveRecorded() {
        return Types.RECEIVE.isEnabled();
    }

    /** Whether a recording takes {@code MsgReply} events now. */
    static boolean replyRecorded() {
        return Types.REPLY.isEnabled();
    }

    /** Whether a recording takes {@code MsgSendPulse} events now: a pulse makes no object otherwise. */
    static boolean pulseRecorded() {
        return Types.PULSE.isEnabled();
    }

    /** The event types, made on first use (only when the JDK has JFR). */
    private static final class Types {
        static final jdk.jfr.EventType SEND = jdk.jfr.EventType.getEventType(Send.class);
        static final jdk.jfr.EventType RECEIVE = jdk.jfr.EventType.getEventType(Receive.class);
        static final jdk.jfr.EventType REPLY = jdk.jfr.EventType.getEventType(Reply.class);
        static final jdk.jfr.EventType PULSE = jdk.jfr.EventType.getEventType(PulseSent.class);
    }

    private static boolean jfrPresent() {
        try {
            Class.forName("jdk.jfr.Event", false, Trace.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** A {@code msgSend}: from the call to the reply (or the error). */
    @Name("io.courier.MsgSend")
    @Label("MsgSend")
    @Category({"Courier", "Kernel"})
    @Description("A client's send, from the call until the reply or the error")
    @StackTrace(false)
    static final class Send extends Event {
        @Label("Client pid")
        int pid;
        @Label("Client tid")
        int tid;
        @Label("Coid")
        int coid;
        @Label("Server pid")
        int serverPid;
        @Label("Chid")
        int chid;
        @Label("Rcvid")
        long rcvid;
        @Label("Bytes sent")
        int bytes;
        @Label("Status")
        int status;
        @Label("Error")
        String error;
    }

    /** A {@code msgReceive}: from the call until a message or pulse arrives. */
    @Name("io.courier.MsgReceive")
    @Label("MsgReceive")
    @Category({"Courier", "Kernel"})
    @Description("A server's receive, from the call until a message or a pulse arrives")
    @StackTrace(false)
    static final class Receive extends Event {
        @Label("Server pid")
        int pid;
        @Label("Server tid")
        int tid;
        @Label("Chid")
        int chid;
        @Label("Rcvid (0: a pulse)")
        long rcvid;
        @Label("Error")
        String error;
    }

    /** A {@code msgReply} or {@code msgError}. */
    @Name("io.courier.MsgReply")
    @Label("MsgReply")
    @Category({"Courier", "Kernel"})
    @StackTrace(false)
    static final class Reply extends Event {
        @Label("Server pid")
        int pid;
        @Label("Rcvid")
        long rcvid;
        @Label("Status")
        int status;
        @Label("Error sent")
        String error;
    }

    /** A pulse queued or handed to a receiver. */
    @Name("io.courier.Pulse")
    @Label("Pulse")
    @Category({"Courier", "Kernel"})
    @StackTrace(false)
    static final class PulseSent extends Event {
        @Label("Sender pid")
        int pid;
        @Label("Server pid")
        int serverPid;
        @Label("Chid")
        int chid;
        @Label("Code")
        int code;
        @Label("Value")
        long value;
        @Label("Priority")
        int priority;
    }

    /** A process's death and its cleanup. */
    @Name("io.courier.ProcessDeath")
    @Label("Process death")
    @Category({"Courier", "Kernel"})
    @StackTrace(false)
    static final class ProcessDeath extends Event {
        @Label("Pid")
        int pid;
        @Label("Name")
        String name;
        @Label("Channels destroyed")
        int channels;
        @Label("Connections detached")
        int connections;
    }
}

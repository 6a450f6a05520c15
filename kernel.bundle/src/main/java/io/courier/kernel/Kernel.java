package io.courier.kernel;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One process's view of the {@link Microkernel}: the kernel calls that process makes.
 *
 * <p>Names follow the QNX Neutrino calls they mirror ({@code MsgSend} is {@link #msgSend}).
 * A Java thread that makes a call through a {@code Kernel} becomes one of the process's
 * threads. Every failure throws a {@link KernelException} carrying an {@link Errno}.
 *
 * <p>Buffers: the bytes between a source buffer's position and limit are the message, and its
 * position is left alone; a destination buffer is filled from its position, which advances by
 * the bytes copied. Heap and direct buffers both work.
 */
@ProviderType
public interface Kernel {
    /** {@code _NTO_SIDE_CHANNEL}: as the index of {@link #connectAttach}, keeps the coid out of the fd range. */
    int SIDE_CHANNEL = 0x40000000;
    /** The node descriptor of this node ({@code ND_LOCAL_NODE}). */
    int ND_LOCAL_NODE = 0;
    /**
     * {@code NAME_FLAG_ATTACH_GLOBAL}: for {@link #nameAttach}, the name is told to the other
     * nodes of the network too; for {@link #nameOpen}, a name not on this node is looked for
     * among the other nodes' global names.
     */
    int NAME_FLAG_ATTACH_GLOBAL = 0x1;
    /** The lowest priority a thread or message may have. */
    int PRIORITY_MIN = 1;
    /** The highest priority a thread or message may have. */
    int PRIORITY_MAX = 255;
    /** The priority threads start with. */
    int PRIORITY_DEFAULT = 10;
    /** The highest priority of the non-privileged range, as QNX's (event pulses above it need {@link Ability#PRIORITY}). */
    int PRIORITY_UNPRIVILEGED_MAX = 63;

    /** The system this process belongs to. */
    Microkernel microkernel();

    /** This process's id ({@code getpid()}). */
    int pid();

    /** The calling thread's id in this process ({@code gettid()}), given on first use. */
    int tid();

    /** This process's name. */
    String name();

    // ---------------------------------------------------------------- channels, connections

    /**
     * {@code ChannelCreate()}: a channel owned by this process, on which any of its threads may
     * receive.
     *
     * @param flags {@link ChannelFlags}
     * @return the chid
     * @throws KernelException EINVAL for unknown flags; EPERM for a public channel without the
     *     {@link Ability#PUBLIC_CHANNEL} ability; EAGAIN when out of channels
     */
    int channelCreate(int flags);

    /**
     * {@code ChannelDestroy()}: threads blocked on the channel fail with ESRCH, queued pulses are
     * freed, later sends on its connections fail with EBADF.
     *
     * @throws KernelException EINVAL for a chid this process does not own
     */
    void channelDestroy(int chid);

    /**
     * {@code ConnectAttach()}: a connection to channel {@code chid} of process {@code pid}.
     *
     * @param nd the node, {@link #ND_LOCAL_NODE} (0)
     * @param pid the channel's owner; 0 for the calling process, as in QNX
     * @param index 0 for the lowest free coid in the fd range, {@link #SIDE_CHANNEL} for the
     *     lowest side-channel coid
     * @param flags {@link ConnectFlags}
     * @return the coid
     * @throws KernelException ESRCH for an unknown pid or chid; ENXIO when the process is
     *     terminating; EINVAL for bad flags, node or index; EAGAIN when out of connections;
     *     EPERM for another process's private channel
     */
    int connectAttach(int nd, int pid, int chid, int index, int flags);

    /**
     * {@code ConnectDetach()}: closes a connection, or frees a server connection id (scoid)
     * after its DISCONNECT pulse.
     *
     * @throws KernelException EINVAL for an id that is neither
     */
    void connectDetach(int coid);

    /**
     * {@code ConnectClientInfo()}: the credentials of the client behind a server connection.
     *
     * @throws KernelException ESRCH for an unknown scoid
     */
    ClientInfo connectClientInfo(int scoid);

    /**
     * {@code ConnectServerInfo()}: the server process and channel behind a connection.
     *
     * @throws KernelException EBADF for an unknown coid
     */
    ServerInfo connectServerInfo(int coid);

    // ---------------------------------------------------------------- messages

    /**
     * {@code MsgSend()}: sends {@code smsg} and blocks until the server replies; the reply's data
     * goes into {@code rmsg} (null: none wanted).
     *
     * @return the status the server passed to {@link #msgReply}
     * @throws KernelException EBADF for a bad coid or a destroyed channel; ESRCH when the
     *     channel is destroyed while blocked; ENXIO when the server is terminating; EFAULT for a
     *     null or read-only buffer; EINTR when interrupted; ETIMEDOUT on a timeout; EDEADLK when
     *     the send would close a cycle of blocked threads; the errno of {@link #msgError}
     */
    int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg);

    /** {@link #msgSend(int, ByteBuffer, ByteBuffer)} with a kernel timeout on the SEND and REPLY states. */
    int msgSend(int coid, ByteBuffer smsg, ByteBuffer rmsg, Duration timeout);

    /** {@code MsgSendv()}: the IOV form; each array is treated as one contiguous byte sequence. */
    int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov);

    /** {@code MsgSendv()} with a kernel timeout on the SEND and REPLY states. */
    int msgSendv(int coid, ByteBuffer[] siov, ByteBuffer[] riov, Duration timeout);

    /** {@code MsgSendsv()}: a single send buffer and a reply IOV. */
    int msgSendsv(int coid, ByteBuffer smsg, ByteBuffer[] riov);

    /** {@code MsgSendvs()}: a send IOV and a single reply buffer. */
    int msgSendvs(int coid, ByteBuffer[] siov, ByteBuffer rmsg);

    /**
     * {@code MsgReceive()}: blocks until a message or pulse arrives on {@code chid}.
     *
     * @param info filled in place for a message (not for a pulse); may be null
     * @return a rcvid &gt; 0 for a message; 0 for a pulse, whose {@link Pulse#SIZE} bytes are
     *     written into {@code rmsg}
     * @throws KernelException ESRCH for a bad chid or a channel destroyed while waiting; EFAULT
     *     when {@code rmsg} cannot hold a pulse (the pulse is dropped) or is read-only; EINTR;
     *     ETIMEDOUT
     */
    long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info);

    /** {@link #msgReceive(int, ByteBuffer, MsgInfo)} with a kernel timeout on the RECEIVE state. */
    long msgReceive(int chid, ByteBuffer rmsg, MsgInfo info, Duration timeout);

    /** {@code MsgReceivev()}: the IOV form. */
    long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info);

    /** {@code MsgReceivev()} with a kernel timeout on the RECEIVE state. */
    long msgReceivev(int chid, ByteBuffer[] riov, MsgInfo info, Duration timeout);

    /**
     * {@code MsgReceivePulse()}: blocks until a pulse arrives; messages stay queued.
     *
     * @throws KernelException ESRCH for a bad chid; EINTR; ETIMEDOUT
     */
    Pulse msgReceivePulse(int chid);

    /** {@link #msgReceivePulse(int)} with a kernel timeout. */
    Pulse msgReceivePulse(int chid, Duration timeout);

    /**
     * {@code MsgReply()}: unblocks the client with {@code status}; {@code msg} (may be null)
     * is copied into its reply buffer.
     *
     * @throws KernelException ESRCH for a rcvid that is not REPLY-blocked on this process
     */
    void msgReply(long rcvid, int status, ByteBuffer msg);

    /** {@code MsgReplyv()}: the IOV form. */
    void msgReplyv(long rcvid, int status, ByteBuffer[] iov);

    /**
     * {@code MsgError()}: makes the client's send fail with {@code error}. {@link Errno#EOK}
     * makes the send succeed with status 0.
     *
     * @throws KernelException ESRCH for a rcvid that is not REPLY-blocked on this process
     */
    void msgError(long rcvid, Errno error);

    /**
     * {@code MsgError()} with QNX's numeric errno; -1 fails the client's send with the error the
     * kernel stored when it asked to unblock (EINTR or ETIMEDOUT), or EINTR when it did not ask.
     *
     * @throws KernelException ESRCH for a rcvid that is not REPLY-blocked on this process;
     *     EINVAL for a number that is no errno
     */
    void msgError(long rcvid, int error);

    /**
     * {@code MsgRead()}: copies more of the client's message, from {@code offset}, into
     * {@code buf}.
     *
     * @return the bytes copied
     * @throws KernelException ESRCH for a bad rcvid; EINVAL for a negative offset; EFAULT for a
     *     null or read-only buffer
     */
    int msgRead(long rcvid, ByteBuffer buf, int offset);

    /** {@code MsgReadv()}: the IOV form. */
    int msgReadv(long rcvid, ByteBuffer[] iov, int offset);

    /**
     * {@code MsgWrite()}: copies {@code buf} into the client's reply buffer at {@code offset}
     * without unblocking it.
     *
     * @return the bytes copied
     * @throws KernelException ESRCH for a bad rcvid; EINVAL for a negative offset; EFAULT for a
     *     null buffer
     */
    int msgWrite(long rcvid, ByteBuffer buf, int offset);

    /** {@code MsgWritev()}: the IOV form. */
    int msgWritev(long rcvid, ByteBuffer[] iov, int offset);

    /**
     * {@code MsgInfo()}: the information about a received message.
     *
     * @throws KernelException ESRCH for a bad rcvid
     */
    MsgInfo msgInfo(long rcvid);

    /**
     * {@code MsgSendPulse()}: queues a pulse; never blocks.
     *
     * @param priority 1..255, or -1 for the calling thread's priority
     * @param code -128..127; applications use {@link PulseCode#MINAVAIL}..{@link PulseCode#MAXAVAIL}
     * @throws KernelException EBADF for a bad coid; EINVAL for a bad priority or code; EAGAIN
     *     when the channel's pulse queue is full
     */
    void msgSendPulse(int coid, int priority, int code, long value);

    /**
     * The in-process pointer form of {@code MsgSendPulsePtr()}: the pulse carries a reference
     * readable with {@link Pulse#pointer()} by a receiver in the same JVM.
     */
    void msgSendPulsePtr(int coid, int priority, int code, Object pointer);

    // ---------------------------------------------------------------- events

    /**
     * {@code MsgDeliverEvent()}: delivers {@code event}; {@code rcvid} &gt; 0 names a client that
     * sent this process a message, 0 the calling thread, &lt; 0 the thread whose tid is
     * {@code -rcvid}.
     */
    void msgDeliverEvent(long rcvid, SigEvent event);

    /**
     * {@code MsgRegisterEvent()}: registers an event for delivery by the server behind
     * {@code coid} (-1: any server), returning the registered (opaque) event to hand over.
     */
    SigEvent msgRegisterEvent(SigEvent event, int coid);

    /** {@code MsgUnregisterEvent()}. */
    void msgUnregisterEvent(SigEvent event);

    /** {@code MsgVerifyEvent()}: checks that {@code event} could be delivered to the client of {@code rcvid}. */
    void msgVerifyEvent(long rcvid, SigEvent event);

    // ---------------------------------------------------------------- names

    /**
     * {@code name_attach()}: creates a channel with DISCONNECT, COID_DISCONNECT and UNBLOCK and
     * publishes {@code name} under {@code /dev/name/local}.
     *
     * @throws KernelException EEXIST when the name is taken; EINVAL for a bad name
     */
    NameAttach nameAttach(String name, int flags);

    /** {@code name_detach()}: withdraws the name and destroys its channel. */
    void nameDetach(NameAttach attach);

    /**
     * {@code name_open()}: connects to the server that attached {@code name}; the server first
     * receives an {@code _IO_CONNECT} message that it must reply EOK to.
     *
     * @return a side-channel coid
     * @throws KernelException ENOENT for an unknown name; the server's errno when it refuses
     */
    int nameOpen(String name, int flags);

    /** {@code name_close()}. */
    void nameClose(int coid);

    /**
     * {@code netmgr_ndtostr()}: the name of node {@code nd} ({@link #ND_LOCAL_NODE}: this node's;
     * the node name of the network this kernel joined, or "localhost" without one).
     *
     * @throws KernelException EHOSTUNREACH for an nd no configured node has
     */
    String netmgrNdtostr(int nd);

    /**
     * {@code netmgr_strtond()}: the node descriptor of node {@code name} (0 for this node's own
     * name), as this kernel's network numbers it.
     *
     * @throws KernelException ENOENT for a name no configured node has
     */
    int netmgrStrtond(String name);

    // ---------------------------------------------------------------- threads, signals, life

    /** The calling thread's priority (the effective one, after inheritance). */
    int priority();

    /**
     * Sets the calling thread's priority.
     *
     * @throws KernelException EINVAL outside 1..255
     */
    void setPriority(int priority);

    /** Names the calling thread in introspection ({@code pthread_setname_np}). */
    void setThreadName(String name);

    /**
     * {@code TimerTimeout()}: arms a one-shot kernel timeout for the calling thread's next
     * blocking call in one of the {@code states}; it is disarmed when that call returns.
     */
    void timerTimeout(java.util.Set<ThreadState> states, Duration timeout);

    /**
     * {@code SignalKill()}: sends a signal to process {@code pid} (0: the calling process, which
     * is its own process group; tid 0: any thread that does not mask it) or to one of its threads. A thread waiting for it in {@link #signalWaitinfo}
     * takes it; otherwise a thread blocked in a kernel call that does not mask it is unblocked
     * with EINTR, as SPEC K13 says (the signal is then consumed, as by a handler); otherwise it
     * stays pending. {@link Signals#SIGKILL} ends the process.
     *
     * @throws KernelException ESRCH for an unknown pid or tid; EINVAL for a signal outside
     *     1..64; EPERM across users without the {@link Ability#SIGNAL} ability
     */
    void signalKill(int pid, int tid, int signo, int code, long value);

    /**
     * {@code SignalProcmask()}: changes the calling thread's signal mask.
     *
     * @param how {@link Signals#SIG_BLOCK}, {@link Signals#SIG_UNBLOCK} or {@link Signals#SIG_SETMASK}
     * @param set a signal set ({@link Signals#set})
     * @return the previous mask
     * @throws KernelException EINVAL for a bad {@code how}
     */
    long signalProcmask(int how, long set);

    /**
     * {@code SignalWaitinfo()}: waits until a signal of {@code set} is pending for the calling
     * thread or its process, and takes it.
     *
     * @param timeout null to wait without limit
     * @throws KernelException EINTR when unblocked otherwise; ETIMEDOUT on the timeout; EINVAL
     *     for an empty set
     */
    SigInfo signalWaitinfo(long set, Duration timeout);

    /**
     * {@code InterruptWait()}: waits for a {@link SigEvent.Type#INTR} event delivered to the
     * calling thread.
     *
     * @throws KernelException ETIMEDOUT on the timeout; EINTR when interrupted
     */
    void interruptWait(Duration timeout);

    /** The credentials of this process. */
    Credentials credentials();

    /** Whether this process holds {@code ability}. */
    boolean hasAbility(Ability ability);

    /** Gives up {@code ability} for good ({@code procmgr_ability()} with DENY and LOCK). */
    void dropAbility(Ability ability);

    /**
     * Runs {@code hook} when this process dies, after its connections and channels are gone.
     * Other bundles use it to release what the process held (fds, mappings).
     */
    void atExit(Runnable hook);

    /** Whether this process is still alive. */
    boolean isAlive();

    /**
     * Process death: all connections detached, channels destroyed, blocked threads released
     * with errors, pulses sent as SPEC K15 says. Later calls fail with ESRCH.
     */
    void exit();
}

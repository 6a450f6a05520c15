package io.courier.asyncmsg.iocp;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Providers;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An I/O completion port (SPEC A7), after IBM i's {@code QsoCreateIOCompletionPort} family: a
 * common wait point for asynchronous socket operations. A thread starts a receive, send or
 * accept naming the port and an application handle ({@link OverlappedIo}); when the operation
 * finishes, its status and the handle are posted to the port, and the post wakes exactly one of
 * the threads waiting in {@link #waitForCompletion}. Worker threads are not tied to a
 * connection: any of them takes whatever completes next.
 *
 * <p>Start calls return as in C: {@code 0} the operation finished at once and its results are
 * in the {@code OverlappedIo} (nothing is posted); {@code 1} its completion will be posted (or
 * already was, with {@code postFlag}); {@code -1} it failed, and {@link OverlappedIo#errno()}
 * says why (nothing is posted). Errors of the other calls throw {@link KernelException}.
 *
 * <p>Built on {@code java.nio}: sockets are {@link SocketChannel}s and
 * {@link ServerSocketChannel}s, which the port puts into non-blocking mode. A start call tries
 * the operation in the calling thread; only if the socket is not ready is it parked with the
 * port's selector. The threads waiting in {@link #waitForCompletion} take turns at that
 * selector (leader/follower, as the JDK's asynchronous channel groups do): the one that finds
 * a socket ready moves the bytes and takes that completion itself, with no hand-off to
 * another thread. So parked operations progress while at least one thread waits on the port.
 * Waiting threads may be platform or virtual threads. At most one receive (or accept) and one
 * send may wait per socket per port.
 *
 * <p>Errors: a closed or null socket, or a closed port, gives EBADF; a zero or too large
 * length, or no buffer, EINVAL; a read-only receive buffer EFAULT; an unconnected socket
 * ENOTCONN; a second receive or send while one waits EALREADY; a peer that resets the
 * connection ECONNRESET (or EPIPE when sending after it); a waiting operation whose socket is
 * closed or that is {@linkplain #cancel cancelled} completes with ECANCELED.
 */
@ProviderType
public interface IoCompletionPort extends AutoCloseable {
    /**
     * The most ports one process may hold at once (IBM i's limit), unless the runtime's
     * configuration {@code io.courier.asyncmsg} sets another ({@code iocp.maxPortsPerProcess}).
     */
    int MAX_PER_PROCESS = 256;

    /** The owner pid of ports made by {@link #create()}: the JVM itself, not a Courier process. */
    int DEFAULT_OWNER = -1;

    /**
     * {@code QsoCreateIOCompletionPort()}: a new port, counted against the JVM-wide default
     * owner ({@link #DEFAULT_OWNER}).
     *
     * @throws KernelException ENOBUFS when the owner already holds {@link #MAX_PER_PROCESS} ports
     */
    static IoCompletionPort create() {
        return Providers.find(IoCompletionPortProvider.class).create();
    }

    /**
     * {@code QsoCreateIOCompletionPort()} for a Courier process: the port counts against
     * {@code kernel.pid()} and is destroyed when that process exits. Only {@link Kernel#pid()}
     * and {@link Kernel#atExit} are used.
     *
     * @throws KernelException ENOBUFS when the process already holds {@link #MAX_PER_PROCESS}
     *     ports; EINVAL for a null kernel; whatever {@code atExit} reports for a dead process
     */
    static IoCompletionPort create(Kernel kernel) {
        return Providers.find(IoCompletionPortProvider.class).create(kernel);
    }

    /** Every open port in this JVM, by id: for a shell command or {@code pidin}. */
    static List<PortInfo> ports() {
        return Providers.find(IoCompletionPortProvider.class).ports();
    }

    /** The port's id, the handle {@code QsoCreateIOCompletionPort()} returns; unique in the JVM. */
    int id();

    /** The pid the port counts against, or {@link #DEFAULT_OWNER}. */
    int ownerPid();

    /** Whether the port is still open (not yet destroyed). */
    boolean isOpen();

    /**
     * {@code QsoStartRecv()}: receives up to {@code io.length()} bytes (exactly that many with
     * {@code fillBuffer}, unless the stream ends first) from {@code socket} into
     * {@code io.buffer()} at its position.
     *
     * @return 0 done now ({@code io.returnValue()} bytes, 0 at the end of the stream);
     *     1 will be (or, with {@code postFlag}, was) posted; -1 failed ({@code io.errno()})
     * @throws KernelException EINVAL when {@code io} is null
     */
    int startRecv(SocketChannel socket, OverlappedIo io);

    /**
     * {@code QsoStartSend()}: sends {@code io.length()} bytes of {@code io.buffer()} from its
     * position, all of them before it completes; the buffer's position is left alone.
     *
     * @return 0 all sent now; 1 will be (or, with {@code postFlag}, was) posted; -1 failed
     *     ({@code io.errno()})
     * @throws KernelException EINVAL when {@code io} is null
     */
    int startSend(SocketChannel socket, OverlappedIo io);

    /**
     * {@code QsoStartAccept()}: accepts a connection on the bound {@code socket}; the new
     * connection is {@link OverlappedIo#accepted()} / {@link Completion#accepted()}, in
     * non-blocking mode. The buffer and length are not used.
     *
     * @return 0 accepted now; 1 will be (or, with {@code postFlag}, was) posted; -1 failed
     *     ({@code io.errno()}: EINVAL for an unbound socket)
     * @throws KernelException EINVAL when {@code io} is null
     */
    int startAccept(ServerSocketChannel socket, OverlappedIo io);

    /**
     * {@code QsoWaitForIOCompletion()}: takes the next completion, waiting up to
     * {@code timeout} for one. Each completion goes to exactly one waiting thread.
     *
     * @param timeout how long to wait; {@link Duration#ZERO} polls
     * @return the completion, or null when the timeout passed first
     * @throws KernelException EBADF when the port is closed; ECANCELED when it is closed while
     *     this thread waits (IBM i's EDESTROYED); EINVAL for a null or negative timeout;
     *     EINTR when the thread is interrupted (its interrupt status is kept)
     */
    Completion waitForCompletion(Duration timeout);

    /**
     * {@code QsoPostIOCompletion()}: posts a completion by hand, with {@code io}'s handle, as
     * {@link Operation#POST}; it wakes exactly one waiting thread (typically to tell a worker
     * to stop).
     *
     * @throws KernelException EBADF when the port is closed; EINVAL when {@code io} is null
     */
    void post(OverlappedIo io);

    /**
     * {@code QsoCancelOperation()}: every operation waiting on {@code socket} in this port
     * completes with {@link Errno#ECANCELED}, posted as usual (shortly: the poller thread does
     * it). Operations on a socket closed by the application are cancelled so by themselves.
     *
     * @throws KernelException EBADF when the port is closed or {@code socket} is null
     */
    void cancel(NetworkChannel socket);

    /** A snapshot of this port for introspection. */
    PortInfo info();

    /**
     * {@code QsoDestroyIOCompletionPort()}: the port closes. Operations still waiting fail
     * with ECANCELED (written into their {@code OverlappedIo}s, not posted), completions not
     * yet taken are dropped (an accepted socket among them is closed), threads waiting wake
     * with ECANCELED, and later calls fail with EBADF. Sockets stay open and are the
     * application's again when this returns. Closing twice does nothing.
     */
    @Override
    void close();
}

package io.courier.kernel;

import io.courier.node.Member;
import io.courier.node.NodeFolder;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The system: one per runtime. It owns the processes, the name space of attached names and
 * the tables every kernel object lives in. {@link #boot()} starts an embedded one; in OSGi
 * the kernel bundle boots one and registers it as a service.
 */
@ProviderType
public interface Microkernel extends AutoCloseable {
    /**
     * Starts an embedded kernel with the default configuration.
     *
     * @throws KernelException ENOSYS when no kernel implementation is present ({@link MicrokernelProvider})
     */
    static Microkernel boot() {
        return Providers.find(MicrokernelProvider.class).boot();
    }

    /** Makes a new process named {@code name}, with root's credentials and every ability. */
    Kernel process(String name);

    /** Makes a new process named {@code name} with the given credentials. */
    Kernel process(String name, Credentials credentials);

    /** The process with id {@code pid}, while it lives. */
    Optional<Kernel> process(int pid);

    /**
     * A snapshot of every live process and its threads ({@code pidin}). A thread is listed while
     * its Java thread lives and the process keeps it (it received on a channel, waited for a
     * signal or an interrupt, or set its own name, priority or signal mask) or it is blocked in a
     * kernel call. A Java thread that only made other calls for the process (a framework or pool
     * thread lent to it, such as the one that activated a component or ran a shell command) is not
     * listed between calls, and a thread that ended is never listed: its tid is free at once.
     */
    List<ProcessInfo> processes();

    /**
     * The processes of the other JVMs of this kernel's node (issue 20), by pid: what {@code pidin}
     * shows beside this JVM's own {@link #processes()}; none when the kernel joined no node.
     */
    default List<NodeProcessInfo> nodeProcesses() {
        return List.of();
    }

    /**
     * A snapshot of the processes of node {@code nd} of the network ({@code pidin -n node}, issue
     * 21): {@link #processes()} for {@link Kernel#ND_LOCAL_NODE}; for another node, what that node's
     * kernel lists (its JVM's processes and threads, then one entry per process of the other JVMs
     * of its machine's node, without threads), asked over the network.
     *
     * @throws KernelException EHOSTUNREACH for an nd no node has (any nd but 0 without a network),
     *     EHOSTDOWN while the node is down, ETIMEDOUT when it does not answer within 5 s
     */
    default List<ProcessInfo> processes(int nd) {
        if (nd == Kernel.ND_LOCAL_NODE) {
            return processes();
        }
        throw new KernelException(Errno.EHOSTUNREACH, "no node has descriptor " + nd);
    }

    /** A snapshot of the attached names ({@code ls /dev/name/local}). */
    List<NameInfo> names();

    /** A snapshot of every live connection ({@code pidin fd}). */
    List<ConnectionInfo> connections();

    /**
     * A snapshot of the send hierarchy ({@code pidin sends}): every SEND- or REPLY-blocked
     * thread with the server process and thread it waits for, by pid and tid.
     */
    List<SendInfo> sends();

    /**
     * The sends most recently refused with EDEADLK because they would have closed a send cycle
     * (SPEC K19), oldest first: at most {@link #SEND_CYCLES_KEPT}.
     */
    List<SendCycle> sendCycles();

    /** How many refused send cycles {@link #sendCycles()} keeps. */
    int SEND_CYCLES_KEPT = 16;

    /**
     * The node this kernel joined (one Courier node across the JVMs of a machine), or null when
     * it joined none and is alone in its JVM.
     */
    default NodeFolder nodeFolder() {
        return null;
    }

    /** This JVM's member of its node, or null when the kernel joined none. */
    default Member nodeSelf() {
        return null;
    }

    /**
     * The member of the node (the JVM) that holds the process {@code pid}, while that member is
     * alive; null when the kernel joined no node or no living member has the slot the pid names.
     * {@code nodeMember(pid) != null && !nodeMember(pid).equals(nodeSelf())}: the pid names a
     * process of another JVM of the node.
     */
    default Member nodeMember(int pid) {
        return null;
    }

    /** The members of the node alive now, this JVM's included, by slot; none without a node. */
    default List<Member> nodeMembers() {
        return List.of();
    }

    /**
     * The member slot (0 to 63) of the JVM of this kernel's node that holds process {@code pid},
     * when that is another living JVM of the node (issue 20, B2); -1 when this kernel joined no
     * node, the pid is this JVM's, or no living member holds it. For libraries that keep objects
     * of their own beside the kernel's (asyncmsg) and reach their peer in that JVM.
     */
    int nodeMemberOf(int pid);

    /** This JVM's member slot in its node (0 to 63), or -1 when this kernel joined no node. */
    int nodeSlot();

    /**
     * Joins the network of nodes {@code net} (issue 21, B3): {@code connectAttach(nd, pid, chid,
     * ...)} with the nd of one of its nodes reaches that node's processes while it is up (EHOSTDOWN
     * while it is down, EHOSTUNREACH for an nd no node has), and its clients reach this kernel's
     * processes; when a node goes down its processes are dead to this kernel's (ESRCH, DISCONNECT,
     * COIDDEATH). Once per kernel. The network layer (the {@code io.courier.net} bundle) calls it.
     *
     * @throws IllegalStateException joined already, or closed
     */
    void joinNetwork(io.courier.node.Network net);

    /**
     * Leaves network {@code net} (the network layer is stopping): its nodes are down to this
     * kernel, as when they die; the kernel may join a network again. Nothing when it joined
     * another, or none.
     */
    void leaveNetwork(io.courier.node.Network net);

    /** The network this kernel joined, or null. */
    io.courier.node.Network network();

    /**
     * Waits until this kernel has joined a network ({@link #joinNetwork}), at most {@code
     * timeout}: for what must start once there is one (the pathname manager's resolver for
     * {@code /net}), woken the moment the kernel joins rather than polling.
     *
     * @return the network; null when {@code timeout} passed or the kernel closed first
     * @throws InterruptedException when the calling thread is interrupted while waiting
     */
    io.courier.node.Network awaitNetwork(java.time.Duration timeout) throws InterruptedException;

    /**
     * The global names ({@code NAME_FLAG_ATTACH_GLOBAL}) node {@code nd} of the network told this
     * kernel of, while it is up; none for nd 0, an unknown or down node, or without a network.
     * A node tells its names when it comes up, ending the list with a mark: right after it came
     * (back) up, this waits until that mark came or the node went down (at most 2 s), so that a
     * name the node holds is not missed.
     *
     * @throws KernelException EINTR when the calling thread is interrupted while waiting (its
     *     interrupt stays set)
     */
    List<NameInfo> globalNames(int nd);

    /**
     * What node {@code nd} told this kernel of its global names so far, at once: for a display
     * (the console, the {@code nodes} command), which must not wait. Unlike {@link
     * #globalNames(int)}, right after the node came (back) up this may lack names it holds and
     * has not told yet; none for nd 0, an unknown or down node, or without a network.
     */
    List<NameInfo> globalNamesKnown(int nd);

    /** Kills every process and stops the kernel's own threads. */
    @Override
    void close();

    /**
     * Whether {@link #close()} has begun: from then on the kernel makes no process and {@link
     * #awaitNetwork} answers null at once, so a thread that waits for a network in slices ends
     * rather than asking again.
     */
    boolean isClosed();
}

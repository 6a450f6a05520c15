package io.courier.kernel.internal;

import io.courier.node.Member;
import io.courier.node.MemberListener;
import io.courier.node.MemberTable;
import io.courier.node.NodeFolder;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kernel's membership of a node (issue 20, B2): the node folder, this JVM's slot in the member
 * table, and what the kernel does when another member comes or goes. A kernel that did not opt in
 * has none, and behaves as a kernel alone in its JVM.
 *
 * <p>Pids: the node has one pid space. A joined kernel writes its member slot into every pid it
 * gives out ({@link #pid}): bits 0–15 the kernel's process slot (as in a kernel alone), bits
 * 16–21 the member slot (0–63), bits 22–30 the slot's use count (9 bits, wrapping; a kernel alone
 * has 15). So two JVMs of the node never give out the same pid, and any kernel of the node reads
 * from a pid which JVM holds the process ({@link #memberSlot}).
 */
final class NodeLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLink.class);
    /** The system property that makes a kernel outside OSGi join the node it names. */
    static final String NODE_PROPERTY = NodeFolder.NAME_PROPERTY;
    /** Where the node folders are (default {@value NodeFolder#DEFAULT_ROOT}). */
    static final String ROOT_PROPERTY = NodeFolder.ROOT_PROPERTY;
    /** The bits of a pid holding the process slot. */
    static final int PROC_SLOT_BITS = MicrokernelImpl.PID_SLOT_BITS;
    /** The bits of a joined kernel's pid holding the member slot, above the process slot. */
    static final int MEMBER_BITS = 6;
    /** The bits of a joined kernel's pid holding the process slot's use count, at the top. */
    static final int USE_BITS = 31 - PROC_SLOT_BITS - MEMBER_BITS;

    final NodeFolder folder;
    final MemberTable members;
    final Member self;
    /** The node's name space; set right after joining (a member may be gone before: see {@link #memberGone}). */
    volatile NodeNames names;
    /** The node's process table (pidin of the whole node); set right after joining. */
    volatile NodeProcesses procs;
    /** Tells the name watchers of the other JVMs' names. */
    final NodeNameFeed nameFeed = new NodeNameFeed(this);
    /** The rings to the other members and the calls across them; set right after joining. */
    volatile NodePeers peers;
    /** Set by {@link #start}: before, members that join are left for it. */
    private volatile boolean started;
    private final MicrokernelImpl mk;

    private NodeLink(MicrokernelImpl mk, NodeFolder folder) {
        this.mk = mk;
        this.folder = folder;
        this.members = MemberTable.open(folder);
        try {
            this.self = members.join(new MemberListener() {
                @Override
                public void memberJoined(Member member) {
                    NodeLink.this.memberJoined(member);
                }

                @Override
                public void memberGone(Member member, boolean died) {
                    NodeLink.this.memberGone(member, died);
                }

                @Override
                public void evicted(Member me) {
                    LOG.error("node {}: this JVM was declared dead by the others ({})", folder.name(), me);
                }
            });
            this.names = NodeNames.open(folder, members, self);
            this.procs = NodeProcesses.open(folder, members, self);
            this.peers = new NodePeers(mk, this);
        } catch (RuntimeException e) {
            members.close();
            throw e;
        }
        LOG.info("kernel joined node {} ({}) as member {} (OS pid {})", folder.name(), folder.path(), self.slot(),
                self.pid());
    }

    /**
     * Starts serving the other members: opens the rings to every member alive now (and, from then
     * on, to each that joins). Called once the kernel holds this link, so that a request that
     * comes at once finds the kernel whole.
     */
    void start() {
        started = true;
        for (Member m : members.members()) {
            memberJoined(m);
        }
    }

    /** Another member is alive: the rings to it are opened and its requests served. */
    private void memberJoined(Member member) {
        NodePeers p = peers;
        if (started && p != null && member.slot() != self.slot()) {
            try {
                p.peer(member);
            } catch (RuntimeException e) {
                LOG.error("node {}: cannot open the rings to member {}", folder.name(), member, e);
            }
        }
    }

    /** Another member left or died: its names go, calls to it fail, and the kernel hears of it. On the member watcher. */
    private void memberGone(Member member, boolean died) {
        NodeNames n = names;
        if (n != null) {
            n.removeMember(member);
        }
        NodeProcesses ps = procs;
        if (ps != null) {
            ps.removeMember(member);
        }
        NodePeers p = peers;
        if (p != null) {
            p.memberGone(member);
        }
        mk.memberGone(member, died);
    }

    /**
     * The reaper's round, every interval: the other JVMs' name changes are told, and the thread
     * count and states of each of this JVM's processes written to the node's process table when
     * they changed. Off the message path.
     */
    void tick(Iterable<Proc> live) {
        nameFeed.poll();
        NodeProcesses ps = procs;
        if (ps == null) {
            return;
        }
        java.util.EnumMap<io.courier.kernel.ThreadState, Integer> states =
                new java.util.EnumMap<>(io.courier.kernel.ThreadState.class);
        for (Proc p : live) {
            if (p.life == Proc.Life.DEAD) {
                continue;
            }
            states.clear();
            int n = 0;
            for (KThread t : p.threads.values()) {
                if (t.listed()) {
                    n++;
                    states.merge(t.state, 1, Integer::sum);
                }
            }
            ps.update(p.pid, p.name, n, io.courier.kernel.NodeProcessInfo.states(states));
        }
    }

    /** Joins {@code folder}'s node for {@code mk}. */
    static NodeLink join(MicrokernelImpl mk, NodeFolder folder) {
        return new NodeLink(mk, folder);
    }

    /** The node the system properties name, or null when {@value #NODE_PROPERTY} is unset or empty. */
    static NodeFolder fromSystemProperties() {
        String name = System.getProperty(NODE_PROPERTY, "").trim();
        if (name.isEmpty()) {
            return null;
        }
        return NodeFolder.open(Path.of(System.getProperty(ROOT_PROPERTY, NodeFolder.DEFAULT_ROOT)), name);
    }

    /** The pid of the process in {@code slot} at its {@code use}th use, for this member. */
    int pid(int slot, int use) {
        return ((use & ((1 << USE_BITS) - 1)) << (PROC_SLOT_BITS + MEMBER_BITS))
                | (self.slot() << PROC_SLOT_BITS) | slot;
    }

    /** The member slot a pid of a joined kernel names. */
    static int memberSlot(int pid) {
        return (pid >>> PROC_SLOT_BITS) & ((1 << MEMBER_BITS) - 1);
    }

    /**
     * The members of the node alive now, this JVM's included; none once this kernel left the node
     * (its close closes the member table first, and a listing may meet that).
     */
    List<Member> members() {
        return living(members);
    }

    /**
     * The members alive in {@code table} now; none once it is closed (this kernel left the node,
     * perhaps while the caller read it), where the table itself refuses with IllegalStateException.
     */
    static List<Member> living(MemberTable table) {
        try {
            return table.members();
        } catch (IllegalStateException e) {
            if (table.isClosed()) {
                return List.of();
            }
            throw e;
        }
    }

    /** The member alive in the node whose slot {@code pid} names, or null (none once this kernel left the node). */
    Member member(int pid) {
        if (pid <= 0) {
            return null;
        }
        int slot = memberSlot(pid);
        if (slot == self.slot()) {
            return self;
        }
        for (Member m : members()) {
            if (m.slot() == slot) {
                return m;
            }
        }
        return null;
    }

    @Override
    public void close() {
        NodePeers p = peers;
        if (p != null) {
            p.close();
        }
        NodeNames n = names;
        if (n != null) {
            n.removeMember(self);
        }
        NodeProcesses ps = procs;
        members.close();
        if (n != null) {
            n.close();
        }
        if (ps != null) {
            ps.close();
        }
        LOG.info("kernel left node {}", folder.name());
    }
}

package io.courier.node;

import io.courier.node.internal.MemberTableImpl;
import io.courier.node.internal.NodeFolderImpl;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's members: one slot per JVM that joined, in the node folder's {@code members} file.
 *
 * <p>Joining claims a free slot with a compare-and-set on its control word (two JVMs joining at
 * once take two slots), writes the JVM's OS pid and process start time, then marks it alive.
 * While joined, a watcher thread bumps this JVM's heartbeat and checks every other member every
 * {@link #CHECK_INTERVAL}: a member whose process is gone, a zombie, or a different process
 * under a reused pid (its start time differs) is dead; so is one whose heartbeat stood still for
 * longer than the lease, when a lease is set. A dead member's slot is reclaimed and the listener
 * told. Every JVM's watcher notices a death within about two intervals.
 */
@ProviderType
public interface MemberTable extends AutoCloseable {
    /** How often the watcher looks at the other members and bumps this JVM's heartbeat. */
    Duration CHECK_INTERVAL = Duration.ofMillis(100);

    /** The member table of {@code folder}, created if missing; no lease. */
    static MemberTable open(NodeFolder folder) {
        return open(folder, Duration.ZERO);
    }

    /**
     * The member table of {@code folder}, created if missing. {@code lease} greater than zero
     * also declares dead a member whose heartbeat has not moved for that long (a hung or stopped
     * JVM); zero relies on the pid and start time alone.
     *
     * @throws IllegalStateException the file exists but is not a member table of this version
     */
    static MemberTable open(NodeFolder folder, Duration lease) {
        return MemberTableImpl.open((NodeFolderImpl) folder, lease);
    }

    /**
     * Joins the node: claims a slot and starts the watcher, which tells {@code listener} of the
     * members already there and of every later arrival and departure.
     *
     * @return this JVM's member
     * @throws IllegalStateException joined already, or every slot is taken by a living JVM
     */
    Member join(MemberListener listener);

    /** This JVM's member, or null when not joined. */
    Member self();

    /**
     * The members alive in the table now (this JVM included), by slot.
     *
     * @throws IllegalStateException once the table is closed ({@link #isClosed})
     */
    List<Member> members();

    /** Whether {@link #close} was called: this JVM left the node, and the table is unmapped or about to be. */
    boolean isClosed();

    /** Runs one round of the watcher now (as it runs on its own every {@link #CHECK_INTERVAL}). */
    void checkNow();

    /** Leaves the node (frees this JVM's slot, so the others see a clean departure), stops the watcher and unmaps. */
    @Override
    void close();
}

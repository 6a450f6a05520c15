package io.courier.kernel.internal;

import io.courier.kernel.NameInfo;
import io.courier.node.Member;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link MicrokernelImpl.NameWatcher}s of the names the other JVMs of the node attach and
 * lose (issue 20), so that the OSGi glue publishes them as services beside this JVM's own. The
 * kernel's reaper calls {@link #poll} every interval: it reads the name table's change counter
 * ({@link NodeNames#generation}, one long) and only when that moved lists the table and tells
 * the watchers what came and went. A JVM that dies is noticed by the member watcher, which frees
 * its names and so moves the counter: its names are withdrawn within a reaper interval of that.
 */
final class NodeNameFeed {
    private static final Logger LOG = LoggerFactory.getLogger(NodeNameFeed.class);

    private final NodeLink link;
    private final List<MicrokernelImpl.NameWatcher> watchers = new CopyOnWriteArrayList<>();
    /** Guards {@link #told} and {@link #seen}, and orders the watchers' calls. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The other JVMs' names the watchers were told of, with their JVM's OS pid. */
    private final Map<NameInfo, Long> told = new HashMap<>();
    private long seen;
    private boolean listed;

    NodeNameFeed(NodeLink link) {
        this.link = link;
    }

    /**
     * Starts telling {@code watcher}: first of every name of the other JVMs known now, then of
     * each change. Returns what stops it.
     */
    Runnable watch(MicrokernelImpl.NameWatcher watcher) {
        lock.lock();
        try {
            watchers.add(watcher);
            for (Map.Entry<NameInfo, Long> e : told.entrySet()) {
                attached(watcher, e.getKey(), e.getValue());
            }
        } finally {
            lock.unlock();
        }
        return () -> watchers.remove(watcher);
    }

    /** Looks whether the node's names changed and, if so, tells the watchers what came and went. */
    void poll() {
        NodeNames names = link.names;
        if (names == null) {
            return;
        }
        lock.lock();
        try {
            long g = names.generation(); // Read before listing: a change made while listing is seen next time.
            if (listed && g == seen) {
                return;
            }
            Map<NameInfo, Long> now = new HashMap<>();
            for (NodeNames.Entry e : names.list()) {
                if (e.memberSlot() == link.self.slot()) {
                    continue;
                }
                Member m = link.member(e.pid());
                if (m != null && m.slot() == e.memberSlot()) {
                    now.put(new NameInfo(e.name(), e.pid(), e.chid()), m.pid());
                }
            }
            seen = g;
            listed = true;
            for (Iterator<Map.Entry<NameInfo, Long>> it = told.entrySet().iterator(); it.hasNext();) {
                Map.Entry<NameInfo, Long> e = it.next();
                if (!e.getValue().equals(now.get(e.getKey()))) {
                    it.remove();
                    LOG.info("name '{}' of pid {} in JVM {} is gone from the node", e.getKey().name(),
                            e.getKey().pid(), e.getValue());
                    for (MicrokernelImpl.NameWatcher w : watchers) {
                        try {
                            w.detachedInNode(e.getKey(), e.getValue());
                        } catch (RuntimeException ex) {
                            LOG.warn("name watcher failed", ex);
                        }
                    }
                }
            }
            for (Map.Entry<NameInfo, Long> e : now.entrySet()) {
                if (told.putIfAbsent(e.getKey(), e.getValue()) == null) {
                    LOG.info("name '{}' attached by pid {} in JVM {} of the node", e.getKey().name(),
                            e.getKey().pid(), e.getValue());
                    for (MicrokernelImpl.NameWatcher w : watchers) {
                        attached(w, e.getKey(), e.getValue());
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private static void attached(MicrokernelImpl.NameWatcher w, NameInfo name, long osPid) {
        try {
            w.attachedInNode(name, osPid);
        } catch (RuntimeException ex) {
            LOG.warn("name watcher failed", ex);
        }
    }

    /** The other JVMs' names the watchers know of now (for the tests). */
    Map<NameInfo, Long> told() {
        lock.lock();
        try {
            return Map.copyOf(told);
        } finally {
            lock.unlock();
        }
    }
}

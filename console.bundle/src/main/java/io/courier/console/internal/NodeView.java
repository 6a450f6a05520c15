package io.courier.console.internal;

import io.courier.kernel.NameInfo;
import io.courier.kernel.NodeProcessInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import io.courier.node.Member;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The data of the node page, from plain snapshots: the Courier node this JVM is one member of
 * (its JVMs, and every process of each, the other JVMs' ones as the node's process table lists
 * them, as {@code pidin} does), and the network of nodes this node is one of (its name, each
 * configured node with its nd, address and state, as the shell's {@code nodes} does).
 */
public final class NodeView {
    /** The most processes of the node one answer lists (the count says how many there are). */
    public static final int MAX_PROCESSES = 1000;

    private NodeView() {
    }

    /**
     * The node section.
     *
     * @param nodeName the node's name, or null when this JVM joined no node
     * @param self this JVM's member, or null when it joined no node
     * @param members the node's living members (this JVM's included)
     * @param mine this JVM's processes
     * @param others the processes of the node's other JVMs
     * @param myOsPid this JVM's operating-system pid
     */
    public static Map<String, Object> node(String nodeName, Member self, List<Member> members, List<ProcessInfo> mine,
            List<NodeProcessInfo> others, long myOsPid) {
        Map<String, Object> out = new LinkedHashMap<>();
        boolean joined = self != null;
        out.put("joined", joined);
        out.put("name", joined ? nodeName : null);
        out.put("osPid", myOsPid);
        out.put("slot", joined ? self.slot() : null);
        List<Map<String, Object>> jvms = new ArrayList<>();
        List<Map<String, Object>> processes = new ArrayList<>();
        int total = 0;
        if (joined) {
            Map<Long, Integer> perJvm = new LinkedHashMap<>();
            perJvm.put(myOsPid, mine.size());
            for (NodeProcessInfo p : others) {
                perJvm.merge(p.osPid(), 1, Integer::sum);
            }
            List<Member> bySlot = new ArrayList<>(members);
            bySlot.sort(Comparator.comparingInt(Member::slot));
            for (Member m : bySlot) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("slot", m.slot());
                r.put("osPid", m.pid());
                r.put("self", m.slot() == self.slot());
                r.put("joined", Instant.ofEpochMilli(m.joinedAtMillis()).toString());
                r.put("processes", m.slot() == self.slot() ? mine.size() : perJvm.getOrDefault(m.pid(), 0));
                jvms.add(r);
            }
            for (ProcessInfo p : mine) {
                if (total++ < MAX_PROCESSES) {
                    processes.add(process(p.pid(), p.name(), p.threads().size(), states(p), myOsPid, self.slot(), true));
                }
            }
            for (NodeProcessInfo p : others) {
                if (total++ < MAX_PROCESSES) {
                    processes.add(process(p.pid(), p.name(), p.threads(), p.states(), p.osPid(), slotOf(members, p.osPid()),
                            false));
                }
            }
        }
        out.put("jvms", jvms);
        out.put("processCount", total);
        out.put("processes", processes);
        return out;
    }

    private static Integer slotOf(List<Member> members, long osPid) {
        for (Member m : members) {
            if (m.pid() == osPid) {
                return m.slot();
            }
        }
        return null;
    }

    private static Map<String, Object> process(int pid, String name, int threads, String states, long osPid, Integer slot,
            boolean self) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pid", pid);
        r.put("process", name);
        r.put("threads", threads);
        r.put("states", states);
        r.put("osPid", osPid);
        r.put("slot", slot);
        r.put("self", self);
        return r;
    }

    /** A process's threads' states as the node's process table gives the other JVMs' ones ({@link NodeProcessInfo#states}). */
    static String states(ProcessInfo p) {
        Map<ThreadState, Integer> counts = new EnumMap<>(ThreadState.class);
        for (ThreadInfo t : p.threads()) {
            counts.merge(t.state(), 1, Integer::sum);
        }
        return NodeProcessInfo.states(counts);
    }

    /**
     * A configured node as the network layer sees it (the console's own copy of the net bundle's
     * {@code PeerStatus}, so that the console runs without that bundle).
     *
     * @param nd          its node descriptor here
     * @param name        its name
     * @param host        the address it is reached at
     * @param port        its UDP port
     * @param up          whether it is up
     * @param incarnation its incarnation while up, else the last one it was up with (0: never)
     */
    public record Peer(int nd, String name, String host, int port, boolean up, long incarnation) {
    }

    /**
     * The network section.
     *
     * @param nodeName this node's name on the network, or null when it joined none
     * @param peers every configured node, or null when the network layer does not say (then only
     *     this node is listed)
     * @param globalNames the global names a node (by nd) told this one of
     */
    public static Map<String, Object> network(String nodeName, List<Peer> peers, IntFunction<List<NameInfo>> globalNames) {
        Map<String, Object> out = new LinkedHashMap<>();
        boolean configured = nodeName != null;
        out.put("configured", configured);
        out.put("name", nodeName);
        List<Map<String, Object>> nodes = new ArrayList<>();
        if (configured) {
            Map<String, Object> me = new LinkedHashMap<>();
            me.put("nd", 0);
            me.put("name", nodeName);
            me.put("address", null);
            me.put("self", true);
            me.put("up", true);
            me.put("incarnation", null);
            me.put("globalNames", List.of());
            nodes.add(me);
            List<Peer> byNd = new ArrayList<>(peers == null ? List.of() : peers);
            byNd.sort(Comparator.comparingInt(Peer::nd));
            for (Peer p : byNd) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("nd", p.nd());
                r.put("name", p.name());
                r.put("address", address(p.host(), p.port()));
                r.put("self", false);
                r.put("up", p.up());
                r.put("incarnation", p.incarnation() == 0 ? null : Long.toHexString(p.incarnation()));
                List<String> names = new ArrayList<>();
                if (p.up()) {
                    for (NameInfo n : globalNames.apply(p.nd())) {
                        names.add(n.name());
                    }
                }
                r.put("globalNames", names);
                nodes.add(r);
            }
        }
        out.put("nodes", nodes);
        return out;
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    static String address(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}

package io.courier.console.internal;

import io.courier.asyncmsg.AsyncChannelInfo;
import io.courier.asyncmsg.AsyncConnectionInfo;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.asyncmsg.iocp.PendingOperation;
import io.courier.asyncmsg.iocp.PortInfo;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.NodeProcessInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import io.courier.node.Member;
import io.courier.node.NodeFolder;
import io.courier.node.Network;
import io.courier.resmgr.Mode;
import io.courier.resmgr.MountInfo;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrFlags;
import io.courier.shm.MappingInfo;
import io.courier.shm.SharedMemory;
import io.courier.shm.ShmStat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The data of the console's pages, read from a {@link Microkernel} through the Courier bundles'
 * read-only introspection. Each call takes one snapshot, when a page (or a script) asks: nothing
 * here runs, polls or keeps state between requests, so the view costs nothing while nobody
 * looks ({@link #snapshots()} counts the looks).
 */
public final class SystemView {
    /** Rows of the processes page per request, unless asked otherwise. */
    public static final int DEFAULT_LIMIT = 100;
    /** The most rows of the processes page one request returns. */
    public static final int MAX_LIMIT = 1000;

    private final Microkernel mk;
    private final AtomicLong snapshots = new AtomicLong();

    /** A view of {@code mk} (the OSGi service, or an embedded kernel). */
    public SystemView(Microkernel mk) {
        this.mk = mk;
    }

    /** How many snapshots were taken: one per request for a page's data. */
    public long snapshots() {
        return snapshots.get();
    }

    /**
     * The data of {@code page} as JSON-ready maps and lists.
     *
     * @param params the request's parameters ({@code offset}, {@code limit}, {@code q},
     *     {@code state} for processes; {@code level} for the send graph); unknown ones are ignored
     */
    public Map<String, Object> data(Page page, Map<String, String> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("page", page.key());
        out.put("time", Instant.now().toString());
        out.put("snapshot", snapshots.incrementAndGet());
        switch (page) {
            case PROCESSES -> processes(out, params);
            case NODE -> node(out);
            case SENDS -> out.putAll(SendGraph.build(mk.processes(), mk.sends(), mk.sendCycles(), params.get("level")));
            case NAMES -> names(out);
            case ASYNC -> async(out);
            case PORTS -> ports(out);
            case SHM -> shm(out);
            case PATHS -> paths(out);
        }
        return out;
    }

    // ------------------------------------------------------------------ processes (pidin)

    private void processes(Map<String, Object> out, Map<String, String> params) {
        List<ProcessInfo> all = mk.processes();
        Map<Integer, String> names = names(all);
        Map<String, Integer> states = new LinkedHashMap<>();
        for (ThreadState s : ThreadState.values()) {
            states.put(s.name(), 0);
        }
        String q = params.getOrDefault("q", "").trim().toLowerCase(Locale.ROOT);
        String state = params.getOrDefault("state", "").trim().toUpperCase(Locale.ROOT);
        int offset = Math.max(0, intParam(params, "offset", 0));
        int limit = Math.clamp(intParam(params, "limit", DEFAULT_LIMIT), 1, MAX_LIMIT);
        int threads = 0;
        int matched = 0;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ProcessInfo p : all) {
            threads += p.threads().size();
            if (p.threads().isEmpty() && matches(p, null, q, state)) {
                if (matched++ >= offset && rows.size() < limit) {
                    rows.add(row(p, null, names));
                }
            }
            for (ThreadInfo t : p.threads()) {
                states.merge(t.state().name(), 1, Integer::sum);
                if (matches(p, t, q, state) && matched++ >= offset && rows.size() < limit) {
                    rows.add(row(p, t, names));
                }
            }
        }
        out.put("processes", all.size());
        out.put("threads", threads);
        out.put("states", states);
        out.put("q", q);
        out.put("state", state);
        out.put("offset", offset);
        out.put("limit", limit);
        out.put("matched", matched);
        out.put("rows", rows);
    }

    private static boolean matches(ProcessInfo p, ThreadInfo t, String q, String state) {
        if (!state.isEmpty() && (t == null || !t.state().name().equals(state))) {
            return false;
        }
        if (q.isEmpty()) {
            return true;
        }
        return p.name().toLowerCase(Locale.ROOT).contains(q) || Integer.toString(p.pid()).equals(q)
                || t != null && (t.name().toLowerCase(Locale.ROOT).contains(q)
                        || t.state().name().toLowerCase(Locale.ROOT).equals(q));
    }

    private static Map<String, Object> row(ProcessInfo p, ThreadInfo t, Map<Integer, String> names) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pid", p.pid());
        r.put("process", p.name());
        r.put("uid", p.credentials().uid());
        r.put("tid", t == null ? null : t.tid());
        r.put("thread", t == null ? null : t.name());
        r.put("priority", t == null ? null : t.priority());
        r.put("state", t == null ? null : t.state().name());
        r.put("blockedOn", t == null || t.blockedOn() < 0 ? null : t.blockedOn());
        boolean onProcess = t != null && (t.state() == ThreadState.SEND || t.state() == ThreadState.REPLY);
        r.put("blockedOnProcess", onProcess ? names.get(t.blockedOn()) : null);
        r.put("channels", p.channels().size());
        r.put("connections", p.connections().size());
        return r;
    }

    private static int intParam(Map<String, String> params, String name, int otherwise) {
        String v = params.get(name);
        if (v == null || v.isBlank()) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static Map<Integer, String> names(List<ProcessInfo> all) {
        Map<Integer, String> names = new HashMap<>();
        for (ProcessInfo p : all) {
            names.put(p.pid(), p.name());
        }
        return names;
    }

    /** The names of the node's processes by pid: this JVM's, and those of the node's other JVMs. */
    private Map<Integer, String> processNames() {
        Map<Integer, String> names = names(mk.processes());
        for (NodeProcessInfo p : mk.nodeProcesses()) {
            names.putIfAbsent(p.pid(), p.name());
        }
        return names;
    }

    // ------------------------------------------------------------------ the node and the network

    private void node(Map<String, Object> out) {
        Member self = mk.nodeSelf();
        NodeFolder folder = mk.nodeFolder();
        out.put("node", NodeView.node(folder == null ? null : folder.name(), self,
                self == null ? List.of() : mk.nodeMembers(), mk.processes(),
                self == null ? List.of() : mk.nodeProcesses(), ProcessHandle.current().pid()));
        Network net = mk.network();
        // The network layer's own view has each node's address; another Network, or a runtime
        // without the net bundle, gives none.
        List<NodeView.Peer> peers = NetPeers.of(net);
        out.put("network", NodeView.network(net == null ? null : net.nodeName(), peers, mk::globalNamesKnown));
    }

    // ------------------------------------------------------------------ names

    private void names(Map<String, Object> out) {
        Map<Integer, String> procs = processNames();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (NameInfo n : mk.names()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", n.name());
            r.put("pid", n.pid());
            r.put("process", procs.get(n.pid()));
            r.put("chid", n.chid());
            rows.add(r);
        }
        out.put("names", rows);
    }

    // ------------------------------------------------------------------ asynchronous messaging

    private void async(Map<String, Object> out) {
        Map<Integer, String> procs = processNames();
        List<Map<String, Object>> channels = new ArrayList<>();
        for (AsyncChannelInfo c : AsyncMessaging.channels(mk)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("pid", c.pid());
            r.put("process", procs.get(c.pid()));
            r.put("chid", c.chid());
            r.put("names", c.names());
            r.put("bufferSize", c.bufferSize());
            r.put("maxNumBuffer", c.maxNumBuffer());
            r.put("connections", c.connections());
            r.put("queued", c.queued());
            r.put("buffersAllocated", c.buffersAllocated());
            r.put("buffersInUse", c.buffersInUse());
            channels.add(r);
        }
        List<Map<String, Object>> connections = new ArrayList<>();
        for (AsyncConnectionInfo c : AsyncMessaging.connections(mk)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("pid", c.pid());
            r.put("process", procs.get(c.pid()));
            r.put("coid", "0x" + Integer.toHexString(c.coid()));
            r.put("name", c.name());
            r.put("serverPid", c.serverPid() < 0 ? null : c.serverPid());
            r.put("serverProcess", procs.get(c.serverPid()));
            r.put("chid", c.chid() < 0 ? null : c.chid());
            r.put("state", c.state());
            r.put("triggerNumMsg", c.triggerNumMsg());
            r.put("triggerTimeNsec", c.triggerTimeNsec());
            r.put("maxNumBuffer", c.maxNumBuffer());
            r.put("singleSender", c.singleSender());
            r.put("put", c.put());
            r.put("pending", c.pending());
            r.put("queued", c.queued());
            r.put("got", c.got());
            r.put("buffersInUse", c.buffersInUse());
            connections.add(r);
        }
        out.put("channels", channels);
        out.put("connections", connections);
    }

    // ------------------------------------------------------------------ completion ports

    private void ports(Map<String, Object> out) {
        Map<Integer, String> procs = processNames();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PortInfo p : IoCompletionPort.ports()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", p.id());
            r.put("ownerPid", p.ownerPid());
            r.put("process", p.ownerPid() == IoCompletionPort.DEFAULT_OWNER ? "(the JVM)" : procs.get(p.ownerPid()));
            r.put("open", p.open());
            r.put("waitingThreads", p.waitingThreads());
            r.put("queuedCompletions", p.queuedCompletions());
            r.put("errors", p.errors());
            List<Map<String, Object>> ops = new ArrayList<>();
            for (PendingOperation op : p.pendingOperations()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("operation", op.operation().name());
                o.put("socket", op.socket());
                o.put("length", op.length());
                o.put("transferred", op.transferred());
                o.put("handle", op.handle());
                ops.add(o);
            }
            r.put("pending", ops);
            rows.add(r);
        }
        out.put("ports", rows);
    }

    // ------------------------------------------------------------------ shared memory

    private void shm(Map<String, Object> out) {
        Map<Integer, String> procs = processNames();
        List<MappingInfo> maps = SharedMemory.mappings(mk);
        Map<Long, Integer> mapped = new HashMap<>();
        for (MappingInfo m : maps) {
            mapped.merge(m.ino(), 1, Integer::sum);
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (ShmStat s : SharedMemory.objects(mk)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", s.name());
            r.put("size", s.size());
            r.put("mode", Mode.toString(s.mode()).substring(1));
            r.put("uid", s.uid());
            r.put("gid", s.gid());
            r.put("ino", s.ino());
            r.put("mappings", mapped.getOrDefault(s.ino(), 0));
            objects.add(r);
        }
        List<Map<String, Object>> mappings = new ArrayList<>();
        for (MappingInfo m : maps) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("pid", m.pid());
            r.put("process", procs.get(m.pid()));
            r.put("name", m.name().isEmpty() ? "(anonymous)" : m.name());
            r.put("ino", m.ino());
            r.put("offset", m.offset());
            r.put("length", m.length());
            r.put("prot", prot(m.prot()));
            r.put("flags", (m.flags() & SharedMemory.MAP_SHARED) != 0 ? "SHARED" : "PRIVATE");
            mappings.add(r);
        }
        out.put("objects", objects);
        out.put("mappings", mappings);
    }

    private static String prot(int prot) {
        return ((prot & SharedMemory.PROT_READ) != 0 ? "r" : "-") + ((prot & SharedMemory.PROT_WRITE) != 0 ? "w" : "-")
                + ((prot & SharedMemory.PROT_EXEC) != 0 ? "x" : "-");
    }

    // ------------------------------------------------------------------ the pathname space

    private void paths(Map<String, Object> out) {
        Map<Integer, String> procs = processNames();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (MountInfo m : Resmgr.mounts(mk)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("path", m.path());
            r.put("pid", m.pid());
            r.put("process", procs.get(m.pid()));
            r.put("chid", m.chid());
            List<String> flags = new ArrayList<>();
            if ((m.flags() & ResmgrFlags.DIR) != 0) {
                flags.add("DIR");
            }
            if ((m.flags() & ResmgrFlags.BEFORE) != 0) {
                flags.add("BEFORE");
            }
            if ((m.flags() & ResmgrFlags.AFTER) != 0) {
                flags.add("AFTER");
            }
            if ((m.flags() & ResmgrFlags.OPAQUE) != 0) {
                flags.add("OPAQUE");
            }
            r.put("flags", flags);
            r.put("mode", Mode.toString(m.mode()));
            r.put("uid", m.uid());
            r.put("gid", m.gid());
            rows.add(r);
        }
        out.put("mounts", rows);
    }
}

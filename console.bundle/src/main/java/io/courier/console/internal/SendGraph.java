package io.courier.console.internal;

import io.courier.kernel.ProcessInfo;
import io.courier.kernel.SendCycle;
import io.courier.kernel.SendInfo;
import io.courier.kernel.ThreadInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The send hierarchy as a graph for the send graph page (SPEC K16, K19, B6): an edge from each
 * SEND- or REPLY-blocked thread to the server thread it waits for (or to the server process when
 * no thread can be named), the send cycles among them, and the cycles the kernel refused
 * (EDEADLK) with the newest one still standing highlighted.
 *
 * <p>Large systems are aggregated: beyond {@link #THREAD_LIMIT} thread nodes (or when asked),
 * the nodes are processes and each edge counts the threads it stands for, so 10,000 blocked
 * threads draw as a handful of boxes.
 *
 * <p>Node ids: {@code t<pid>/<tid>} for a thread, {@code p<pid>} for a process.
 */
final class SendGraph {
    /** The most thread nodes drawn before the graph is drawn by process. */
    static final int THREAD_LIMIT = 200;

    private final Map<Integer, ProcessInfo> procs = new HashMap<>();
    private final Map<String, ThreadInfo> threads = new HashMap<>();
    /** SEND- and REPLY-blocked threads by process. */
    private final Map<Integer, Integer> blocked = new HashMap<>();
    private final List<SendInfo> sends;
    private final List<SendCycle> refused;

    private SendGraph(List<ProcessInfo> processes, List<SendInfo> sends, List<SendCycle> refused) {
        for (ProcessInfo p : processes) {
            procs.put(p.pid(), p);
            for (ThreadInfo t : p.threads()) {
                threads.put(threadId(p.pid(), t.tid()), t);
            }
        }
        for (SendInfo s : sends) {
            blocked.merge(s.pid(), 1, Integer::sum);
        }
        this.sends = sends;
        this.refused = refused;
    }

    /**
     * The graph's data.
     *
     * @param level {@code thread}, {@code process}, or anything else for the automatic choice
     */
    static Map<String, Object> build(List<ProcessInfo> processes, List<SendInfo> sends, List<SendCycle> refused,
            String level) {
        return new SendGraph(processes, sends, refused).build(level);
    }

    static String threadId(int pid, int tid) {
        return "t" + pid + "/" + tid;
    }

    static String processId(int pid) {
        return "p" + pid;
    }

    private Map<String, Object> build(String level) {
        Map<String, String> next = new LinkedHashMap<>();
        Set<String> threadLevelNodes = new HashSet<>();
        for (SendInfo s : sends) {
            String from = threadId(s.pid(), s.tid());
            next.put(from, target(s));
            threadLevelNodes.add(from);
            threadLevelNodes.add(target(s));
        }
        boolean byThread = "thread".equals(level)
                || !"process".equals(level) && threadLevelNodes.size() <= THREAD_LIMIT;
        List<List<String>> live = liveCycles(next);

        Graph g = new Graph(byThread);
        for (SendInfo s : sends) {
            g.edge(g.node(s.pid(), s.tid()), g.target(s), s.state().name(), 1);
        }
        Set<String> cycleThreads = new HashSet<>();
        List<List<String>> liveOut = new ArrayList<>();
        for (List<String> cycle : live) {
            cycleThreads.addAll(cycle);
            List<String> ids = new ArrayList<>();
            for (String t : cycle) {
                ids.add(g.idOfThread(t));
            }
            liveOut.add(ids);
            for (int i = 0; i < ids.size(); i++) {
                g.markCycle(ids.get(i), ids.get((i + 1) % ids.size()));
            }
        }

        List<Map<String, Object>> refusedOut = new ArrayList<>();
        boolean highlighted = false;
        for (int i = refused.size() - 1; i >= 0; i--) {
            SendCycle c = refused.get(i);
            boolean current = standing(c, next);
            boolean highlight = current && !highlighted;
            if (highlight) {
                highlighted = true;
                highlight(g, c);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("at", c.refusedAt().toString());
            r.put("text", c.toString());
            r.put("current", current);
            r.put("highlighted", highlight);
            List<Map<String, Object>> members = new ArrayList<>();
            for (SendCycle.Member m : c.threads()) {
                Map<String, Object> mm = new LinkedHashMap<>();
                mm.put("id", byThread ? threadId(m.pid(), m.tid()) : processId(m.pid()));
                mm.put("pid", m.pid());
                mm.put("tid", m.tid());
                mm.put("process", m.process());
                mm.put("state", m.state().name());
                members.add(mm);
            }
            r.put("members", members);
            refusedOut.add(r);
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("level", byThread ? "thread" : "process");
        out.put("blocked", sends.size());
        out.put("threadNodes", threadLevelNodes.size());
        out.put("threadLimit", THREAD_LIMIT);
        out.put("nodes", new ArrayList<>(g.nodes.values()));
        out.put("edges", new ArrayList<>(g.edges.values()));
        out.put("cycles", liveOut);
        out.put("cycleThreads", cycleThreads.size());
        out.put("refused", refusedOut);
        return out;
    }

    /** The node a SEND- or REPLY-blocked thread waits for, at thread level. */
    private static String target(SendInfo s) {
        return s.serverTid() >= 0 ? threadId(s.serverPid(), s.serverTid()) : processId(s.serverPid());
    }

    /**
     * The cycles of the wait-for relation among threads: each blocked thread waits for exactly
     * one other, so following {@code next} from each thread either ends or comes round.
     */
    private static List<List<String>> liveCycles(Map<String, String> next) {
        Map<String, Integer> walk = new HashMap<>();
        Set<String> done = new HashSet<>();
        List<List<String>> cycles = new ArrayList<>();
        int round = 0;
        for (String start : next.keySet()) {
            round++;
            List<String> path = new ArrayList<>();
            String at = start;
            while (at != null && !done.contains(at)) {
                Integer seen = walk.get(at);
                if (seen != null && seen == round) {
                    cycles.add(List.copyOf(path.subList(path.indexOf(at), path.size())));
                    break;
                }
                walk.put(at, round);
                path.add(at);
                at = next.get(at);
            }
            done.addAll(path);
        }
        return cycles;
    }

    /** Whether the refused cycle's chain still stands: each member after the sender waits for the next, the last for the sender. */
    private static boolean standing(SendCycle c, Map<String, String> next) {
        List<SendCycle.Member> m = c.threads();
        for (int i = 1; i < m.size(); i++) {
            SendCycle.Member to = m.get(i + 1 < m.size() ? i + 1 : 0);
            String from = threadId(m.get(i).pid(), m.get(i).tid());
            if (!threadId(to.pid(), to.tid()).equals(next.get(from))) {
                return false;
            }
        }
        return m.size() > 1;
    }

    private void highlight(Graph g, SendCycle c) {
        List<SendCycle.Member> m = c.threads();
        String sender = g.node(m.get(0).pid(), m.get(0).tid());
        String first = g.node(m.get(1).pid(), m.get(1).tid());
        for (int i = 1; i < m.size(); i++) {
            SendCycle.Member to = m.get(i + 1 < m.size() ? i + 1 : 0);
            g.markCycle(g.node(m.get(i).pid(), m.get(i).tid()), g.node(to.pid(), to.tid()));
        }
        g.edge(sender, first, "REFUSED", 1);
        g.markCycle(sender, first);
    }

    /** The nodes and edges drawn, at thread or process level. */
    private final class Graph {
        final boolean byThread;
        final Map<String, Map<String, Object>> nodes = new LinkedHashMap<>();
        final Map<String, Map<String, Object>> edges = new LinkedHashMap<>();
        /** The edges between two nodes (one per kind), by {@code from>to}. */
        private final Map<String, List<Map<String, Object>>> between = new HashMap<>();

        Graph(boolean byThread) {
            this.byThread = byThread;
        }

        /** The node of thread {@code pid/tid} (its process's, by process), made on first use. */
        String node(int pid, int tid) {
            return byThread ? threadNode(pid, tid) : processNode(pid);
        }

        String target(SendInfo s) {
            return byThread && s.serverTid() >= 0 ? threadNode(s.serverPid(), s.serverTid()) : processNode(s.serverPid());
        }

        /** The node standing for thread-level id {@code t<pid>/<tid>} (or {@code p<pid>}). */
        String idOfThread(String threadLevelId) {
            if (threadLevelId.startsWith("p")) {
                return processNode(Integer.parseInt(threadLevelId.substring(1)));
            }
            int slash = threadLevelId.indexOf('/');
            return node(Integer.parseInt(threadLevelId.substring(1, slash)),
                    Integer.parseInt(threadLevelId.substring(slash + 1)));
        }

        private String threadNode(int pid, int tid) {
            String id = threadId(pid, tid);
            nodes.computeIfAbsent(id, k -> {
                ThreadInfo t = threads.get(k);
                Map<String, Object> n = base(k, "thread", pid);
                n.put("tid", tid);
                n.put("thread", t == null ? "?" : t.name());
                n.put("state", t == null ? "DEAD" : t.state().name());
                n.put("priority", t == null ? null : t.priority());
                return n;
            });
            return id;
        }

        private String processNode(int pid) {
            String id = processId(pid);
            nodes.computeIfAbsent(id, k -> {
                Map<String, Object> n = base(k, "process", pid);
                ProcessInfo p = procs.get(pid);
                n.put("threads", p == null ? 0 : p.threads().size());
                n.put("blocked", blocked.getOrDefault(pid, 0));
                return n;
            });
            return id;
        }

        private Map<String, Object> base(String id, String kind, int pid) {
            ProcessInfo p = procs.get(pid);
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("id", id);
            n.put("kind", kind);
            n.put("pid", pid);
            n.put("process", p == null ? "?" : p.name());
            n.put("cycle", false);
            return n;
        }

        void edge(String from, String to, String kind, int count) {
            Map<String, Object> e = edges.computeIfAbsent(from + ">" + to + ">" + kind, k -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("from", from);
                m.put("to", to);
                m.put("kind", kind);
                m.put("count", 0);
                m.put("cycle", false);
                between.computeIfAbsent(from + ">" + to, x -> new ArrayList<>()).add(m);
                return m;
            });
            e.put("count", (Integer) e.get("count") + count);
        }

        void markCycle(String from, String to) {
            for (Map<String, Object> e : between.getOrDefault(from + ">" + to, List.of())) {
                e.put("cycle", true);
            }
            nodes.get(from).put("cycle", true);
            nodes.get(to).put("cycle", true);
        }
    }
}

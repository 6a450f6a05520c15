package io.courier.kernel.internal.osgi;

import io.courier.kernel.ConnectionInfo;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.NodeProcessInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.SendCycle;
import io.courier.kernel.SendInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.internal.MicrokernelImpl;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Gogo commands {@code pidin}, {@code pidin fd}, {@code pidin sends} and {@code names}
 * (SPEC K16): what QNX's {@code pidin} and {@code ls /dev/name/local} show. In a node (issue 20)
 * {@code pidin} and {@code names} show the whole node: each row starts (pidin) or ends (names)
 * with the OS pid of the JVM that holds the process.
 */
@Component(service = PidinCommand.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=pidin",
    "osgi.command.function=names"
})
public final class PidinCommand {
    private static final String ROW = "%8s %8s %4s %-28s %4s %-11s %s%n";
    private final Microkernel mk;
    /** The kernel itself, for the node's processes and JVMs; null when {@code mk} is not Courier's kernel. */
    private final MicrokernelImpl impl;

    /** The commands for {@code mk}. */
    @Activate
    public PidinCommand(@Reference(name = "microkernel") Microkernel mk) {
        this.mk = mk;
        Microkernel inner = mk instanceof MicrokernelComponent c ? c.kernel() : mk;
        this.impl = inner instanceof MicrokernelImpl k ? k : null;
    }

    /**
     * Every thread of this JVM: the JVM's OS pid, pid, tid, name, priority, state and what it is
     * blocked on; then, in a node, every process of the other JVMs, one row each with its JVM's
     * OS pid, its thread count and their states.
     */
    public String pidin() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(ROW, "jvm", "pid", "tid", "name", "prio", "STATE", "Blocked"));
        threadRows(sb, Long.toString(ProcessHandle.current().pid()), mk.processes());
        if (impl != null) {
            List<NodeProcessInfo> others = new ArrayList<>(impl.nodeProcesses());
            others.sort(Comparator.comparingLong(NodeProcessInfo::osPid)
                    .thenComparingInt(NodeProcessInfo::pid));
            for (NodeProcessInfo p : others) {
                sb.append(String.format(ROW, p.osPid(), p.pid(), "-", p.name(), "-", state(p), threads(p)));
            }
        }
        return sb.toString();
    }

    /** One row per thread of {@code processes} (one for a process without any), each starting with {@code where}. */
    private static void threadRows(StringBuilder sb, String where, List<ProcessInfo> processes) {
        for (ProcessInfo p : processes) {
            if (p.threads().isEmpty()) {
                sb.append(String.format(ROW, where, p.pid(), "-", p.name(), "-", "(none)", "no thread in the kernel"));
            }
            for (ThreadInfo t : p.threads()) {
                sb.append(String.format(ROW, where, p.pid(), t.tid(), p.name() + "/" + t.name(), t.priority() + "r",
                        t.state(), t.blockedOn() < 0 ? "" : Integer.toString(t.blockedOn())));
            }
        }
    }

    /**
     * {@code pidin -n NODE} (issue 21): the threads of another node of the network, as its kernel
     * lists them, each row starting with the node's name (the processes of the other JVMs of that
     * machine's node come one row each, without threads).
     */
    public String pidin(String option, String node) {
        if (!"-n".equals(option)) {
            return "usage: pidin [fd|sends] | pidin -n NODE\n";
        }
        io.courier.node.Network net = mk.network();
        int nd = net == null ? -1 : net.nd(node);
        if (nd < 0) {
            return "pidin: no node " + node + (net == null ? " (this node is in no network)" : "") + "\n";
        }
        List<ProcessInfo> there;
        try {
            there = mk.processes(nd);
        } catch (io.courier.kernel.KernelException e) {
            return "pidin: node " + node + ": " + e.errno() + " (" + e.getMessage() + ")\n";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(ROW, "node", "pid", "tid", "name", "prio", "STATE", "Blocked"));
        threadRows(sb, node, there);
        return sb.toString();
    }

    /** The one state of a process of another JVM whose threads are all in it, {@code (none)} or {@code (several)}. */
    private static String state(NodeProcessInfo p) {
        if (p.threads() == 0 || p.states().isEmpty()) {
            return "(none)";
        }
        if (p.states().indexOf(',') >= 0) {
            return "(several)";
        }
        int space = p.states().indexOf(' ');
        return space < 0 ? p.states() : p.states().substring(space + 1);
    }

    private static String threads(NodeProcessInfo p) {
        if (p.threads() == 0) {
            return "no thread in the kernel (other JVM)";
        }
        return p.threads() + (p.threads() == 1 ? " thread" : " threads") + " (other JVM)"
                + (p.states().indexOf(',') >= 0 ? ": " + p.states() : "");
    }

    /**
     * {@code pidin fd}: every connection; {@code pidin sends}: the send hierarchy, each
     * SEND- or REPLY-blocked thread with the server process and thread it waits for
     * ({@link Microkernel#sends()}), then the sends refused because they would have closed a
     * cycle ({@link Microkernel#sendCycles()}, SPEC K19).
     */
    public String pidin(String what) {
        return switch (what) {
            case "fd" -> connections();
            case "sends" -> sends();
            default -> "usage: pidin [fd|sends] | pidin -n NODE\n";
        };
    }

    private String connections() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%8s %-28s %10s %8s %6s %10s%n", "pid", "name", "coid", "server", "chid", "scoid"));
        Map<Integer, String> names = processNames();
        for (ConnectionInfo c : mk.connections()) {
            sb.append(String.format("%8d %-28s %10s %8d %6d %10s%n", c.pid(), names.getOrDefault(c.pid(), "?"),
                    coid(c.coid()), c.serverPid(), c.chid(), "0x" + Integer.toHexString(c.scoid())));
        }
        return sb.toString();
    }

    private static String coid(int coid) {
        return coid >= io.courier.kernel.Kernel.SIDE_CHANNEL ? "0x" + Integer.toHexString(coid) + "s"
                : Integer.toString(coid);
    }

    private String sends() {
        StringBuilder sb = new StringBuilder();
        Map<Integer, String> names = processNames();
        for (SendInfo e : mk.sends()) {
            sb.append(String.format("%s[%d/%d] --%s--> %s[%d/%s] chid %d%n", names.getOrDefault(e.pid(), "?"), e.pid(),
                    e.tid(), e.state(), names.getOrDefault(e.serverPid(), "?"), e.serverPid(),
                    e.serverTid() < 0 ? "?" : Integer.toString(e.serverTid()), e.chid()));
        }
        if (sb.isEmpty()) {
            sb.append("no thread is SEND- or REPLY-blocked\n");
        }
        for (SendCycle c : mk.sendCycles()) {
            sb.append("refused (EDEADLK) at ").append(c.refusedAt()).append(": ").append(c).append('\n');
        }
        return sb.toString();
    }

    private Map<Integer, String> processNames() {
        Map<Integer, String> names = new HashMap<>();
        for (ProcessInfo p : mk.processes()) {
            names.put(p.pid(), p.name());
        }
        return names;
    }

    /**
     * The attached names, as {@code ls /dev/name/local} lists them, with their server and the OS
     * pid of its JVM (in a node, the names of every JVM of it).
     */
    public String names() {
        List<NameInfo> all = mk.names();
        StringBuilder sb = new StringBuilder();
        long me = ProcessHandle.current().pid();
        for (NameInfo n : all) {
            long jvm = impl == null ? me : impl.osPid(n.pid());
            sb.append(String.format("%-32s pid %d chid %d jvm %s%n", n.name(), n.pid(), n.chid(),
                    jvm < 0 ? "?" : Long.toString(jvm)));
        }
        return sb.toString();
    }
}

package io.courier.kernel.internal.osgi;

import io.courier.kernel.ConnectionInfo;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.SendCycle;
import io.courier.kernel.SendInfo;
import io.courier.kernel.ThreadInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Gogo commands {@code pidin}, {@code pidin fd}, {@code pidin sends} and {@code names}
 * (SPEC K16): what QNX's {@code pidin} and {@code ls /dev/name/local} show.
 */
@Component(service = PidinCommand.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=pidin",
    "osgi.command.function=names"
})
public final class PidinCommand {
    private final Microkernel mk;

    /** The commands for {@code mk}. */
    @Activate
    public PidinCommand(@Reference(name = "microkernel") Microkernel mk) {
        this.mk = mk;
    }

    /** Every thread: pid, tid, name, priority, state and what it is blocked on. */
    public String pidin() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%8s %4s %-28s %4s %-11s %s%n", "pid", "tid", "name", "prio", "STATE", "Blocked"));
        for (ProcessInfo p : mk.processes()) {
            if (p.threads().isEmpty()) {
                sb.append(String.format("%8d %4s %-28s %4s %-11s %s%n", p.pid(), "-", p.name(), "-", "(none)",
                        "no thread in the kernel"));
            }
            for (ThreadInfo t : p.threads()) {
                sb.append(String.format("%8d %4d %-28s %4s %-11s %s%n", p.pid(), t.tid(), p.name() + "/" + t.name(),
                        t.priority() + "r", t.state(), t.blockedOn() < 0 ? "" : Integer.toString(t.blockedOn())));
            }
        }
        return sb.toString();
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
            default -> "usage: pidin [fd|sends]\n";
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

    /** The attached names, as {@code ls /dev/name/local} lists them, with their server. */
    public String names() {
        List<NameInfo> all = mk.names();
        StringBuilder sb = new StringBuilder();
        for (NameInfo n : all) {
            sb.append(String.format("%-32s pid %d chid %d%n", n.name(), n.pid(), n.chid()));
        }
        return sb.toString();
    }
}

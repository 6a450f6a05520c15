package io.courier.asyncmsg.internal.osgi;

import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.asyncmsg.iocp.PendingOperation;
import io.courier.asyncmsg.iocp.PortInfo;
import org.osgi.service.component.annotations.Component;

/**
 * The Gogo command {@code ports}: every I/O completion port with its owner, waiting threads,
 * queued completions and pending operations (SPEC A7).
 */
@Component(service = PortsCommand.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=ports"
})
public final class PortsCommand {
    /** The ports and their pending operations, one line each. */
    public String ports() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%6s %8s %-6s %7s %6s %7s %6s%n", "port", "pid", "state", "waiting", "queued",
                "pending", "errors"));
        for (PortInfo p : IoCompletionPort.ports()) {
            sb.append(String.format("%6d %8d %-6s %7d %6d %7d %6d%n", p.id(), p.ownerPid(), p.open() ? "open" : "closed",
                    p.waitingThreads(), p.queuedCompletions(), p.pendingOperations().size(), p.errors()));
            for (PendingOperation op : p.pendingOperations()) {
                sb.append(String.format("         %-8s %s %d/%d handle %s%n", op.operation(), op.socket(),
                        op.transferred(), op.length(), op.handle()));
            }
        }
        return sb.toString();
    }
}

package io.courier.asyncmsg;

import java.util.List;

/**
 * One asynchronous channel in {@link AsyncMessaging#channels(io.courier.kernel.Microkernel)}: a
 * snapshot for introspection (the web console, scripts).
 *
 * @param pid the receiving process
 * @param chid the channel
 * @param names the names it holds ({@link AsyncMessaging#nameAttach}), sorted
 * @param bufferSize the size of each receive buffer
 * @param maxNumBuffer the most receive buffers it may hold (0: no pool, each buffer made for its
 *     message and given back on free)
 * @param connections the connections bound to it now
 * @param queued messages delivered to it and not yet got: the queue depth its receiver sees
 * @param buffersAllocated the receive buffers in its pool (without a pool: those out now)
 * @param buffersInUse receive buffers the receiver holds: got and not yet freed
 */
public record AsyncChannelInfo(int pid, int chid, List<String> names, int bufferSize, int maxNumBuffer, int connections,
        long queued, int buffersAllocated, int buffersInUse) {
    /** Copies the list. */
    public AsyncChannelInfo {
        names = List.copyOf(names);
    }
}

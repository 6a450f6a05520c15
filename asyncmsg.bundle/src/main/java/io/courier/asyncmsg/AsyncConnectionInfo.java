package io.courier.asyncmsg;

/**
 * One asynchronous connection in
 * {@link AsyncMessaging#connections(io.courier.kernel.Microkernel)}: a snapshot for introspection
 * (the web console, scripts). The counters count messages since the connection was made; a
 * snapshot reads them one after another, so under load they may be a message apart.
 *
 * @param pid the sending process
 * @param coid the connection id
 * @param name the name it was opened by ({@link AsyncMessaging#nameOpen}), or null for one by
 *     pid and chid
 * @param serverPid the process of the channel it is bound to, or -1 while no channel holds its
 *     name (its messages are stored on the sender's side)
 * @param chid that channel, or -1
 * @param state {@code OPEN}; {@code EXPIRED} (stored past its store time); {@code DEAD} (its
 *     channel went); {@code CLOSED} (detached); {@code SENDER_GONE} (its process died, what it
 *     put is still delivered)
 * @param bufferSize the largest message
 * @param maxNumBuffer the most messages it holds at once
 * @param triggerNumMsg the count that triggers a delivery (0: none)
 * @param triggerTimeNsec the time that triggers a delivery after a put (0: none)
 * @param singleSender whether it takes puts from one thread only
 * @param put messages put
 * @param delivered messages handed to the channel (by a trigger, a flush or a full ring)
 * @param got messages the receiver got (or that failed)
 * @param released messages whose slots are free again (their callbacks ran)
 */
public record AsyncConnectionInfo(int pid, int coid, String name, int serverPid, int chid, String state, int bufferSize,
        int maxNumBuffer, int triggerNumMsg, long triggerTimeNsec, boolean singleSender, long put, long delivered,
        long got, long released) {

    /** Messages put and waiting for a trigger. */
    public long pending() {
        return Math.max(0, put - delivered);
    }

    /** Messages delivered and not yet got: the connection's share of its channel's queue. */
    public long queued() {
        return Math.max(0, delivered - got);
    }

    /** Slots of its ring in use: messages put whose slots are not free again. */
    public long buffersInUse() {
        return Math.max(0, put - released);
    }
}

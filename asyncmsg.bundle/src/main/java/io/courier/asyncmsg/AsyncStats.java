package io.courier.asyncmsg;

/**
 * Counters of the asynchronous messaging of one {@link io.courier.kernel.Microkernel}, for
 * introspection and tests: what the library threads did, and every message that was not
 * delivered.
 *
 * @param delivered messages got by receivers
 * @param failed messages reported to their callback with an error (receiver gone, stored too
 *     long, connection detached first)
 * @param discarded messages that failed with no callback to tell, or whose sender had died
 *     (logged)
 * @param callbacksRun delivery callbacks run
 * @param callbackFailures delivery callbacks that threw
 * @param recvbufCallbackFailures receive-buffer callbacks that threw
 * @param eventsDelivered channel events delivered
 * @param eventFailures channel events that could not be delivered (logged)
 */
public record AsyncStats(long delivered, long failed, long discarded, long callbacksRun, long callbackFailures,
        long recvbufCallbackFailures, long eventsDelivered, long eventFailures) {
}

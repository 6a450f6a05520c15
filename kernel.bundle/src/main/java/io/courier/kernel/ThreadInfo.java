package io.courier.kernel;

/**
 * One thread in a {@link ProcessInfo} snapshot.
 *
 * @param tid the thread id in its process
 * @param name the thread's name
 * @param priority the effective priority (after inheritance)
 * @param state the state
 * @param blockedOn what it waits for: the chid in RECEIVE, the server pid in SEND and REPLY,
 *     -1 otherwise
 */
public record ThreadInfo(int tid, String name, int priority, ThreadState state, int blockedOn) {
}

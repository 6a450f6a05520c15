package io.courier.node;

/**
 * A JVM of the node, as its slot of the member table shows it.
 *
 * @param slot the member table slot, 0 to 63
 * @param pid the JVM's operating-system pid
 * @param startTime when that process started ({@code /proc/<pid>/stat} field 22, clock ticks
 *     since boot): with the pid, it names one process even when the OS reuses pids
 * @param generation how many times the slot has been claimed (24 bits, wrapping): tells two
 *     owners of a slot apart
 * @param joinedAtMillis when it joined, wall-clock milliseconds
 */
public record Member(int slot, long pid, long startTime, int generation, long joinedAtMillis) {
}

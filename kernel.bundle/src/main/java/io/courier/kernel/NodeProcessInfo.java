package io.courier.kernel;

/**
 * A process of another JVM of this kernel's node (issue 20, B2), as that JVM lists it in the
 * node's process table: {@link Microkernel#nodeProcesses()}.
 *
 * @param pid its pid
 * @param name its name
 * @param threads how many of its threads the kernel lists (as of that JVM's last reaper round)
 * @param states its threads' states, most common first ({@code RECEIVE}, {@code 2 RECEIVE, 1 REPLY})
 * @param osPid the OS pid of its JVM
 */
public record NodeProcessInfo(int pid, String name, int threads, String states, long osPid) {
}

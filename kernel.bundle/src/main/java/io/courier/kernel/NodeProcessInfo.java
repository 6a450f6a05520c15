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
    /**
     * The {@code states} summary of threads counted by state, as the node's process table holds
     * it: the one state of a single thread ({@code RECEIVE}), else each state with its count, most
     * common first ({@code 2 RECEIVE, 1 REPLY}); empty without threads.
     */
    public static String states(java.util.Map<ThreadState, Integer> counts) {
        if (counts.size() == 1 && counts.values().iterator().next() == 1) {
            return counts.keySet().iterator().next().name();
        }
        StringBuilder sb = new StringBuilder();
        counts.entrySet().stream()
                .sorted(java.util.Map.Entry.<ThreadState, Integer>comparingByValue().reversed())
                .forEach(e -> sb.append(sb.isEmpty() ? "" : ", ").append(e.getValue()).append(' ')
                        .append(e.getKey().name()));
        return sb.toString();
    }
}

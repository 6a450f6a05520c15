package io.courier.kernel;

import java.util.List;

/**
 * One process in {@link Microkernel#processes()}.
 *
 * @param pid the process id
 * @param name the process name
 * @param credentials its credentials
 * @param threads its threads, by tid
 * @param channels its channel ids
 * @param connections its connection ids
 */
public record ProcessInfo(int pid, String name, Credentials credentials, List<ThreadInfo> threads,
        List<Integer> channels, List<Integer> connections) {
    /** Copies the lists. */
    public ProcessInfo {
        threads = List.copyOf(threads);
        channels = List.copyOf(channels);
        connections = List.copyOf(connections);
    }
}

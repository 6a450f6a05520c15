package io.courier.kernel;

/**
 * One attached name in {@link Microkernel#names()}.
 *
 * @param name the name
 * @param pid the server process
 * @param chid the channel
 */
public record NameInfo(String name, int pid, int chid) {
}

package io.courier.kernel;

/**
 * An attached name ({@code name_attach_t}).
 *
 * @param name the name, as published under {@code /dev/name/local}
 * @param chid the channel created for it
 */
public record NameAttach(String name, int chid) {
}

package io.courier.asyncmsg.iocp;

/**
 * One operation waiting for its socket, as introspection ({@code pidin}, the shell) shows it.
 *
 * @param operation receive, send or accept
 * @param socket the socket's local and remote addresses
 * @param length the bytes asked for ({@code bufferLength}; 0 for accept)
 * @param transferred the bytes moved so far (a send, or a receive with {@code fillBuffer})
 * @param handle the application handle, as text
 */
public record PendingOperation(Operation operation, String socket, int length, int transferred,
        String handle) {
}

package io.courier.examples.async;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The protocol of the technote's example 6 ({@code asynch_server.c} and {@code asynch_client.c}).
 *
 * <ul>
 *   <li>The server attaches {@link #RECV_NAME} as a synchronous name ({@code name_attach}) and
 *       publishes its asynchronous channel under the same name (store and forward).
 *   <li>{@link #GET_ACHID}: a synchronous message of 2 bytes (the 16-bit type, native order);
 *       the reply is the asynchronous channel's 32-bit chid.
 *   <li>Asynchronous messages are text, NUL-terminated; the example client's read
 *       {@code message #N}, N counting from 1 for each client connection.
 * </ul>
 */
public final class AsynchProtocol {
    /** The server's name ({@code RECV_NAME}), in both name spaces. */
    public static final String RECV_NAME = "ASYNCH_RECEIVER";
    /** Message type of the query for the asynchronous chid. */
    public static final short GET_ACHID = 2;
    /** The length of a {@link #GET_ACHID} query. */
    public static final int GET_ACHID_SIZE = 2;
    /** The length of the reply to {@link #GET_ACHID}. */
    public static final int GET_ACHID_REPLY_SIZE = 4;

    private static final String NUMBERED = "message #";

    private AsynchProtocol() {
    }

    /** {@code message #n}, NUL-terminated, in a fresh buffer (the library holds it until its callback ran). */
    public static ByteBuffer numbered(long n) {
        return ByteBuffer.wrap((NUMBERED + n + "\0").getBytes(StandardCharsets.UTF_8));
    }

    /** The text of a message, up to its NUL or its end. */
    public static String text(ByteBuffer msg) {
        ByteBuffer b = msg.duplicate();
        int end = b.position();
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] t = new byte[end - b.position()];
        b.get(t);
        return new String(t, StandardCharsets.UTF_8);
    }

    /** N of a {@code message #N} (N a decimal {@code long} of at most 19 digits, 0 or more); -1 for any other message. */
    public static long number(ByteBuffer msg) {
        String text = text(msg);
        int digits = text.length() - NUMBERED.length();
        if (!text.startsWith(NUMBERED) || digits < 1 || digits > 19) {
            return -1;
        }
        for (int i = NUMBERED.length(); i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(text, NUMBERED.length(), text.length(), 10);
        } catch (NumberFormatException e) {
            return -1; // 19 digits beyond Long.MAX_VALUE
        }
    }
}

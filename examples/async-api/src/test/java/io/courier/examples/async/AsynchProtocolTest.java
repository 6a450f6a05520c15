package io.courier.examples.async;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The numbered messages of the example: what the server reads back from bytes a client sent. */
class AsynchProtocolTest {

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadBackTheNumberOfANumberedMessage() {
        for (long n : new long[] {0, 1, 42, 1_000_000_007L, Long.MAX_VALUE}) {
            ByteBuffer msg = AsynchProtocol.numbered(n);
            assertEquals(n, AsynchProtocol.number(msg));
            assertEquals("message #" + n, AsynchProtocol.text(msg));
            assertEquals(0, msg.position(), "reading leaves the buffer alone");
        }
    }

    @Test
    void shouldAnswerMinusOneForAnyOtherMessage() {
        for (String s : new String[] {"", "\0", "message #", "message #\0", "message #-1", "message #1x", "message # 1",
            "message #99999999999999999999", "message #9223372036854775808", "hello", "MESSAGE #1"}) {
            assertEquals(-1, AsynchProtocol.number(bytes(s)), s);
        }
        assertEquals(7, AsynchProtocol.number(bytes("message #7\0trailing bytes after the NUL")));
    }

    @Test
    void shouldNeverFailOnRandomBytes() {
        Random random = new Random(16);
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[random.nextInt(40)];
            random.nextBytes(b);
            if (random.nextBoolean() && b.length > 9) {
                System.arraycopy("message #".getBytes(StandardCharsets.UTF_8), 0, b, 0, 9);
            }
            ByteBuffer msg = ByteBuffer.wrap(b);
            long n = AsynchProtocol.number(msg);
            if (n >= 0) {
                assertEquals(n, Long.parseLong(AsynchProtocol.text(msg).substring("message #".length())));
            }
        }
    }
}

package io.courier.console.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Microkernel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC B6: what arrives over HTTP (query parameters, the Authorization header, the peer's
 * address) is checked before use: random input never makes the pages or the login guard throw,
 * and the processes page's offset and limit always stay in bounds.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RequestFuzzTest {
    private static final long SEED = 0x5EED_C0DEL;
    private static final String PUNCTUATION = "-+ ,.:%\\\"'<>/[]{}";
    private static final String[] KEYS = {"offset", "limit", "q", "state", "level", "x"};

    private static String noise(Random r) {
        int n = r.nextInt(40);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(switch (r.nextInt(4)) {
                case 0 -> (char) ('0' + r.nextInt(10));
                case 1 -> PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length()));
                case 2 -> (char) r.nextInt(0x80);
                default -> (char) r.nextInt(0xFFFF);
            });
        }
        if (r.nextInt(8) == 0) {
            return Long.toString(r.nextLong());
        }
        return sb.toString();
    }

    @Test
    void b6RandomParametersNeverBreakAPageAndStayInBounds() {
        Random r = new Random(SEED);
        try (Microkernel mk = Microkernel.boot()) {
            mk.process("one");
            SystemView view = new SystemView(mk);
            for (int i = 0; i < 3_000; i++) {
                Map<String, String> params = new HashMap<>();
                for (String k : KEYS) {
                    if (r.nextBoolean()) {
                        params.put(k, noise(r));
                    }
                }
                Page page = Page.values()[r.nextInt(Page.values().length)];
                Map<String, Object> data = assertDoesNotThrow(() -> view.data(page, params), params.toString());
                String json = Json.write(data);
                assertTrue(json.startsWith("{") && json.endsWith("}"), json);
                if (page == Page.PROCESSES) {
                    int offset = (Integer) data.get("offset");
                    int limit = (Integer) data.get("limit");
                    assertTrue(offset >= 0 && limit >= 1 && limit <= SystemView.MAX_LIMIT, params.toString());
                    assertTrue(((List<?>) data.get("rows")).size() <= limit);
                }
            }
        }
    }

    @Test
    void b6RandomAuthorizationsAndAddressesNeverBreakTheGuard() {
        Random r = new Random(SEED + 1);
        for (int i = 0; i < 20_000; i++) {
            String header = switch (r.nextInt(3)) {
                case 0 -> noise(r);
                case 1 -> "Basic " + noise(r);
                default -> {
                    byte[] raw = new byte[r.nextInt(24)];
                    r.nextBytes(raw);
                    yield "Basic " + Base64.getEncoder().encodeToString(raw);
                }
            };
            String address = r.nextBoolean() ? noise(r) : r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256)
                    + "." + r.nextInt(256);
            assertDoesNotThrow(() -> LoginGuard.refuses(address, header), address + " " + header);
        }
        String admin = "Basic " + Base64.getEncoder().encodeToString("x:admin".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(LoginGuard.refuses("10.0.0.1", admin));
    }
}

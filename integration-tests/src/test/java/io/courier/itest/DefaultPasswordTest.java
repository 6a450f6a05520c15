package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * SPEC B6: the Web Console's default password is accepted from loopback only. The assembled
 * runtime runs with no password set, behind a (pretend) reverse proxy: its HTTP service is told
 * to take the client's address from {@code X-Forwarded-For}, so a request made here on 127.0.0.1
 * can say it comes from 192.0.2.10 (a documentation address, never contacted). Every connection
 * is to 127.0.0.1.
 */
public class DefaultPasswordTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final String JSON = "/system/console/courier-processes.json";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ChildRuntime runtime;

    @Before
    public void startRuntimeBehindAProxy() throws Exception {
        runtime = new ChildRuntime();
        runtime.configure(ChildRuntime.HTTP_PID, Map.of("org.apache.felix.http.host", "127.0.0.1",
                "org.osgi.service.http.port", Integer.toString(runtime.httpPort()),
                "org.apache.felix.proxy.load.balancer.connection.enable", "true"));
        runtime.start();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (status("admin", "admin", null) != 200) {
            if (System.nanoTime() - deadline > 0 || !runtime.isAlive()) {
                throw new AssertionError("the console did not answer within " + LIMIT + "\n"
                        + String.join("\n", runtime.output()));
            }
            Thread.sleep(200);
        }
    }

    @After
    public void stopRuntime() throws IOException {
        runtime.close();
    }

    @Test
    public void b6DefaultPasswordIsRefusedFromAnAddressOtherThanLoopback() throws Exception {
        assertEquals("from loopback the default login works", 200, status("admin", "admin", null));
        assertEquals("also when a proxy says loopback", 200, status("admin", "admin", "127.0.0.1"));
        assertEquals("from elsewhere it is refused", 403, status("admin", "admin", "192.0.2.10"));
        assertEquals("whatever the user name", 403, status("someone", "admin", "2001:db8::7"));
        assertEquals("without a login, the console asks for one", 401, status(null, null, "192.0.2.10"));
        assertEquals("another password is the console's to judge", 401, status("admin", "guess", "192.0.2.10"));
        assertTrue("the refusal is logged", runtime.output().stream()
                .anyMatch(line -> line.contains("refused the Web Console's default password from 192.0.2.10")));
    }

    /** The status of a GET of the processes JSON, with a login (none for a null user), from {@code forwardedFor}. */
    private int status(String user, String password, String forwardedFor) throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.httpPort() + JSON))
                .timeout(Duration.ofSeconds(10));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.ISO_8859_1)));
        }
        if (forwardedFor != null) {
            b.header("X-Forwarded-For", forwardedFor);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
            return -1;
        }
    }
}

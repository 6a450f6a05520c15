package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Test;
import org.openqa.selenium.json.Json;

/**
 * A runtime made by hand without the net bundle (its jar taken out of {@code bundle/}, as a user
 * who runs one machine only might) still has its console: the console imports the net bundle's
 * package optionally, and its "Node and network" page then says the node is in no network.
 * Every connection is to 127.0.0.1.
 */
public class ConsoleWithoutNetTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ChildRuntime runtime;

    @After
    public void stopRuntime() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void theConsoleRunsInARuntimeWithoutTheNetBundle() throws Exception {
        runtime = new ChildRuntime();
        int removed = 0;
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(runtime.home().resolve("bundle"), "net-*.jar")) {
            for (Path jar : jars) {
                Files.delete(jar);
                removed++;
            }
        }
        assertEquals("the runtime ships one net bundle, taken out here", 1, removed);
        runtime.start();
        runtime.awaitActive("io.courier.console", LIMIT);

        HttpResponse<String> page = awaitPage("/system/console/courier-node.json");
        assertEquals(page.body(), 200, page.statusCode());
        Map<String, Object> data = new Json().toType(page.body(), Map.class);
        Map<String, Object> network = (Map<String, Object>) data.get("network");
        assertEquals("no network without the net bundle: " + network, false, network.get("configured"));
        assertEquals(List.of(), network.get("nodes"));
        Map<String, Object> node = (Map<String, Object>) data.get("node");
        assertEquals("the node section still tells this JVM: " + node, runtime.process().pid(),
                ((Number) node.get("osPid")).longValue());

        // The HTML page too, as a browser gets it.
        HttpResponse<String> html = awaitPage("/system/console/courier-node");
        assertEquals(200, html.statusCode());
        assertTrue(html.body(), html.body().contains("Node and network"));
        assertTrue("nothing went wrong:\n" + String.join("\n", runtime.trouble()), runtime.trouble().isEmpty());
    }

    /** GETs {@code path} with the default login until the console answers it (it starts after the bundle is Active). */
    private HttpResponse<String> awaitPage(String path) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() - deadline < 0 && runtime.isAlive()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.httpPort() + path))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                            "admin:admin".getBytes(StandardCharsets.ISO_8859_1)))
                    .build();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not within " + LIMIT + ": " + path + " (" + last + ")\n"
                + String.join("\n", runtime.output()));
    }
}

package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;

/**
 * SPEC B6, K16, K19: the runtime's web console in a real browser. The assembled runtime runs as
 * a child process with the checksum, asynchronous messaging, shared memory, resource manager and
 * send chain examples in {@code deploy/} and a Web Console password set through ConfigAdmin;
 * headless Chromium logs in and opens every Courier page. The send graph's screenshot is saved
 * as {@code target/console-send-graph.png} on every run.
 */
public class WebConsoleBrowserTest {
    private static final String USER = "courier";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static WebConsole console;

    @BeforeClass
    public static void startRuntimeAndBrowser() throws Exception {
        console = WebConsole.start(USER, PASSWORD, runtime -> { }, "example-checksum-api", "example-async-api",
                "example-shm-posix-api", "example-checksum-server", "example-checksum-client", "example-async-server",
                "example-async-client", "example-shm-posix-creator", "example-shm-posix-user", "example-rm-sample",
                "example-send-chain");
        console.runtime.await("the send chain stands", WebConsole.START_LIMIT,
                line -> line.contains("send chain standing"));
        console.logIn();
    }

    @AfterClass
    public static void stopBrowserAndRuntime() throws Exception {
        if (console != null) {
            console.close();
        }
    }

    private static WebDriver browser() {
        return console.driver();
    }

    private static WebElement byId(String id) {
        return browser().findElement(By.id(id));
    }

    private static String awaitText(String id, String text) {
        return console.awaitText(id, text);
    }

    @Test
    public void b6ProcessesPageShowsTheDeployedExamplesAsPidinDoes() {
        console.open("courier-processes");
        byId("courier-filter").sendKeys("checksum");
        console.waitFor("the filter keeps the checksum example's processes only", d -> {
            String t = console.text("courier-table-processes");
            return t.contains("io.courier.example-checksum-server") && !t.contains("chain-");
        });
        String table = console.text("courier-table-processes");
        assertTrue(table, table.contains("checksum-server") && table.contains("RECEIVE"));
        assertTrue(table, table.contains("io.courier.example-checksum-client"));

        byId("courier-filter").clear();
        byId("courier-filter").sendKeys("chain-a");
        console.waitFor("the filter keeps chain-a only", d -> {
            String t = console.text("courier-table-processes");
            return t.contains("chain-a") && !t.contains("checksum");
        });
        String chain = console.text("courier-table-processes");
        assertTrue(chain, chain.contains("REPLY") && chain.contains("chain-b"));
        String summary = console.text("courier-summary");
        assertTrue(summary, summary.contains("REPLY "));
    }

    @Test
    public void b6SendGraphDrawsTheChainAndHighlightsTheRefusedCycle() throws Exception {
        console.openStill("courier-sends");
        WebElement graph = console.waitFor("the graph is drawn", d -> d.findElements(By.id("courier-graph")).stream()
                .findFirst().orElse(null));
        assertEquals("thread", graph.getAttribute("data-level"));
        String text = graph.getText();
        for (String process : new String[] {"chain-a", "chain-b", "chain-c", "chain-d"}) {
            assertTrue(process + " in " + text, text.contains(process));
        }
        assertEquals("a REPLY-blocked, b REPLY-blocked", 2, graph.findElements(By.cssSelector("path.edge.REPLY")).size());
        assertEquals("d SEND-blocked on b", 1, graph.findElements(By.cssSelector("path.edge.SEND")).size());
        assertEquals("c's refused send, in the cycle", 1,
                graph.findElements(By.cssSelector("path.edge.REFUSED.cycle")).size());
        assertEquals("a, b and c highlighted", 3, graph.findElements(By.cssSelector("g.node.cycle")).size());
        assertEquals("the chain's edges highlighted, not d's", 3,
                graph.findElements(By.cssSelector("path.edge.cycle")).size());
        String refused = browser().findElement(By.cssSelector("#courier-table-refused tr.highlighted")).getText();
        assertTrue(refused, refused.contains("chain-c[") && refused.contains("chain-a[") && refused.contains("yes"));

        Path png = console.screenshot("console-send-graph");
        assertTrue(png + " written", Files.size(png) > 10_000);
    }

    @Test
    public void b6NamesAsyncPortsSharedMemoryAndPathsPagesShowTheExamples() throws Exception {
        console.open("courier-names");
        awaitText("courier-table-names", "checksum");
        awaitText("courier-table-names", "ASYNCH_RECEIVER");

        console.open("courier-async");
        awaitText("courier-table-channels", "ASYNCH_RECEIVER");
        awaitText("courier-table-connections", "io.courier.example-async-client");

        console.open("courier-ports");
        Map<String, Object> ports = console.json("courier-ports", "");
        List<?> list = (List<?>) ports.get("ports");
        if (list.isEmpty()) {
            assertEquals("No completion port.", console.text("courier-table-ports"));
        } else {
            assertTrue(byId("courier-table-ports").getTagName().equals("table"));
        }

        console.open("courier-shm");
        awaitText("courier-table-objects", "/wally");
        awaitText("courier-table-mappings", "/wally");

        console.open("courier-paths");
        String paths = awaitText("courier-table-paths", "/dev/sample");
        assertTrue(paths, paths.contains("io.courier.example-rm-sample") && paths.contains("pathmgr"));
    }

    @Test
    public void b6LiveRefreshIsDrivenByTheOpenPageOnlyAndStopsWhenItIsHidden() throws Exception {
        console.open("courier-processes");
        // Live at one second: the page asks again by itself.
        browser().findElement(By.cssSelector("#courier-interval option[value='1000']")).click();
        long first = snapshot();
        console.waitFor("the page refreshed itself twice", d -> snapshot() >= first + 2);

        // Another tab in front: the page is hidden, and nothing asks for data any more.
        String page = browser().getWindowHandle();
        browser().switchTo().newWindow(WindowType.TAB);
        browser().get("about:blank");
        Thread.sleep(1500);
        long before = ((Number) console.json("courier-processes", "").get("snapshot")).longValue();
        Thread.sleep(3500);
        long after = ((Number) console.json("courier-processes", "").get("snapshot")).longValue();
        assertEquals("no snapshot but the test's own while nobody looks", before + 1, after);

        browser().close();
        browser().switchTo().window(page);
        console.waitFor("the page refreshes again once in front", d -> snapshot() > after);
    }

    private static long snapshot() {
        return console.snapshot();
    }

    @Test
    public void b6RequestsWithoutTheLoginAreRefusedPagesAndJsonAlike() throws Exception {
        for (String path : new String[] {"/system/console/courier-processes", "/system/console/courier-sends.json",
            "/system/console/courier-processes.json", "/system/console/bundles"}) {
            HttpResponse<String> none = console.get(path, false);
            assertEquals(path + " without login", 401, none.statusCode());
            assertTrue(path, none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
            assertFalse(path + " gives no data", none.body().contains("chain-a"));
            assertEquals(path + " with a wrong password", 401, console.send("GET", path, USER, "wrong").statusCode());
            assertEquals(path + " with the default login, once a password is set", 401,
                    console.send("GET", path, "admin", "admin").statusCode());
        }
        HttpResponse<String> ok = console.get("/system/console/courier-processes.json", true);
        assertEquals(200, ok.statusCode());
        assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals("the pages are read-only", 405,
                console.send("POST", "/system/console/courier-processes.json", USER, PASSWORD).statusCode());
    }
}

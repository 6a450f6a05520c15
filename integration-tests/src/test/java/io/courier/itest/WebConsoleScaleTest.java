package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;

/**
 * SPEC B6, B4: 10,000 threads in the web console, in a real browser. The send chain example runs
 * with 10,000 extra clients (configured through ConfigAdmin, {@code conf/io.courier.example.sendchain.cfg}),
 * all SEND-blocked: the processes page shows them a page at a time and stays responsive, the
 * send graph draws them by process (screenshots {@code target/console-processes-10000.png} and
 * {@code target/console-send-graph-10000.png}). This runtime
 * keeps the Web Console's default login, which the browser on loopback may use.
 */
public class WebConsoleScaleTest {
    private static final int CLIENTS = 10_000;
    /** What drawing one page of data may take in the browser; freezing would take far longer. */
    private static final long DRAW_LIMIT_MS = 1000;
    private static WebConsole console;

    @BeforeClass
    public static void startRuntimeWithTenThousandThreads() throws Exception {
        console = WebConsole.start(null, null,
                runtime -> runtime.configure("io.courier.example.sendchain", Map.of("clients", Integer.toString(CLIENTS))),
                "example-send-chain");
        console.runtime.await("the send chain stands with its clients", WebConsole.START_LIMIT,
                line -> line.contains("send chain standing") && line.contains(CLIENTS + " clients"));
        console.logIn();
    }

    @AfterClass
    public static void stopBrowserAndRuntime() throws Exception {
        if (console != null) {
            console.close();
        }
    }

    @Test
    public void b6TenThousandThreadsArePagedAndThePageStaysResponsive() throws Exception {
        Map<String, Object> data = console.json("courier-processes", "");
        assertTrue(data.toString(), ((Number) data.get("threads")).intValue() >= CLIENTS + 4);

        console.openStill("courier-processes");
        WebElement root = console.driver().findElement(By.id("courier"));
        String summary = console.text("courier-summary");
        assertTrue(summary, summary.contains("SEND 10,00"));
        assertEquals("one page of rows in the page, not ten thousand", 100,
                console.driver().findElements(By.cssSelector("#courier-table-processes tbody tr")).size());
        assertTrue("drawn in " + root.getAttribute("data-render-ms") + " ms",
                Long.parseLong(root.getAttribute("data-render-ms")) < DRAW_LIMIT_MS);

        console.screenshot("console-processes-10000");
        console.driver().findElement(By.id("courier-next")).click();
        console.awaitText("courier-range", "101\u2013200");
        console.driver().findElement(By.id("courier-last")).click();
        console.waitFor("the last page", d -> console.text("courier-range")
                .matches(".*\\d+\u2013(\\d{1,3}(,\\d{3})*) of \\1\\s*"));
        long t0 = System.nanoTime();
        Object answer = ((JavascriptExecutor) console.driver()).executeScript(
                "return document.querySelectorAll('#courier-table-processes tbody tr').length;");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue("the page answers a script at once (" + ms + " ms)", ms < 2000);
        assertTrue(answer.toString(), ((Number) answer).intValue() <= 100);
    }

    @Test
    public void b6TenThousandBlockedThreadsAreDrawnByProcess() throws Exception {
        console.openStill("courier-sends");
        WebElement graph = console.waitFor("the graph is drawn", d -> d.findElements(By.id("courier-graph")).stream()
                .findFirst().orElse(null));
        assertEquals("process", graph.getAttribute("data-level"));
        List<WebElement> nodes = graph.findElements(By.cssSelector("g.node"));
        assertEquals("chain-a to chain-d and chain-load", 5, nodes.size());
        assertTrue(graph.getText(), graph.getText().contains("SEND \u00d710,000"));
        assertEquals("the refused cycle still highlighted, by process", 3,
                graph.findElements(By.cssSelector("g.node.cycle")).size());
        WebElement root = console.driver().findElement(By.id("courier"));
        assertTrue("drawn in " + root.getAttribute("data-render-ms") + " ms",
                Long.parseLong(root.getAttribute("data-render-ms")) < DRAW_LIMIT_MS);
        console.screenshot("console-send-graph-10000");
    }
}

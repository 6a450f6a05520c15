package io.courier.itest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.json.Json;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The runtime's web console as the tests reach it: a runtime ({@link ChildRuntime}) with the
 * Web Console's login set through ConfigAdmin, a headless browser ({@link Browser}) logged in
 * to it, and plain HTTP requests for what a script would fetch. Everything on 127.0.0.1.
 */
final class WebConsole implements AutoCloseable {
    /** The Web Console's configuration PID (its login). */
    static final String CONSOLE_PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";
    static final Duration START_LIMIT = Duration.ofSeconds(30);
    static final Duration LIMIT = Duration.ofSeconds(15);

    final ChildRuntime runtime;
    final String user;
    final String password;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ChromeDriver driver;

    private WebConsole(ChildRuntime runtime, String user, String password) {
        this.runtime = runtime;
        this.user = user;
        this.password = password;
    }

    /**
     * Starts a copy of the runtime with {@code examples} in {@code deploy/}, its console's login
     * {@code user} / {@code password} (null for none: the console's default), and waits until
     * the Courier pages answer. {@code configure} may write more configuration first.
     */
    static WebConsole start(String user, String password, ConfigureStep configure, String... examples)
            throws Exception {
        Browser.require();
        ChildRuntime runtime = new ChildRuntime();
        WebConsole console = new WebConsole(runtime, user == null ? "admin" : user, password == null ? "admin" : password);
        try {
            if (password != null) {
                runtime.configure(CONSOLE_PID, Map.of("username", user, "password", password,
                        "default.render", "courier-processes"));
            }
            configure.apply(runtime);
            for (String example : examples) {
                runtime.deploy(CourierTestSupport.courierJar(example), example + ".jar");
            }
            runtime.start();
            runtime.await("the kernel booted", START_LIMIT, line -> line.contains("Courier kernel booted"));
            console.awaitStatus("the Courier pages answer", "/system/console/courier-processes.json", true, 200);
            console.driver = Browser.start();
            return console;
        } catch (Exception | AssertionError e) {
            console.close();
            throw e;
        }
    }

    /** What a test writes into the runtime's {@code conf/} before it starts. */
    @FunctionalInterface
    interface ConfigureStep {
        void apply(ChildRuntime runtime) throws IOException;
    }

    WebDriver driver() {
        return driver;
    }

    String base() {
        return "http://127.0.0.1:" + runtime.httpPort();
    }

    /** Logs the browser in as a person does: the address with the login, then without it. */
    void logIn() {
        driver.get("http://" + user + ":" + password + "@127.0.0.1:" + runtime.httpPort() + "/system/console/courier-processes");
        open("courier-processes");
    }

    /** Opens a Courier page and waits until its script has drawn its first data. */
    void open(String label) {
        driver.get(base() + "/system/console/" + label);
        waitFor(label + " drawn", d -> d.findElements(org.openqa.selenium.By.cssSelector("#courier[data-snapshot]")).size() == 1);
    }

    /**
     * Opens a Courier page and turns its live refresh off, so that what the test reads is not
     * redrawn under it: returns once the page has drawn data after the switch.
     */
    void openStill(String label) {
        open(label);
        org.openqa.selenium.WebElement live = driver.findElement(org.openqa.selenium.By.id("courier-live"));
        if (live.isSelected()) {
            live.click();
        }
        long before = snapshot();
        driver.findElement(org.openqa.selenium.By.id("courier-refresh")).click();
        waitFor(label + " drawn again, still", d -> snapshot() > before);
    }

    /** The number of the snapshot the page drew last (0 before its first). */
    long snapshot() {
        Object s = driver.executeScript("return document.getElementById('courier').getAttribute('data-snapshot');");
        return s == null ? 0 : Long.parseLong(s.toString());
    }

    /** Waits until {@code condition} holds in the browser; fails after {@link #LIMIT} with {@code what}. */
    <T> T waitFor(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, LIMIT, Duration.ofMillis(100)).withMessage(what).until(condition::apply);
    }

    /**
     * The text of the element {@code id} ("" when there is none), read in one script so that a
     * page redrawing itself (live refresh) never hands back half of an old element.
     */
    String text(String id) {
        Object t = driver.executeScript("var e = document.getElementById(arguments[0]); return e ? e.innerText : '';", id);
        return t == null ? "" : t.toString();
    }

    /** Waits until the element {@code id} holds {@code text}, and returns all its text then. */
    String awaitText(String id, String text) {
        String[] seen = new String[1];
        waitFor("#" + id + " shows " + text, d -> {
            seen[0] = text(id);
            return seen[0].contains(text);
        });
        return seen[0];
    }

    /** A screenshot of the browser's window, as {@code target/<name>.png}. */
    Path screenshot(String name) throws IOException {
        Path png = Path.of("target", name + ".png").toAbsolutePath();
        Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
        return png;
    }

    /** A GET of {@code path} with the login (or without, for {@code withLogin} false). */
    HttpResponse<String> get(String path, boolean withLogin) throws IOException, InterruptedException {
        return send("GET", path, withLogin ? user : null, password);
    }

    /** A request of {@code method} to {@code path} with Basic {@code user:password} (no login for a null user). */
    HttpResponse<String> send(String method, String path, String user, String password)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.ISO_8859_1)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A page's data, as a script fetches it (with the login). */
    @SuppressWarnings("unchecked")
    Map<String, Object> json(String label, String query) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/system/console/" + label + ".json" + query, true);
        if (r.statusCode() != 200) {
            throw new AssertionError(label + ".json answered " + r.statusCode() + ": " + r.body());
        }
        return new Json().toType(r.body(), Map.class);
    }

    /** Polls {@code path} until it answers {@code status}; fails after {@link #START_LIMIT}. */
    void awaitStatus(String what, String path, boolean withLogin, int status) throws InterruptedException {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() - deadline < 0 && runtime.isAlive()) {
            try {
                HttpResponse<String> r = get(path, withLogin);
                if (r.statusCode() == status) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not within " + START_LIMIT + ": " + what + " (" + last + ")\n"
                + String.join("\n", runtime.output()));
    }

    @Override
    public void close() throws IOException {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            runtime.close();
        }
    }
}

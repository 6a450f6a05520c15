package io.courier.itest;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.Assume;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven by Debian's chromedriver: the only browser the tests use
 * (never one downloaded by a tool: the machines have no internet). Where it cannot be had, a
 * test says so plainly and is skipped on a workstation, but fails on CI ({@code CI=true}),
 * where {@code .ci/run} installs it.
 */
final class Browser {
    /** Where Debian puts the browser; {@code -Dcourier.chromium} names another. */
    static final Path CHROMIUM = Path.of(System.getProperty("courier.chromium", "/usr/bin/chromium"));
    /** Where Debian puts its driver; {@code -Dcourier.chromedriver} names another. */
    static final Path CHROMEDRIVER = Path.of(System.getProperty("courier.chromedriver", "/usr/bin/chromedriver"));

    private Browser() {
    }

    /** Whether the tests run on CI, where a missing browser is a failure. */
    static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Checks that the browser and its driver are there: on CI fails when not, elsewhere skips
     * the test, each time with a message that says what to install.
     */
    static void require() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.add(CHROMIUM + " (Debian package chromium)");
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            missing.add(CHROMEDRIVER + " (Debian package chromium-driver)");
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "NO BROWSER: the web console tests need " + String.join(" and ", missing)
                + "; install them with: apt-get update && apt-get install -y chromium chromium-driver"
                + " (.ci/run does so on CI)";
        System.err.println(message);
        if (onCi()) {
            throw new AssertionError(message);
        }
        Assume.assumeTrue(message, false);
    }

    /**
     * A new headless Chromium with an empty profile under {@code target/}: no background
     * networking, no component updates, no sync (the machines' network is closed), a window of
     * 1400x1000 for screenshots.
     */
    static ChromeDriver start() throws IOException {
        require();
        Path profile = Files.createTempDirectory(Path.of("target"), "chromium-profile-").toAbsolutePath();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps", "--window-size=1400,1000",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(30))
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        return driver;
    }
}

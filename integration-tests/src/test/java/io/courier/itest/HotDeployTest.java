package io.courier.itest;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.Test;
import org.osgi.framework.Bundle;

/** FileInstall hot deployment: a jar dropped in the watched folder runs; deleting it uninstalls it. */
public class HotDeployTest extends CourierTestSupport {
    private static final String HELLO = "io.courier.example-hello";
    private static final Duration LIMIT = Duration.ofSeconds(2);

    @Test
    public void shouldStartADroppedBundleAndUninstallItWhenItsFileIsDeleted() throws IOException {
        Path deploy = Path.of(context.getProperty(DEPLOY_DIR));
        Path jar = deploy.resolve("example-hello.jar");
        // Copied beside the folder, then moved in whole, so FileInstall never sees half a jar.
        Path staged = Files.copy(courierJar("example-hello"), deploy.resolveSibling(deploy.getFileName() + ".jar"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, jar, StandardCopyOption.ATOMIC_MOVE);

        await(HELLO + " ACTIVE after its jar was dropped", LIMIT,
                () -> installed(HELLO).map(Bundle::getState).orElse(0) == Bundle.ACTIVE);
        String location = installed(HELLO).orElseThrow().getLocation();
        assertTrue(location, location.endsWith(deploy.getFileName() + "/example-hello.jar"));

        Files.delete(jar);
        await(HELLO + " uninstalled after its jar was deleted", LIMIT, () -> installed(HELLO).isEmpty());
    }
}

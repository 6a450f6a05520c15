package io.courier.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * SPEC P4 on the users' path: {@code ./courier test} on a machine where a person runs and
 * configures the assembled runtime. Each test runtime starts from the configuration the build
 * ships ({@code runtime/src/main/dist/conf}), not from the assembled runtime's {@code conf/},
 * which {@code ./courier run} lets a person change (a network node there would make every test
 * runtime bind that node's port and call its peers; the web console saves its password there).
 * Only the HTTP service's port is the test's own.
 */
public class ChildRuntimeConfTest {
    @Test
    public void aTestRuntimeStartsFromTheConfigurationTheBuildShips() throws Exception {
        Path shipped = ChildRuntime.shippedConf();
        try (ChildRuntime r = new ChildRuntime()) {
            Path conf = r.home().resolve("conf");
            assertEquals(names(shipped), names(conf));
            for (String name : names(shipped)) {
                if (!name.equals("org.apache.felix.http.cfg")) {
                    assertArrayEquals(name, Files.readAllBytes(shipped.resolve(name)), Files.readAllBytes(conf.resolve(name)));
                }
            }
            String http = Files.readString(conf.resolve("org.apache.felix.http.cfg"));
            assertEquals(http, true, http.contains("org.osgi.service.http.port=" + r.httpPort()));
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

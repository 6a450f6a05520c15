package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * SPEC B1 and the layout of servers, clients and their API bundles, read from the generated
 * manifests of every example bundle: only {@code *-api} bundles export packages, so no client
 * (nor any other bundle) can import a package from a server bundle, and a server's update or
 * removal never makes OSGi refresh, stop or unresolve its clients.
 */
public class ExampleBundleLayoutTest {
    /** The example pairs and what each side must import from its API bundle. */
    private static final Map<String, String> API_PACKAGE_OF = Map.of(
            "example-checksum", "io.courier.examples.checksum",
            "example-async", "io.courier.examples.async",
            "example-shm-handles", "io.courier.examples.shm.handles",
            "example-shm-posix", "io.courier.examples.shm.posix");

    private static Map<String, Manifest> exampleManifests() throws IOException {
        Map<String, Manifest> out = new TreeMap<>();
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty("courier.bundles")))) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().startsWith("example-")).toList()) {
                try (JarFile j = new JarFile(jar.toFile())) {
                    out.put(jar.getFileName().toString().replace(".jar", ""), j.getManifest());
                }
            }
        }
        return out;
    }

    /** The package names of an Import-Package or Export-Package header (null: none). */
    static Set<String> packages(String header) {
        Set<String> out = new TreeSet<>();
        if (header == null) {
            return out;
        }
        boolean quoted = false;
        StringBuilder clause = new StringBuilder();
        List<String> clauses = new ArrayList<>();
        for (char c : header.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                clauses.add(clause.toString());
                clause.setLength(0);
            } else {
                clause.append(c);
            }
        }
        clauses.add(clause.toString());
        for (String c : clauses) {
            out.add(c.split(";", 2)[0].trim());
        }
        return out;
    }

    @Test
    public void shouldParseManifestHeadersWithQuotedAttributes() {
        assertEquals(Set.of("a.b", "c", "d.e"),
                packages("a.b;version=\"[0.1,1)\",c;uses:=\"x,y\",d.e"));
        assertEquals(Set.of(), packages(null));
    }

    @Test
    public void shouldExportPackagesFromApiBundlesOnly() throws IOException {
        Map<String, Manifest> manifests = exampleManifests();
        assertTrue("the example bundles were copied: " + manifests.keySet(), manifests.size() >= 15);
        for (Map.Entry<String, Manifest> e : manifests.entrySet()) {
            Set<String> exported = packages(e.getValue().getMainAttributes().getValue("Export-Package"));
            if (e.getKey().endsWith("-api")) {
                assertFalse(e.getKey() + " exports its protocol", exported.isEmpty());
            } else {
                assertEquals(e.getKey() + " exports nothing: no bundle can be wired to it", Set.of(), exported);
            }
        }
    }

    @Test
    public void shouldHaveEveryClientAndServerImportTheirProtocolFromTheApiBundle() throws IOException {
        Map<String, Manifest> manifests = exampleManifests();
        Map<String, String> exporter = new TreeMap<>();
        manifests.forEach((name, m) -> packages(m.getMainAttributes().getValue("Export-Package"))
                .forEach(p -> exporter.put(p, name)));
        for (Map.Entry<String, String> pair : API_PACKAGE_OF.entrySet()) {
            String api = pair.getKey() + "-api";
            assertEquals(pair.getValue() + " comes from " + api, api, exporter.get(pair.getValue()));
            List<String> sides = manifests.keySet().stream()
                    .filter(n -> n.startsWith(pair.getKey() + "-") && !n.equals(api)).toList();
            assertEquals(pair.getKey() + " has a server (or creator) and a client (or user): " + sides, 2, sides.size());
            for (String side : sides) {
                Set<String> imported = packages(manifests.get(side).getMainAttributes().getValue("Import-Package"));
                assertTrue(side + " imports " + pair.getValue() + ": " + imported, imported.contains(pair.getValue()));
                for (String p : imported) {
                    String from = exporter.get(p);
                    assertTrue(side + " imports " + p + " from " + from + ", an API bundle",
                            from == null || from.endsWith("-api"));
                }
            }
        }
    }
}

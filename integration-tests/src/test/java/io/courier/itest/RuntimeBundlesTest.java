package io.courier.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

/**
 * One list: the runtime folder's {@code boot/} and {@code bundle/} (which the Pax Exam tests
 * install too) hold exactly the {@code -runbundles} of {@code runtime/courier.bndrun}, each in
 * the version range the resolver wrote.
 */
public class RuntimeBundlesTest {
    private static final Pattern RUNBUNDLE = Pattern.compile("([^;,\\s]+);version='([^']+)'");

    @Test
    public void shouldHoldExactlyTheResolvedRunbundles() throws IOException {
        Map<String, VersionRange> resolved = runbundles(CourierTestSupport.runtimeHome().resolve("../../courier.bndrun"));
        assertTrue("courier.bndrun names the Courier bundles: " + resolved, resolved.containsKey("io.courier.kernel"));

        Map<String, Version> present = new TreeMap<>();
        for (String folder : new String[] {"boot", "bundle"}) {
            try (Stream<Path> jars = Files.list(CourierTestSupport.runtimeHome().resolve(folder))) {
                for (Path jar : jars.toList()) {
                    Manifest manifest;
                    try (JarFile file = new JarFile(jar.toFile())) {
                        manifest = file.getManifest();
                    }
                    String bsn = manifest.getMainAttributes().getValue("Bundle-SymbolicName").split(";")[0].trim();
                    present.put(bsn, Version.parseVersion(manifest.getMainAttributes().getValue("Bundle-Version")));
                }
            }
        }
        assertEquals("the bundles of the runtime folder", resolved.keySet(), present.keySet());
        resolved.forEach((bsn, range) -> assertTrue(bsn + " " + present.get(bsn) + " in " + range,
                range.includes(present.get(bsn))));
    }

    /** The -runbundles of a bndrun file: symbolic name to version range. */
    private static Map<String, VersionRange> runbundles(Path bndrun) throws IOException {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(bndrun)) {
            props.load(in);
        }
        String value = props.getProperty("-runbundles", "");
        Map<String, VersionRange> out = new TreeMap<>();
        Matcher m = RUNBUNDLE.matcher(value);
        while (m.find()) {
            out.put(m.group(1), new VersionRange(m.group(2)));
        }
        return out;
    }
}

package io.courier.net.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh folder as {@code courier.net.root} (where nodes started in this JVM make their media
 * driver's folders) for one test: {@link #close} puts the property back as it was and deletes the
 * folder with everything in it.
 */
final class NetRootForTest implements AutoCloseable {
    private static final String PROPERTY = "courier.net.root";

    private final Path path;
    private final String before;

    NetRootForTest(String prefix) throws IOException {
        path = Files.createTempDirectory(prefix);
        before = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, path.toString());
    }

    /** The folder. */
    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        if (before == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, before);
        }
        try (Stream<Path> s = Files.walk(path)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

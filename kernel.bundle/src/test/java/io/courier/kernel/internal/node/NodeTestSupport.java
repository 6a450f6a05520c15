package io.courier.kernel.internal.node;

import io.courier.node.NodeFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A node of its own for every test: a fresh root folder under {@code /dev/shm}, deleted after the
 * test, so tests never meet each other or a real node.
 */
public abstract class NodeTestSupport {
    protected Path root;
    protected String nodeName;
    protected NodeFolder folder;

    @BeforeEach
    void makeNode() throws IOException {
        Path base = Path.of(NodeFolder.DEFAULT_ROOT);
        root = Files.createTempDirectory(Files.isDirectory(base) ? base : Path.of(System.getProperty("java.io.tmpdir")),
                "courier-kernel-node-test-");
        nodeName = "k" + ProcessHandle.current().pid();
        folder = NodeFolder.open(root, nodeName);
    }

    @AfterEach
    void deleteNode() throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}

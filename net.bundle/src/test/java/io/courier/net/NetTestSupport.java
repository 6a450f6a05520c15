package io.courier.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A folder for each test (key files, child logs) and the nodes it started, all cleaned up after. */
abstract class NetTestSupport {
    static final long HEARTBEAT_MS = 250;
    /** Below the default 2 s, so that "noticed within 2 s" holds with a heartbeat of margin. */
    static final long DEAD_AFTER_MS = 1_500;

    protected Path dir;
    protected Path keyFile;
    protected final List<AutoCloseable> started = new ArrayList<>();

    @BeforeEach
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("courier-net-test-");
        keyFile = key("key", "correct horse battery staple\n");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // Go on closing the rest.
            }
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    Path key(String fileName, String text) throws IOException {
        Path f = dir.resolve(fileName);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    ChildNode child(String name, int port, Path key, String... peers) throws IOException {
        ChildNode c = ChildNode.start(dir, name, port, key, HEARTBEAT_MS, DEAD_AFTER_MS, peers);
        started.add(c);
        return c;
    }

    /** Node {@code name} on loopback {@code port} with {@code peers} ("name@host:port"), the test's key and timings. */
    NetConfig config(String name, int port, String... peers) {
        return new NetConfig(name, NetConfig.DEFAULT_BIND_HOST, port,
                Arrays.stream(peers).map(NetConfig.Peer::parse).toList(), NetConfig.keyFromFile(keyFile),
                Duration.ofMillis(HEARTBEAT_MS), Duration.ofMillis(DEAD_AFTER_MS));
    }

    /** A network for a kernel of this JVM (node {@code name}), closed after the test. */
    NetNetwork network(String name, int port, String... peers) {
        NetNetwork n = NetNetwork.start(config(name, port, peers));
        started.add(n);
        return n;
    }

    /** A node in this JVM, its events in {@code events}. */
    NetNode node(String name, int port, Events events, String... peers) {
        NetNode n = NetNode.start(config(name, port, peers), events);
        events.node = n;
        started.add(n);
        return n;
    }

    static String at(String name, int port) {
        return name + "@127.0.0.1:" + port;
    }
}

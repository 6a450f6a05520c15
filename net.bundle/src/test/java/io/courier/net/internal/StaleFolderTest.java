package io.courier.net.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.net.NetConfig;
import io.courier.net.NetListener;
import io.courier.net.NetNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A node killed with kill -9 leaves its media driver's folder (in {@code /dev/shm}, so memory);
 * the next start of a node of that name deletes such folders: only its own name's, only those
 * older than the driver timeout whose driver's heartbeat stopped, never a running node's.
 */
class StaleFolderTest {
    private static void old(Path d) throws Exception {
        Files.setLastModifiedTime(d, FileTime.from(Instant.now().minusSeconds(60)));
    }

    @Test
    void aStartDeletesTheFoldersItsNameLeftButNoLiveOrForeignOne() throws Exception {
        try (NetRootForTest root = new NetRootForTest("courier-net-sweep-")) {
            Path base = root.path();
            Path dead = Files.createDirectories(base.resolve("courier-net-x-123").resolve("aeron"));
            Files.writeString(dead.resolve("cnc.dat"), "not a driver any more");
            old(dead.getParent());
            Path young = Files.createDirectories(base.resolve("courier-net-x-456"));
            Path other = Files.createDirectories(base.resolve("courier-net-xy-789"));
            old(other);
            Path notNodes = Files.createDirectories(base.resolve("courier-net-x-abc"));
            old(notNodes);
            // A node "x" that runs, its folder made to look old: its driver's heartbeat keeps it.
            NetConfig config = NetConfig.of("x", freePort(), List.of(), "0123456789abcdef0123456789abcdef".getBytes());
            try (NetNode live = NetNode.start(config, new NetListener() {
                @Override
                public void nodeUp(int nd, String name, long incarnation) {
                }

                @Override
                public void nodeDown(int nd, String name, String reason) {
                }
            })) {
                assertFalse(Files.exists(dead.getParent()), "the dead node's folder went with the next start of " + live.name());
                Path running;
                try (Stream<Path> s = Files.list(base)) {
                    running = s.filter(p -> p.getFileName().toString().matches("courier-net-x-\\d+") && !p.equals(young))
                            .findFirst().orElseThrow();
                }
                old(running);
                NetNodeImpl.sweepStale(base, "x");
                assertTrue(Files.exists(running), "a running node's folder stays");
                assertTrue(Files.exists(young), "a folder younger than the driver timeout stays");
                assertTrue(Files.exists(other), "another node's folder stays");
                assertTrue(Files.exists(notNodes), "a folder not named as a node's stays");
            }
        }
    }

    private static int freePort() throws Exception {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

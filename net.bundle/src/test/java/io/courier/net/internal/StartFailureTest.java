package io.courier.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.net.NetConfig;
import io.courier.net.NetListener;
import io.courier.net.NetNode;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SPEC B3, a node that cannot start: its UDP port held by another process (another runtime
 * configured with the same port, say). The start fails with a message that names the port and
 * says it is in use, rather than Aeron's registration error, and leaves nothing behind: no media
 * driver folder, and the port free for the next try, which then starts.
 */
class StartFailureTest {
    private static final NetListener QUIET = new NetListener() {
        @Override
        public void nodeUp(int nd, String name, long incarnation) {
        }

        @Override
        public void nodeDown(int nd, String name, String reason) {
        }
    };

    @Test
    void b3ANodeWhosePortIsTakenFailsWithAMessageThatSaysSoAndLeavesNothing() throws Exception {
        try (NetRootForTest root = new NetRootForTest("courier-net-start-")) {
            Path base = root.path();
            int port;
            NetConfig config;
            try (DatagramSocket holder = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                port = holder.getLocalPort();
                config = NetConfig.of("taken", port, List.of(), "0123456789abcdef0123456789abcdef".getBytes());
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> NetNode.start(config, QUIET));
                assertEquals("node taken cannot start on 127.0.0.1:" + port + ": UDP port " + port
                        + " is in use by another process (another runtime configured as a node with this port?)",
                        e.getMessage());
                try (Stream<Path> s = Files.list(base)) {
                    assertEquals(List.of(), s.toList(), "the failed node's media driver folder is gone");
                }
            }
            // The holder gone, the same configuration starts.
            try (NetNode node = NetNode.start(config, QUIET)) {
                assertEquals("taken", node.name());
                try (Stream<Path> s = Files.list(base)) {
                    assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("courier-net-taken-")));
                }
            }
        }
    }
}

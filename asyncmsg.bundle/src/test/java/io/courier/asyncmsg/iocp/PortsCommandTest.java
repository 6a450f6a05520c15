package io.courier.asyncmsg.iocp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.internal.osgi.PortsCommand;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SPEC A7: the {@code ports} shell command shows ports and their pending operations. */
@Timeout(30)
class PortsCommandTest {

    @Test
    void a7_portsCommandListsAPendingReceive() throws Exception {
        try (IoCompletionPort port = IoCompletionPort.create();
                ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                    SocketChannel accepted = server.accept()) {
                accepted.configureBlocking(false);
                OverlappedIo io = new OverlappedIo(ByteBuffer.allocate(16), 16, "the-handle");
                assertTrue(port.startRecv(accepted, io) == 1, "nothing to read yet: pending");
                String out = new PortsCommand().ports();
                assertTrue(out.contains("open") && out.contains("RECV") && out.contains("0/16"), out);
                assertTrue(out.contains("the-handle"), out);
                assertTrue(client.isConnected());
            }
        }
    }
}

package io.courier.benchmarks.iocp;

import java.io.IOException;
import java.net.InetSocketAddress;

/** An echo server on loopback under benchmark: where to connect, and how to stop it. */
public interface EchoServer extends AutoCloseable {
    /** The loopback address the server listens on. */
    InetSocketAddress address();

    /** Stops accepting, stops the server's threads and closes its sockets. */
    @Override
    void close() throws IOException;

    /** Makes the server named {@code kind} ({@code iocp} or {@code jdk}) with {@code threads} threads. */
    static EchoServer start(String kind, int threads, int bufferSize) throws Exception {
        return switch (kind) {
            case "iocp" -> new IocpEchoServer(threads, bufferSize);
            case "jdk" -> new JdkAsyncEchoServer(threads, bufferSize);
            default -> throw new IllegalArgumentException("unknown server " + kind);
        };
    }
}

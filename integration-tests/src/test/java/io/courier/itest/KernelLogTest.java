package io.courier.itest;

import static org.junit.Assert.assertEquals;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;

/**
 * What the kernel logs in the runtime (through pax-logging to Logback and the OSGi log that
 * Gogo's {@code log} shows): a bundle becoming a process, its names attached and detached and
 * its death at INFO; nothing per message above DEBUG.
 */
public class KernelLogTest extends CourierTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final String SERVER = "io.courier.example-checksum-server";

    @Test
    public void shouldLogABundleBecomingAProcessItsNameAndItsDeathAtInfo() throws Exception {
        try (LogRecorder log = new LogRecorder(context, LIMIT)) {
            // The server's message formats and name live in their API bundle.
            Bundle api = context.installBundle(courierJar("example-checksum-api").toUri().toString());
            Bundle server = context.installBundle(courierJar("example-checksum-server").toUri().toString());
            server.start();
            String made = log.await("the server bundle becoming a process", LIMIT, LogLevel.INFO,
                    m -> m.startsWith("bundle " + SERVER + " (" + server.getBundleId() + ") is process ")).getMessage();
            String pid = made.substring(made.lastIndexOf(' ') + 1);
            log.await("its name attached", LIMIT, LogLevel.INFO,
                    m -> m.startsWith("name 'checksum' attached by process " + pid + " (" + SERVER + "), chid "));

            server.uninstall();
            log.await("its name detached", LIMIT, LogLevel.INFO,
                    m -> m.startsWith("name 'checksum' detached by process " + pid + " (" + SERVER + ")"));
            LogEntry died = log.await("its death", LIMIT, LogLevel.INFO,
                    m -> m.equals("process " + pid + " (" + SERVER + ") died"));
            assertEquals("io.courier.kernel.internal.MicrokernelImpl", died.getLoggerName());
            api.uninstall();
        }
    }

    @Test
    public void shouldLogNothingPerMessageAboveDebug() throws Exception {
        Microkernel mk = context.getService(awaitService(Microkernel.class, LIMIT));
        Kernel server = mk.process("quiet-server");
        Kernel client = mk.process("quiet-client");
        int chid = server.channelCreate(0);
        Thread receiver = Thread.ofPlatform().daemon().name("quiet-server").start(() -> {
            ByteBuffer in = ByteBuffer.allocate(64);
            try {
                for (;;) {
                    long rcvid = server.msgReceive(chid, in.clear(), null);
                    if (rcvid > 0) {
                        server.msgReply(rcvid, 0, null);
                    }
                }
            } catch (RuntimeException e) {
                // the server's death ends it
            }
        });
        try (LogRecorder log = new LogRecorder(context, LIMIT)) {
            int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
            ByteBuffer out = ByteBuffer.allocate(16);
            for (int i = 0; i < 1_000; i++) {
                client.msgSend(coid, out.clear(), null, LIMIT);
                if (i % 10 == 0) {
                    client.msgSendPulse(coid, 10, 1, i);
                }
            }
            client.connectDetach(coid);
            List<LogEntry> loud = log.atLeast(LogLevel.INFO, "io.courier");
            assertEquals("Courier's INFO and above while 1,000 messages and 100 pulses went by:\n" + log, List.of(), loud);
        } finally {
            server.exit();
            client.exit();
            receiver.join(LIMIT.toMillis());
        }
    }
}

package io.courier.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** Flight Recorder events for kernel calls (issue: tracing beyond QNX). */
class TracingTest extends KernelTestSupport {

    @Test
    void kernelCallsAreRecordedWithTheirIds() throws Exception {
        Path file = Files.createTempFile("courier", ".jfr");
        try (Recording r = new Recording()) {
            for (String e : new String[] {"io.courier.MsgSend", "io.courier.MsgReceive", "io.courier.MsgReply",
                "io.courier.Pulse", "io.courier.ProcessDeath"}) {
                r.enable(e).withThreshold(java.time.Duration.ZERO);
            }
            r.start();
            Kernel server = mk.process("server");
            Kernel client = mk.process("client");
            int chid = server.channelCreate(0);
            int coid = client.connectAttach(0, server.pid(), chid, 0, 0);
            Future<Integer> c = async(() -> client.msgSend(coid, text("traced"), null));
            long rcvid = server.msgReceive(chid, ByteBuffer.allocate(16), null);
            server.msgReply(rcvid, 42, null);
            assertEquals(42, await(c));
            client.msgSendPulse(coid, 10, 3, 33);
            client.exit();
            r.stop();
            r.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            RecordedEvent send = one(events, "io.courier.MsgSend");
            assertEquals(client.pid(), send.getInt("pid"));
            assertEquals(server.pid(), send.getInt("serverPid"));
            assertEquals(chid, send.getInt("chid"));
            assertEquals(rcvid, send.getLong("rcvid"));
            assertEquals(6, send.getInt("bytes"));
            assertEquals(42, send.getInt("status"));
            RecordedEvent receive = events.stream().filter(e -> e.getEventType().getName().equals("io.courier.MsgReceive"))
                    .filter(e -> e.getLong("rcvid") == rcvid).findFirst().orElseThrow();
            assertEquals(server.pid(), receive.getInt("pid"));
            assertEquals(42, one(events, "io.courier.MsgReply").getInt("status"));
            assertEquals(33, one(events, "io.courier.Pulse").getLong("value"));
            RecordedEvent death = one(events, "io.courier.ProcessDeath");
            assertEquals("client", death.getString("name"));
            assertEquals(1, death.getInt("connections"));
            assertTrue(send.getDuration().toNanos() >= 0);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static RecordedEvent one(List<RecordedEvent> events, String type) {
        List<RecordedEvent> found = events.stream().filter(e -> e.getEventType().getName().equals(type)).toList();
        assertEquals(1, found.size(), type + ": " + found);
        return found.get(0);
    }
}

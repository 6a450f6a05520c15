package io.courier.kernel.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SPEC K16 and K19: the pidin and names commands over a real kernel. */
@Timeout(30)
class PidinCommandTest {

    @Test
    void pidinShowsStatesBlockedOnConnectionsSendsAndNames() throws Exception {
        try (Microkernel mk = Microkernel.boot()) {
            Kernel server = mk.process("server");
            Kernel client = mk.process("client");
            int chid = server.nameAttach("checksum", 0).chid();
            int coid = client.connectAttach(0, server.pid(), chid, Kernel.SIDE_CHANNEL, 0);
            java.util.concurrent.CountDownLatch looked = new java.util.concurrent.CountDownLatch(1);
            Thread receiver = Thread.ofPlatform().start(() -> {
                server.setThreadName("worker");
                long rcvid = server.msgReceive(chid, ByteBuffer.allocate(64), null);
                try {
                    looked.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                server.msgReply(rcvid, 0, null);
            });
            Thread sender = Thread.ofPlatform().start(() -> {
                Kernel other = client;
                other.setThreadName("asker");
                other.msgSend(coid, ByteBuffer.allocate(4), null);
            });
            PidinCommand cmd = new PidinCommand(mk);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (mk.processes().stream().flatMap(p -> p.threads().stream())
                    .noneMatch(t -> t.state() == ThreadState.REPLY) && System.nanoTime() < end) {
                Thread.sleep(2);
            }
            String all = cmd.pidin();
            assertTrue(all.contains("pid") && all.contains("STATE") && all.contains("Blocked"), all);
            assertTrue(all.matches("(?s).*client/asker\\s+10r REPLY\\s+" + server.pid() + "\\b.*"), all);
            String fd = cmd.pidin("fd");
            assertTrue(fd.contains("0x40000000s"), fd);
            String sends = cmd.pidin("sends");
            // The server thread that received the message, and the channel it came on.
            assertTrue(sends.matches("(?s)client\\[" + client.pid() + "/\\d+\\] --REPLY--> server\\[" + server.pid()
                    + "/\\d+\\] chid " + chid + "\n"), sends);
            assertTrue(cmd.names().startsWith("checksum"), cmd.names());
            assertTrue(cmd.pidin("nonsense").startsWith("usage"));
            Kernel idle = mk.process("idle");
            idle.channelCreate(0);
            assertTrue(cmd.pidin().matches("(?s).*\\b" + idle.pid() + "\\s+-\\s+idle\\s+-\\s+\\(none\\)\\s+no thread in the kernel.*"),
                    "a process whose only caller was lent to it shows one clear row: " + cmd.pidin());
            looked.countDown();
            sender.join(10_000);
            receiver.join(10_000);
        }
    }

    @Test
    void pidinSendsListsTheSendsRefusedAsCycles() throws Exception {
        try (Microkernel mk = Microkernel.boot()) {
            Kernel a = mk.process("A");
            Kernel b = mk.process("B");
            PidinCommand cmd = new PidinCommand(mk);
            assertTrue(cmd.pidin("sends").equals("no thread is SEND- or REPLY-blocked\n"), cmd.pidin("sends"));
            int[] ch = new int[2];
            java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch refused = new java.util.concurrent.CountDownLatch(1);
            Thread bThread = Thread.ofPlatform().start(() -> {
                ch[1] = b.channelCreate(0);
                made.countDown();
                long fromA = b.msgReceive(ch[1], ByteBuffer.allocate(8), null);
                try {
                    b.msgSend(b.connectAttach(0, a.pid(), ch[0], 0, 0), ByteBuffer.allocate(4), null);
                } catch (io.courier.kernel.KernelException e) {
                    refused.countDown();
                }
                b.msgReply(fromA, 0, null);
            });
            assertTrue(made.await(10, TimeUnit.SECONDS));
            Thread aThread = Thread.ofPlatform().start(() -> {
                ch[0] = a.channelCreate(0);
                a.msgSend(a.connectAttach(0, b.pid(), ch[1], 0, 0), ByteBuffer.allocate(4), null);
            });
            assertTrue(refused.await(10, TimeUnit.SECONDS), "B's send to A was refused");
            aThread.join(10_000);
            bThread.join(10_000);
            String sends = cmd.pidin("sends");
            assertTrue(sends.matches("(?s)no thread is SEND- or REPLY-blocked\nrefused \\(EDEADLK\\) at \\S+: B\\["
                    + b.pid() + "/1\\] -> A\\[" + a.pid() + "/1\\] REPLY -> B\\[" + b.pid() + "/1\\]\n"), sends);
        }
    }
}

package io.courier.kernel.seeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The course's first exercise, server.c and client.c: the client sends a string to the
 * checksum server (found by pid and chid), which replies with the checksum (SPEC K1–K4).
 */
class ChecksumServerClientTest extends SeedSupport {

    /** server.c: create a channel, then receive, checksum and reply forever. */
    static int server(Kernel k, int[] chidOut, int requests) {
        int chid = k.channelCreate(0);
        chidOut[0] = chid;
        ByteBuffer msg = ByteBuffer.allocate(256);
        int served = 0;
        while (served < requests) {
            msg.clear();
            long rcvid = k.msgReceive(chid, msg, null);
            if (rcvid <= 0) {
                continue;
            }
            if (type(msg) != CKSUM_MSG_TYPE) {
                k.msgError(rcvid, Errno.ENOSYS);
                continue;
            }
            k.msgReply(rcvid, Errno.EOK.code(), intReply(checksum(requestText(msg))));
            served++;
        }
        return served;
    }

    /** client.c: connect by pid/chid, send the text, print the checksum. */
    static int client(Kernel k, int pid, int chid, String text) {
        int coid = k.connectAttach(0, pid, chid, Kernel.SIDE_CHANNEL, 0);
        ByteBuffer reply = ByteBuffer.allocate(4);
        int status = k.msgSend(coid, checksumRequest(text), reply);
        assertEquals(Errno.EOK.code(), status);
        assertEquals(4, reply.position());
        k.connectDetach(coid);
        return intOf(reply);
    }

    @Test
    void clientGetsTheChecksumOfItsString() throws Exception {
        Kernel server = mk.process("server");
        int[] chid = {-1};
        Future<Integer> srv = start(() -> server(server, chid, 3));
        eventually("the server created its channel", () -> chid[0] > 0);
        for (String text : new String[] {"abc", "hello world", "Courier"}) {
            Kernel client = mk.process("client");
            assertEquals(checksum(text), client(client, server.pid(), chid[0], text));
            client.exit();
        }
        assertEquals(3, await(srv));
    }

    @Test
    void questionsOfTheExerciseStatesAndAMissingReply() throws Exception {
        // 1-2: the client goes SEND- then REPLY-blocked; 3: without MsgReply it stays REPLY-blocked.
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int chid = server.channelCreate(0);
        Future<Integer> c = start(() -> client(client, server.pid(), chid, "abc"));
        eventually("client SEND-blocked", () -> stateOf(client.pid()) == ThreadState.SEND);
        ByteBuffer msg = ByteBuffer.allocate(64);
        long rcvid = server.msgReceive(chid, msg, null);
        eventually("client REPLY-blocked", () -> stateOf(client.pid()) == ThreadState.REPLY);
        Thread.sleep(50);
        assertEquals(ThreadState.REPLY, stateOf(client.pid()), "no reply: it stays REPLY-blocked");
        server.msgReply(rcvid, 0, intReply(checksum(requestText(msg))));
        assertEquals(checksum("abc"), await(c));
    }

    @Test
    void aWrongMessageTypeGetsAnError() {
        Kernel server = mk.process("server");
        Kernel client = mk.process("client");
        int[] chid = {-1};
        start(() -> server(server, chid, 1));
        try {
            eventually("channel", () -> chid[0] > 0);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        int coid = client.connectAttach(0, server.pid(), chid[0], 0, 0);
        KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                () -> client.msgSend(coid, ByteBuffer.allocate(4), null));
        assertEquals(Errno.ENOSYS, e.errno());
        assertTrue(client.msgSend(coid, checksumRequest("x"), ByteBuffer.allocate(4)) == 0);
    }

    private ThreadState stateOf(int pid) {
        return mk.processes().stream().filter(p -> p.pid() == pid).flatMap(p -> p.threads().stream())
                .map(t -> t.state()).filter(s -> s != ThreadState.RUNNING && s != ThreadState.READY).findFirst()
                .orElse(ThreadState.READY);
    }
}

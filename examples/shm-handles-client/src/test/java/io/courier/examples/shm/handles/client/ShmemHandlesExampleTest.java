package io.courier.examples.shm.handles.client;

import io.courier.examples.shm.handles.ShmemQnx;
import io.courier.examples.shm.handles.server.ShmemServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example's server and client, embedded: SPEC S4, S6. */
@Timeout(60)
class ShmemHandlesExampleTest {
    private Microkernel mk;

    @BeforeEach
    void boot() {
        mk = Microkernel.boot();
    }

    @AfterEach
    void close() {
        mk.close();
    }

    @Test
    void s6ClientsExchangeThroughAHandledObjectOneAfterAnother() {
        List<String> got = new CopyOnWriteArrayList<>();
        ShmemServer server = new ShmemServer(mk.process("shmem_qnx_server"), "Answer from server", got::add);
        assertEquals("Answer from server", ShmemClient.exchange(mk.process("client-1"), "first"));
        assertEquals("Answer from server", ShmemClient.exchange(mk.process("client-2"), "second"));
        assertEquals(List.of("first", "second"), got);
        assertFalse(server.serving(), "released");
        server.close();
    }

    @Test
    void s6TheServerCleansUpAfterAClientThatDies() throws Exception {
        ShmemServer server = new ShmemServer(mk.process("shmem_qnx_server"), "ok", text -> { });
        Kernel client = mk.process("client");
        int coid = client.nameOpen(ShmemQnx.SHMEM_SERVER_NAME, 0);
        client.msgSend(coid, ShmemQnx.getMsg(8192), ShmemQnx.buffer(8));
        client.exit();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.serving() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertFalse(server.serving(), "the DISCONNECT pulse made the server clean up");
        assertEquals("ok", ShmemClient.exchange(mk.process("next"), "next client"));
        server.close();
    }

    /**
     * The server deployed twice: the second stands by ({@code NameStandby}) instead of failing with
     * EEXIST, and serves once the first has gone.
     */
    @Test
    void s6ASecondServerStandsByAndServesOnceTheFirstCloses() throws Exception {
        ShmemServer first = new ShmemServer(mk.process("first"), "from first", text -> { });
        ShmemServer second = new ShmemServer(mk.process("second"), "from second", text -> { });
        assertEquals("from first", ShmemClient.exchange(mk.process("client-1"), "a"));
        first.close();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String got = null;
        for (int i = 0; got == null; i++) {
            try {
                got = ShmemClient.exchange(mk.process("client-" + (i + 2)), "b");
            } catch (io.courier.kernel.KernelException e) {
                if (e.errno() != io.courier.kernel.Errno.ENOENT || System.nanoTime() > end) {
                    throw e; // only the moment between the first's detach and the standby's attach
                }
                Thread.sleep(20);
            }
        }
        assertEquals("from second", got);
        second.close();
    }
}

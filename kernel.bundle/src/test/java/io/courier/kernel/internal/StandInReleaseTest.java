package io.courier.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.internal.node.NodeTestSupport;
import io.courier.kernel.internal.node.RingPairNetwork;
import io.courier.node.NodeFolder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stand-in of a client of another node (B3) is released when the client's last connection
 * here closes; the client's process lives on. Its pid is the other node's, so it may equal a pid
 * of this JVM: releasing the stand-in must not touch that process, nor its entry in this machine's
 * node process table (pidin of the node, B2), as a process's death does.
 */
@Timeout(60)
class StandInReleaseTest extends NodeTestSupport {

    @Test
    void b3AClientOfAnotherNodeThatDetachesLeavesTheLocalProcessOfTheSamePidListed() throws Exception {
        NodeFolder machine = NodeFolder.open(root, nodeName + "-machine");
        ExecutorService serverThread = Executors.newSingleThreadExecutor();
        try (MicrokernelImpl beta = new MicrokernelImpl(IdleStrategy.BACKOFF, machine);
                MicrokernelImpl alpha = new MicrokernelImpl(IdleStrategy.BACKOFF)) {
            RingPairNetwork[] net = RingPairNetwork.pair(folder, "alpha", "beta");
            alpha.joinNetwork(net[0]);
            beta.joinNetwork(net[1]);
            net[0].up();

            Kernel server = beta.process("server");
            int chid = CompletableFuture.supplyAsync(() -> server.channelCreate(0), serverThread).get(10, TimeUnit.SECONDS);
            CompletableFuture.runAsync(() -> {
                ByteBuffer msg = ByteBuffer.allocate(64);
                while (true) {
                    msg.clear();
                    try {
                        long rcvid = server.msgReceive(chid, msg, null);
                        if (rcvid != 0) {
                            server.msgReply(rcvid, 0, null);
                        }
                    } catch (KernelException e) {
                        return; // the kernel closed
                    }
                }
            }, serverThread);

            // A process of beta, and a client on alpha with the same pid (each node numbers its own).
            Kernel local = beta.process("local");
            List<Kernel> made = new ArrayList<>();
            Kernel client = null;
            for (int i = 0; i < 16 && client == null; i++) {
                Kernel k = alpha.process("client-" + i);
                made.add(k);
                if (k.pid() == local.pid()) {
                    client = k;
                }
            }
            assertTrue(client != null, "no client on alpha got pid " + local.pid() + ": " + made);
            assertTrue(beta.node.procs.listedHere().contains(local.pid()), "the local process is listed");

            int nd = client.netmgrStrtond("beta");
            for (int round = 0; round < 3; round++) {
                int coid = client.connectAttach(nd, server.pid(), chid, 0, 0);
                assertEquals(0, client.msgSend(coid, ByteBuffer.wrap(new byte[] {1, 2, 3}), ByteBuffer.allocate(8)));
                client.connectDetach(coid); // its last connection to beta: beta releases the stand-in
            }
            Thread.sleep(300); // the detach crosses the link; the release follows it

            assertTrue(beta.node.procs.listedHere().contains(local.pid()),
                    "the local process of the same pid is still listed: " + beta.node.procs.listedHere());
            assertTrue(beta.processes().stream().anyMatch(p -> p.pid() == local.pid()), "and alive");
            assertEquals(local.pid(), beta.process(local.pid()).orElseThrow().pid());
        } finally {
            serverThread.shutdownNow();
            serverThread.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}

package io.courier.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.iocp.IoCompletionPort;
import io.courier.examples.sendchain.SendChain;
import io.courier.kernel.Kernel;
import io.courier.kernel.Microkernel;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrHandler;
import io.courier.shm.SharedMemory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SPEC B6, K16, K19: the data of each console page, read from a real kernel with the example's
 * send chain and real asynchronous channels, completion ports, shared memory and resource
 * managers; large systems paged and aggregated.
 */
@Timeout(180)
class SystemViewTest {
    private final Microkernel mk = Microkernel.boot();
    private final SystemView view = new SystemView(mk);

    @AfterEach
    void closeKernel() {
        mk.close();
    }

    @Test
    void b6ProcessesPageIsPidinWithStateCountsFilterAndPaging() {
        try (SendChain chain = SendChain.start(mk, 0)) {
            Map<String, Object> all = view.data(Page.PROCESSES, Map.of());
            assertEquals(4, all.get("processes"));
            assertEquals(4, all.get("threads"));
            assertEquals(2, states(all).get("REPLY"), "chain-a and chain-b");
            assertEquals(1, states(all).get("SEND"), "chain-d");
            assertEquals(1, states(all).get("RECEIVE"), "chain-c");
            Map<String, Object> a = rows(all).get(0);
            assertEquals(chain.pids().get(0), a.get("pid"));
            assertEquals("chain-a", a.get("process"));
            assertEquals("REPLY", a.get("state"));
            assertEquals(chain.pids().get(1), a.get("blockedOn"));
            assertEquals("chain-b", a.get("blockedOnProcess"));

            Map<String, Object> receive = view.data(Page.PROCESSES, Map.of("state", "receive"));
            assertEquals(1, receive.get("matched"));
            assertEquals("chain-c", rows(receive).get(0).get("process"));
            assertEquals(null, rows(receive).get(0).get("blockedOnProcess"), "RECEIVE is blocked on a chid");

            Map<String, Object> page2 = view.data(Page.PROCESSES, Map.of("offset", "2", "limit", "1", "q", "chain"));
            assertEquals(4, page2.get("matched"));
            assertEquals(List.of("chain-c"), rows(page2).stream().map(r -> r.get("process")).toList());
            Map<String, Object> bad = view.data(Page.PROCESSES, Map.of("offset", "-5", "limit", "lots"));
            assertEquals(0, bad.get("offset"));
            assertEquals(SystemView.DEFAULT_LIMIT, bad.get("limit"));
        }
    }

    @Test
    void b6SendGraphByThreadDrawsTheChainAndHighlightsTheRefusedCycle() {
        try (SendChain chain = SendChain.start(mk, 0)) {
            List<Integer> pids = chain.pids();
            Map<String, Object> g = view.data(Page.SENDS, Map.of());
            assertEquals("thread", g.get("level"));
            assertEquals(3, g.get("blocked"));
            String a = SendGraph.threadId(pids.get(0), 1);
            String b = SendGraph.threadId(pids.get(1), 1);
            String c = SendGraph.threadId(pids.get(2), 1);
            String d = SendGraph.threadId(pids.get(3), 1);
            assertEquals(List.of(edge(a, b, "REPLY", true), edge(b, c, "REPLY", true), edge(d, b, "SEND", false),
                    edge(c, a, "REFUSED", true)), edges(g));
            List<Map<String, Object>> refused = list(g, "refused");
            assertEquals(1, refused.size());
            assertEquals(true, refused.get(0).get("highlighted"));
            assertTrue(refused.get(0).get("text").toString().startsWith("chain-c["), refused.toString());
            assertEquals(List.of(), g.get("cycles"), "no cycle stands: the kernel refused it");
            Map<String, Object> nodeC = list(g, "nodes").stream().filter(n -> n.get("id").equals(c)).findFirst()
                    .orElseThrow();
            assertEquals("RECEIVE", nodeC.get("state"));
            assertEquals(true, nodeC.get("cycle"));
        }
        Map<String, Object> after = view.data(Page.SENDS, Map.of());
        assertEquals(List.of(), after.get("edges"));
        assertEquals(false, list(after, "refused").get(0).get("current"), "the chain is gone");
    }

    @Test
    void b6TenThousandBlockedThreadsArePagedAndDrawnByProcess() {
        int clients = 10_000;
        try (SendChain chain = SendChain.start(mk, clients)) {
            Map<String, Object> first = view.data(Page.PROCESSES, Map.of());
            assertEquals(clients + 4, first.get("threads"));
            assertEquals(clients + 1, states(first).get("SEND"));
            assertEquals(SystemView.DEFAULT_LIMIT, rows(first).size(), "one page of rows, not ten thousand");
            assertTrue(Json.write(first).length() < 64 * 1024, "a page's JSON stays small");
            Map<String, Object> last = view.data(Page.PROCESSES, Map.of("offset", Integer.toString(clients), "limit",
                    "1000"));
            assertEquals(4, rows(last).size());
            assertEquals(SystemView.MAX_LIMIT,
                    view.data(Page.PROCESSES, Map.of("limit", "1000000")).get("limit"), "the limit is bounded");

            Map<String, Object> g = view.data(Page.SENDS, Map.of());
            assertEquals("process", g.get("level"), "too many threads to draw one by one");
            assertEquals(5, list(g, "nodes").size());
            String load = SendGraph.processId(chain.pids().get(4));
            String b = SendGraph.processId(chain.pids().get(1));
            Map<String, Object> loadEdge = edges(g).stream().filter(e -> e.get("from").equals(load)).findFirst()
                    .orElseThrow();
            assertEquals(edge(load, b, "SEND", false, clients), loadEdge);
            assertTrue(list(g, "refused").get(0).get("highlighted").equals(true), "highlighted by process too");
            assertTrue(Json.write(g).length() < 16 * 1024, "the aggregated graph stays small");

            Map<String, Object> byThread = view.data(Page.SENDS, Map.of("level", "thread"));
            assertEquals(clients + 4, edges(byThread).size(), "asked for, every blocked thread is drawn, and the refused send");
        }
    }

    @Test
    void b6LiveSendCycleIsFoundWhenDetectionIsOff() throws Exception {
        System.setProperty("courier.deadlock.detect", "false");
        Microkernel loose;
        try {
            loose = Microkernel.boot();
        } finally {
            System.clearProperty("courier.deadlock.detect");
        }
        try (loose) {
            Kernel x = loose.process("x");
            Kernel y = loose.process("y");
            int[] ch = new int[2];
            java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(2);
            Thread tx = Thread.ofVirtual().start(() -> sendAfterBoth(x, y, ch, 0, 1, made));
            Thread ty = Thread.ofVirtual().start(() -> sendAfterBoth(y, x, ch, 1, 0, made));
            SystemView v = new SystemView(loose);
            io.courier.testing.Waits.eventually("x and y SEND-blocked on each other",
                    () -> ((List<?>) v.data(Page.SENDS, Map.of()).get("edges")).size() == 2);
            Map<String, Object> g = v.data(Page.SENDS, Map.of());
            List<?> cycles = (List<?>) g.get("cycles");
            assertEquals(1, cycles.size(), g.toString());
            assertEquals(2, ((List<?>) cycles.get(0)).size());
            assertTrue(edges(g).stream().allMatch(e -> e.get("cycle").equals(true)));
            x.exit();
            y.exit();
            tx.join(io.courier.testing.Waits.WAIT);
            ty.join(io.courier.testing.Waits.WAIT);
        }
    }

    private static void sendAfterBoth(Kernel self, Kernel peer, int[] ch, int mine, int theirs,
            java.util.concurrent.CountDownLatch made) {
        try {
            ch[mine] = self.channelCreate(0);
            made.countDown();
            made.await();
            self.msgSend(self.connectAttach(0, peer.pid(), ch[theirs], 0, 0), java.nio.ByteBuffer.allocate(4), null);
        } catch (io.courier.kernel.KernelException | InterruptedException e) {
            // Killed at the end of the test.
        }
    }

    @Test
    void b6NamesAsyncPortsSharedMemoryAndPathsPagesShowWhatIsThere() throws Exception {
        Kernel server = mk.process("server");
        server.nameAttach("checksum", 0);
        AsyncMessaging am = AsyncMessaging.of(server);
        int achid = am.channelCreate(0, 0666, 128, 4, null, null);
        am.nameAttach("sensor-log", achid);
        int coid = am.nameOpen("sensor-log", 0, AsyncConnectionAttr.builder().bufferSize(128).maxNumBuffer(8)
                .triggerNumMsg(5).build());
        am.put(coid, java.nio.ByteBuffer.allocate(8), 1, null);
        SharedMemory shm = SharedMemory.of(server);
        int fd = shm.shmOpen("/config", SharedMemory.O_RDWR | SharedMemory.O_CREAT, 0640);
        shm.ftruncate(fd, SharedMemory.PAGE_SIZE);
        shm.mmap(SharedMemory.PAGE_SIZE, SharedMemory.PROT_READ, SharedMemory.MAP_SHARED, fd, 0);
        Resmgr.of(server).resmgrAttach("/dev/sample", 0, new IoAttr(Mode.S_IFCHR | 0666, 0, 0), new ResmgrHandler() {
        });
        try (IoCompletionPort port = IoCompletionPort.create(server)) {
            Map<String, Object> names = view.data(Page.NAMES, Map.of());
            Map<String, Object> name = list(names, "names").get(0);
            assertEquals("checksum", name.get("name"));
            assertEquals("server", name.get("process"));

            Map<String, Object> async = view.data(Page.ASYNC, Map.of());
            assertEquals(List.of("sensor-log"), list(async, "channels").get(0).get("names"));
            Map<String, Object> conn = list(async, "connections").get(0);
            assertEquals(5, conn.get("triggerNumMsg"));
            assertEquals(1L, conn.get("pending"));
            assertEquals("server", conn.get("serverProcess"));

            Map<String, Object> ports = view.data(Page.PORTS, Map.of());
            Map<String, Object> p = list(ports, "ports").stream().filter(r -> r.get("id").equals(port.id())).findFirst()
                    .orElseThrow();
            assertEquals("server", p.get("process"));
            assertEquals(true, p.get("open"));

            Map<String, Object> shmPage = view.data(Page.SHM, Map.of());
            Map<String, Object> object = list(shmPage, "objects").get(0);
            assertEquals("/config", object.get("name"));
            assertEquals("rw-r-----", object.get("mode"));
            assertEquals(1, object.get("mappings"));
            Map<String, Object> mapping = list(shmPage, "mappings").get(0);
            assertEquals("r--", mapping.get("prot"));
            assertEquals("SHARED", mapping.get("flags"));

            Map<String, Object> paths = view.data(Page.PATHS, Map.of());
            List<Map<String, Object>> mounts = list(paths, "mounts");
            assertEquals(List.of("/", "/dev/sample"), mounts.stream().map(m -> m.get("path")).toList());
            assertEquals("crw-rw-rw-", mounts.get(1).get("mode"));
            assertEquals("pathmgr", mounts.get(0).get("process"));
            assertEquals(List.of("DIR", "AFTER"), mounts.get(0).get("flags"));
        }
    }

    @Test
    void b6EachLookIsOneSnapshotAndNothingRunsBetweenLooks() throws Exception {
        int threadsBefore = Thread.activeCount();
        SystemView quiet = new SystemView(mk);
        assertEquals(0, quiet.snapshots());
        Thread.sleep(300);
        assertEquals(0, quiet.snapshots(), "nobody looked: nothing was read");
        assertTrue(Thread.activeCount() <= threadsBefore, "a view starts no thread");
        for (Page page : Page.values()) {
            long numbered = ((Number) quiet.data(page, Map.of()).get("snapshot")).longValue();
            assertEquals(quiet.snapshots(), numbered, "each answer says which look it was");
        }
        assertEquals(Page.values().length, quiet.snapshots());
        assertFalse(mk.processes().stream().anyMatch(p -> p.name().equals("shm") || p.name().equals("pathmgr")),
                "looking made no shared memory manager or pathname manager");
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, Object> edge(String from, String to, String kind, boolean cycle) {
        return edge(from, to, kind, cycle, 1);
    }

    private static Map<String, Object> edge(String from, String to, String kind, boolean cycle, int count) {
        return Map.of("from", from, "to", to, "kind", kind, "count", count, "cycle", cycle);
    }

    private static List<Map<String, Object>> edges(Map<String, Object> graph) {
        return list(graph, "edges");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Integer> states(Map<String, Object> data) {
        return (Map<String, Integer>) data.get("states");
    }

    private static List<Map<String, Object>> rows(Map<String, Object> data) {
        return list(data, "rows");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> data, String key) {
        return (List<Map<String, Object>>) data.get(key);
    }
}

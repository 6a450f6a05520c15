package io.courier.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.examples.sendchain.SendChain;
import io.courier.kernel.Credentials;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.kernel.NodeProcessInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import io.courier.node.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issues 20 and 21: the node page's data. The JVMs of a node and its processes, this JVM's (from
 * a real kernel running the send chain) beside the other JVMs' (as the node's process table
 * gives them), and the network's nodes with their address and state; "not in a node" and "no
 * network" when there is none; every text through the JSON writer's escapes.
 */
@Timeout(120)
class NodeViewTest {
    private static final long ME = 4242;
    private static final long OTHER = 5151;

    @Test
    void nodeListsItsJvmsAndEveryProcessWithItsJvmsOsPid() {
        try (Microkernel mk = Microkernel.boot(); SendChain chain = SendChain.start(mk, 3)) {
            List<ProcessInfo> mine = mk.processes();
            Member self = new Member(2, ME, 11, 1, 1_700_000_000_000L);
            Member other = new Member(0, OTHER, 12, 5, 1_700_000_001_000L);
            List<NodeProcessInfo> others = List.of(
                    new NodeProcessInfo(7, "io.courier.example-checksum-server", 1, "RECEIVE", OTHER),
                    new NodeProcessInfo(8, "</td><script>x</script>", 3, "2 RECEIVE, 1 REPLY", OTHER));
            Map<String, Object> node = NodeView.node("lab", self, List.of(self, other), mine, others, ME);

            assertEquals(true, node.get("joined"));
            assertEquals("lab", node.get("name"));
            assertEquals(2, node.get("slot"));
            List<Map<String, Object>> jvms = list(node, "jvms");
            assertEquals(List.of(0, 2), jvms.stream().map(j -> j.get("slot")).toList(), "by slot");
            assertEquals(OTHER, jvms.get(0).get("osPid"));
            assertEquals(false, jvms.get(0).get("self"));
            assertEquals(2, jvms.get(0).get("processes"));
            assertEquals(true, jvms.get(1).get("self"));
            assertEquals(mine.size(), jvms.get(1).get("processes"));
            assertEquals("2023-11-14T22:13:21Z", jvms.get(0).get("joined"));

            List<Map<String, Object>> rows = list(node, "processes");
            assertEquals(mine.size() + 2, node.get("processCount"));
            assertEquals(mine.size() + 2, rows.size());
            Map<String, Object> load = rows.stream().filter(r -> "chain-load".equals(r.get("process"))).findFirst()
                    .orElseThrow();
            assertEquals(chain.pids().get(4), load.get("pid"));
            assertEquals(3, load.get("threads"));
            assertEquals("3 SEND", load.get("states"));
            assertEquals(ME, load.get("osPid"));
            assertEquals(true, load.get("self"));
            Map<String, Object> c = rows.stream().filter(r -> "chain-c".equals(r.get("process"))).findFirst().orElseThrow();
            assertEquals("RECEIVE", c.get("states"), "chain-c received chain-a's message and waits");
            Map<String, Object> server = rows.get(mine.size());
            assertEquals(7, server.get("pid"));
            assertEquals("io.courier.example-checksum-server", server.get("process"));
            assertEquals(OTHER, server.get("osPid"));
            assertEquals(0, server.get("slot"));
            assertEquals(false, server.get("self"));

            String json = Json.write(node);
            assertFalse(json.contains("<"), "no text can close an element: " + json);
            assertTrue(json.contains("\"process\":\"\\u003c/td>\\u003cscript>x\\u003c/script>\""), json);
        }
    }

    @Test
    void aNodeOfManyProcessesListsTheFirstThousandAndCountsThemAll() {
        Member self = new Member(0, ME, 1, 1, 0);
        Member other = new Member(1, OTHER, 1, 1, 0);
        List<NodeProcessInfo> others = new ArrayList<>();
        for (int i = 0; i < NodeView.MAX_PROCESSES + 5; i++) {
            others.add(new NodeProcessInfo(100 + i, "p" + i, 0, "", OTHER));
        }
        Map<String, Object> node = NodeView.node("lab", self, List.of(self, other), List.of(), others, ME);
        assertEquals(NodeView.MAX_PROCESSES + 5, node.get("processCount"));
        assertEquals(NodeView.MAX_PROCESSES, list(node, "processes").size());
        assertEquals(NodeView.MAX_PROCESSES + 5, list(node, "jvms").get(1).get("processes"));
    }

    @Test
    void withoutANodeNothingIsListed() {
        try (Microkernel mk = Microkernel.boot()) {
            mk.process("alone");
            Map<String, Object> node = NodeView.node(null, null, List.of(), mk.processes(), List.of(), ME);
            assertEquals(false, node.get("joined"));
            assertEquals(null, node.get("name"));
            assertEquals(ME, node.get("osPid"));
            assertEquals(List.of(), node.get("jvms"));
            assertEquals(List.of(), node.get("processes"));
        }
    }

    @Test
    void statesAreCountedMostCommonFirstAsTheNodeTableGivesThem() {
        ThreadInfo r1 = new ThreadInfo(1, "a", 10, ThreadState.RECEIVE, 1);
        ThreadInfo r2 = new ThreadInfo(2, "b", 10, ThreadState.RECEIVE, 1);
        ThreadInfo s = new ThreadInfo(3, "c", 10, ThreadState.REPLY, 9);
        assertEquals("2 RECEIVE, 1 REPLY", NodeView.states(info(s, r1, r2)));
        assertEquals("REPLY", NodeView.states(info(s)));
        assertEquals("", NodeView.states(info()));
    }

    @Test
    void networkListsThisNodeThenEveryConfiguredNodeByNdWithAddressAndState() {
        List<NodeView.Peer> peers = List.of(
                new NodeView.Peer(2, "gamma", "::1", 4002, false, 0x1234L),
                new NodeView.Peer(1, "beta", "127.0.0.1", 4001, true, 0xabcdefL));
        List<Integer> asked = new ArrayList<>();
        Map<String, Object> net = NodeView.network("alpha", peers, nd -> {
            asked.add(nd);
            return List.of(new NameInfo("checksum", 9, 1));
        });
        assertEquals(true, net.get("configured"));
        assertEquals("alpha", net.get("name"));
        List<Map<String, Object>> nodes = list(net, "nodes");
        assertEquals(List.of(0, 1, 2), nodes.stream().map(n -> n.get("nd")).toList());
        assertEquals(List.of("alpha", "beta", "gamma"), nodes.stream().map(n -> n.get("name")).toList());
        assertEquals(true, nodes.get(0).get("self"));
        assertEquals("127.0.0.1:4001", nodes.get(1).get("address"));
        assertEquals(true, nodes.get(1).get("up"));
        assertEquals("abcdef", nodes.get(1).get("incarnation"));
        assertEquals(List.of("checksum"), nodes.get(1).get("globalNames"));
        assertEquals("[::1]:4002", nodes.get(2).get("address"));
        assertEquals(false, nodes.get(2).get("up"));
        assertEquals(List.of(), nodes.get(2).get("globalNames"), "a node that is down has none");
        assertEquals(List.of(1), asked, "only the node that is up is asked for its names");
    }

    @Test
    void withoutANetworkNoNodeIsListed() {
        Map<String, Object> net = NodeView.network(null, null, nd -> {
            throw new AssertionError("nothing to ask");
        });
        assertEquals(false, net.get("configured"));
        assertEquals(List.of(), net.get("nodes"));
    }

    @Test
    void theNodePageOfAKernelInNoNodeAndNoNetworkSaysSo() {
        try (Microkernel mk = Microkernel.boot()) {
            mk.process("alone");
            Map<String, Object> data = new SystemView(mk).data(Page.NODE, Map.of());
            assertEquals("node", data.get("page"));
            @SuppressWarnings("unchecked")
            Map<String, Object> node = (Map<String, Object>) data.get("node");
            @SuppressWarnings("unchecked")
            Map<String, Object> net = (Map<String, Object>) data.get("network");
            assertEquals(false, node.get("joined"));
            assertEquals(ProcessHandle.current().pid(), node.get("osPid"));
            assertEquals(false, net.get("configured"));
            assertTrue(Json.write(data).contains("\"network\":{\"configured\":false,\"name\":null,\"nodes\":[]}"));
        }
    }

    private static ProcessInfo info(ThreadInfo... threads) {
        return new ProcessInfo(1, "p", new Credentials(0, 0), List.of(threads), List.of(), List.of());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> data, String key) {
        return (List<Map<String, Object>>) data.get(key);
    }
}

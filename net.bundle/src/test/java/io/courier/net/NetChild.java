package io.courier.net;

import io.courier.node.Link;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node in a JVM of its own for the tests. Arguments: {@code name port keyFile heartbeatMs
 * deadAfterMs [peer@host:port ...]}. It prints {@code READY <incarnation>}, then {@code UP <peer>
 * <incarnation>} and {@code DOWN <peer> <reason>} as the listener hears them, and for every link
 * that comes up starts a consumer checking the records ({@link Traffic}). Commands on standard
 * input: {@code SEND <peer> <count>} (answers {@code SENT <peer> <n>}), {@code COUNT <peer>}
 * (answers {@code COUNT <peer> <received> <error or ok>}, for the current link), {@code QUIT}.
 * It ends when its input ends.
 */
public final class NetChild {
    private NetChild() {
    }

    public static void main(String[] args) throws IOException {
        List<NetConfig.Peer> peers = new ArrayList<>();
        for (int i = 5; i < args.length; i++) {
            peers.add(NetConfig.Peer.parse(args[i]));
        }
        NetConfig config = new NetConfig(args[0], NetConfig.DEFAULT_BIND_HOST, Integer.parseInt(args[1]), peers,
                NetConfig.keyFromFile(Path.of(args[2])), Duration.ofMillis(Long.parseLong(args[3])),
                Duration.ofMillis(Long.parseLong(args[4])));
        Map<String, Traffic.Checker> checkers = new ConcurrentHashMap<>();
        NetNode[] self = new NetNode[1];
        NetNode node = NetNode.start(config, new NetListener() {
            @Override
            public void nodeUp(int nd, String name, long incarnation) {
                Link link = self[0].link(nd);
                Traffic.Checker c = new Traffic.Checker(name, link.maxPayload());
                checkers.put(name, c);
                Thread.ofPlatform().daemon().name("consume-" + name).start(() -> Traffic.consume(link, c));
                say("UP " + name + " " + incarnation);
            }

            @Override
            public void nodeDown(int nd, String name, String reason) {
                say("DOWN " + name + " " + reason);
            }
        });
        self[0] = node;
        say("READY " + node.incarnation());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split(" ");
            switch (w[0]) {
                case "SEND" -> {
                    String peer = w[1];
                    long count = Long.parseLong(w[2]);
                    Thread.ofPlatform().daemon().start(() -> {
                        Link link = node.link(node.strToNd(peer));
                        long n = link == null ? 0 : Traffic.send(link, config.name(), 0, count);
                        say("SENT " + peer + " " + n);
                    });
                }
                case "COUNT" -> {
                    Traffic.Checker c = checkers.get(w[1]);
                    say("COUNT " + w[1] + " " + (c == null ? 0 : c.received()) + " "
                            + (c == null || c.error() == null ? "ok" : c.error().replace(' ', '_')));
                }
                case "QUIT" -> {
                    node.close();
                    say("BYE");
                    System.exit(0);
                }
                default -> say("HUH " + line);
            }
        }
        node.close();
        System.exit(0);
    }

    static synchronized void say(String s) {
        System.out.println(s);
        System.out.flush();
    }
}

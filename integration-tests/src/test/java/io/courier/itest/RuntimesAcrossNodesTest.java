package io.courier.itest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * SPEC B3 as a user meets it: two runtimes started by {@code bin/start} (what {@code ./courier
 * run} runs), each a node of a network through {@code conf/io.courier.net.cfg} (ConfigAdmin:
 * name, port, peers, key file). Each one's {@code nodes} shows the other up; the checksum
 * client deployed in one answers from the server deployed in the other, found by its global
 * name; when the server's runtime is killed with SIGKILL the other shows it down within the
 * dead-after time, the client's next call ends with an errno, and its shell lives on. Alpha's
 * shell lists beta's names under {@code /net/beta} and beta's processes with {@code pidin -n beta}.
 * Stopped by SIGTERM, a runtime deletes its media driver's folder: nothing is left in
 * {@code /dev/shm}.
 */
public class RuntimesAcrossNodesTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    public void twoRuntimesConfiguredAsNodesSeeEachOtherAndADeadOneGoesDown() throws Exception {
        ChildRuntime.NetPair net = ChildRuntime.NetPair.fresh();
        try (ChildRuntime a = new ChildRuntime(); ChildRuntime b = new ChildRuntime()) {
            net.alpha(a);
            net.beta(b);
            a.start();
            b.start();
            // asyncmsg's gateway starts with the first asynchronous channel: none here, so beta's
            // global names may be empty; what matters is that it is up.
            awaitNodes(a, "beta is up to alpha", "beta", "up");
            awaitNodes(b, "alpha is up to beta", "alpha", "up");

            // The checksum pair across nodes, found by its global name: server on beta, client on alpha.
            String attached = ChildRuntime.deployChecksumPair(b, a);
            java.util.regex.Matcher pid = java.util.regex.Pattern.compile("checksum server: pid (\\d+)").matcher(attached);
            if (!pid.find()) {
                throw new AssertionError("no pid in " + attached);
            }
            int mark = a.output().size();
            a.type("checksum hello");
            a.awaitFrom(mark, "the server on the other node answers", LIMIT, line -> ChildRuntime.bare(line).equals("532"));

            // Beta's pathname space under /net/beta and its processes by pidin -n, from alpha's shell.
            mark = a.output().size();
            a.type("ls /net/beta/dev/name/local");
            a.awaitFrom(mark, "alpha lists beta's attached names under /net/beta", LIMIT,
                    line -> ChildRuntime.bare(line).endsWith(" checksum"));
            mark = a.output().size();
            a.type("pidin -n beta");
            java.util.regex.Pattern row = java.util.regex.Pattern.compile("^\\s*beta\\s+" + pid.group(1) + "\\s.*RECEIVE.*");
            a.awaitFrom(mark, "pidin -n beta shows the server RECEIVE-blocked", LIMIT,
                    line -> row.matcher(ChildRuntime.bare(line)).matches());

            b.sigkill();
            long t0 = System.nanoTime();
            awaitNodes(a, "beta is down to alpha", "beta", "down");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (ms > 5_000) {
                throw new AssertionError("beta seen down after " + ms + " ms");
            }
            mark = a.output().size();
            a.type("checksum hello");
            a.awaitFrom(mark, "a call after the server's node died ends with an errno", LIMIT,
                    line -> java.util.regex.Pattern.compile("\\b(ESRCH|EBADF|ENOENT|EHOSTDOWN)\\b").matcher(line).find());
            mark = a.output().size();
            a.type("echo still-here");
            a.awaitFrom(mark, "alpha's shell lives on", LIMIT, line -> ChildRuntime.bare(line).equals("still-here"));

            // The killed node left its media driver's folder; alpha, stopped as a service manager
            // stops it, deletes its own.
            if (b.netFolders().isEmpty()) {
                throw new AssertionError("beta's media driver folder is gone though beta was killed");
            }
            if (a.netFolders().isEmpty()) {
                throw new AssertionError("alpha's media driver has no folder under its COURIER_NET_ROOT");
            }
            a.sigterm(LIMIT);
            if (!a.netFolders().isEmpty()) {
                throw new AssertionError("alpha left " + a.netFolders() + " after SIGTERM");
            }
        }
    }

    /**
     * The seed's asyncmsg pair across nodes, as a user sets it up: beta's server configured to
     * attach its name globally, alpha's client in chid mode looking for it globally
     * ({@code conf/*.cfg}, ConfigAdmin). The client asks the server on the other node for its
     * asynchronous chid, attaches to it by beta's nd, and its messages are delivered there, none
     * failed.
     */
    @Test
    public void theAsyncExamplePairWorksAcrossNodes() throws Exception {
        ChildRuntime.NetPair net = ChildRuntime.NetPair.fresh();
        try (ChildRuntime a = new ChildRuntime(); ChildRuntime b = new ChildRuntime()) {
            net.alpha(a);
            net.beta(b);
            b.configure("io.courier.examples.async.server.AsyncServerComponent", java.util.Map.of("global", "true"));
            a.configure("io.courier.examples.async.client.AsyncClientComponent",
                    java.util.Map.of("global", "true", "mode", "chid", "period.ms", "50"));
            // The server first, before the network is up: its channel is reached all the same.
            b.mv("example-async-api");
            b.mv("example-async-server");
            a.mv("example-async-api");
            a.mv("example-async-client");
            a.start();
            b.start();
            awaitNodes(a, "beta is up to alpha", "beta", "up");
            a.awaitActive("io.courier.example-async-client", ChildRuntime.START_LIMIT);
            a.awaitAsyncDelivered(20, ChildRuntime.START_LIMIT, "across nodes");
        }
    }

    /**
     * A runtime configured as a node whose UDP port another process holds: one ERROR line that
     * names the port and says it is in use, no stack trace; the runtime runs on without a
     * network ({@code nodes} says so); once the port is free and the configuration changes, the
     * node starts.
     */
    @Test
    public void aNodeWhosePortIsTakenSaysSoInOneLineAndStartsOnceItsConfigurationChanges() throws Exception {
        ChildRuntime.NetPair net = ChildRuntime.NetPair.fresh();
        try (ChildRuntime a = new ChildRuntime()) {
            java.net.DatagramSocket holder = new java.net.DatagramSocket(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), net.alphaPort()));
            try {
                net.alpha(a);
                a.start();
                String error = a.await("the node cannot start", LIMIT,
                        line -> line.contains("node alpha cannot start on 127.0.0.1:" + net.alphaPort()));
                if (!error.contains("UDP port " + net.alphaPort() + " is in use by another process")
                        || !error.contains("joins no network until conf/io.courier.net.cfg changes")) {
                    throw new AssertionError("the line does not say why and what to do: " + error);
                }
                int mark = a.output().size();
                a.type("nodes");
                a.awaitFrom(mark, "nodes says this runtime is on no network", LIMIT,
                        line -> line.contains("this runtime joined no network"));
                java.util.List<String> trouble = a.trouble();
                if (trouble.size() != 1 || !trouble.get(0).equals(error)) {
                    throw new AssertionError("one ERROR line and no stack trace expected, got " + trouble);
                }
            } finally {
                holder.close();
            }
            // The port free and the configuration changed (a shorter heartbeat): the node starts.
            a.configure("io.courier.net", java.util.Map.of("name", "alpha", "port", Integer.toString(net.alphaPort()),
                    "peers", "beta@127.0.0.1:" + net.betaPort(), "keyFile", net.key().toString(), "heartbeatMillis", "200"));
            a.await("the node starts once its configuration changes", LIMIT,
                    line -> line.contains("node alpha on 127.0.0.1:" + net.alphaPort() + " joined the network"));
            awaitNodes(a, "nodes lists beta, down", "beta", "down");
        }
    }

    /** Types {@code nodes} until its table has the row of node {@code name} in {@code state}. */
    private static void awaitNodes(ChildRuntime r, String what, String name, String state) throws Exception {
        long end = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            int mark = r.output().size();
            r.type("nodes");
            try {
                java.util.regex.Pattern row = java.util.regex.Pattern.compile(
                        "^\\s*\\d+\\s+" + name + "\\s+127\\.0\\.0\\.1:\\d+\\s+" + state + "\\b.*");
                r.awaitFrom(mark, what, Duration.ofSeconds(2), line -> row.matcher(ChildRuntime.bare(line)).matches());
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
            }
        }
    }
}

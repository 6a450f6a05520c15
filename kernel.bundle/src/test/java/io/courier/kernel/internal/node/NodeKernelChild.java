package io.courier.kernel.internal.node;

import io.courier.testing.ChildJvms;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM of the node for the kernel's node tests: started with this JVM's {@code java} and
 * class path, it boots a kernel that joins the node {@code NAME} under {@code ROOT}, runs one
 * scripted action and reports on standard output, a line per step. It halts itself after 60 s so
 * that it never outlives a broken test.
 */
public final class NodeKernelChild {
    private NodeKernelChild() {
    }

    /** Starts a child JVM running {@code action ROOT NAME args...}. */
    public static Process start(String... actionAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", NodeKernelChild.class.getName()));
        cmd.addAll(List.of(actionAndArgs));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the child's lines until one starts with {@code prefix} (at most 30 s), returning it. */
    public static String expectLine(Process child, BufferedReader out, String prefix) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < end) {
            String line = out.readLine();
            if (line == null) {
                throw new AssertionError("the child ended (" + child.waitFor(10, TimeUnit.SECONDS) + ") before '"
                        + prefix + "':\n" + seen);
            }
            seen.append(line).append('\n');
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no '" + prefix + "' from the child within 30 s:\n" + seen);
    }

    /** The child's standard output (and error), by line. */
    public static BufferedReader output(Process child) {
        return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Ends a child the test started, by its own handle only. */
    public static void stop(Process child) throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Serves messages on {@code chid} until killed: receives into a small buffer and reads the
     * rest with msgRead at an offset; a message starting {@code HOLD} is never answered (but an
     * UNBLOCK pulse for it ends it with msgError(rcvid, -1)), one starting {@code ERR} gets EINVAL,
     * {@code INFO} gets its msgInfo and the connection's client info as text ({@code pid tid
     * priority scoid uid gid}), {@code PULS} the last pulse received ({@code code value}, or
     * {@code none}), {@code EVNT} delivers the event that follows (its byte form) to the client and
     * replies 0 or the errno of the delivery, {@code WAIT} is answered after a second, {@code SLOW} after a millisecond (busy) as any other, {@code ORD:x}
     * appends x to a list that {@code ORDS} returns, {@code DISC} how many DISCONNECT pulses came (each scoid then detached), {@code FWD:pid:chid} sends {@code PING} to that channel and answers {@code OK <reply>} or {@code E <errno>}, any other the CRC32 of its bytes as status and its bytes reversed as reply.
     */
    static void serve(Kernel server, int chid) {
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(64);
        io.courier.kernel.MsgInfo info = new io.courier.kernel.MsgInfo();
        String lastPulse = "none";
        int disconnects = 0;
        StringBuilder order = new StringBuilder();
        while (true) {
            head.clear();
            long rcvid = server.msgReceive(chid, head, info);
            if (rcvid == 0) {
                head.flip();
                io.courier.kernel.Pulse pulse = io.courier.kernel.Pulse.from(head);
                if (pulse.code() == io.courier.kernel.PulseCode.UNBLOCK) {
                    try {
                        server.msgError(pulse.value(), -1);
                    } catch (io.courier.kernel.KernelException gone) {
                        // Replied meanwhile.
                    }
                } else if (pulse.code() == io.courier.kernel.PulseCode.DISCONNECT) {
                    disconnects++;
                    server.connectDetach(pulse.scoid());
                } else if (pulse.code() >= 0) {
                    lastPulse = pulse.code() + " " + pulse.value();
                }
                continue;
            }
            byte[] all = new byte[info.srcmsglen()];
            int got = Math.min(head.position(), all.length);
            head.flip();
            head.get(all, 0, got);
            if (all.length > got) {
                java.nio.ByteBuffer rest = java.nio.ByteBuffer.wrap(all, got, all.length - got).slice();
                server.msgRead(rcvid, rest, got);
            }
            String start = new String(all, 0, Math.min(4, all.length), StandardCharsets.ISO_8859_1);
            if (start.equals("HOLD")) {
                continue;
            }
            if (start.equals("INFO") || start.equals("PULS") || start.equals("DISC")) {
                String text = start.equals("DISC") ? Integer.toString(disconnects) : lastPulse;
                if (start.equals("INFO")) {
                    io.courier.kernel.ClientInfo ci = server.connectClientInfo(info.scoid());
                    text = info.pid() + " " + info.tid() + " " + info.priority() + " " + info.scoid() + " " + ci.uid()
                            + " " + ci.gid();
                }
                server.msgReply(rcvid, 0, java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                continue;
            }
            if (start.equals("WAIT")) {
                // Busy for a second: the messages that come meanwhile queue.
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                server.msgReply(rcvid, 0, null);
                continue;
            }
            if (start.equals("ORD:")) {
                order.append(order.isEmpty() ? "" : ",").append(new String(all, 4, all.length - 4, StandardCharsets.US_ASCII));
                server.msgReply(rcvid, 0, null);
                continue;
            }
            if (start.equals("ORDS")) {
                server.msgReply(rcvid, 0, java.nio.ByteBuffer.wrap(order.toString().getBytes(StandardCharsets.US_ASCII)));
                continue;
            }
            if (start.equals("EVNT")) {
                // The event after the 4-byte tag, in its byte form, delivered to this client.
                try {
                    io.courier.kernel.SigEvent ev = io.courier.kernel.SigEventLayout.get(
                            java.nio.ByteBuffer.wrap(all, 4, all.length - 4).slice().order(java.nio.ByteOrder.nativeOrder()), 0);
                    server.msgDeliverEvent(rcvid, ev);
                    server.msgReply(rcvid, 0, null);
                } catch (io.courier.kernel.KernelException e) {
                    server.msgError(rcvid, e.errno());
                }
                continue;
            }
            if (start.equals("FWD:")) {
                // The server sends PING to pid:chid after the tag, then answers "OK <reply>" or "E <errno>".
                String[] target = new String(all, 4, all.length - 4, StandardCharsets.US_ASCII).split(":");
                String text;
                try {
                    int coid = server.connectAttach(0, Integer.parseInt(target[0]), Integer.parseInt(target[1]), 0, 0);
                    java.nio.ByteBuffer r = java.nio.ByteBuffer.allocate(64);
                    server.msgSend(coid, java.nio.ByteBuffer.wrap("PING".getBytes(StandardCharsets.US_ASCII)), r,
                            java.time.Duration.ofSeconds(20));
                    server.connectDetach(coid);
                    text = "OK " + new String(r.array(), 0, r.position(), StandardCharsets.US_ASCII);
                } catch (io.courier.kernel.KernelException e) {
                    text = "E " + e.errno();
                }
                server.msgReply(rcvid, 0, java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                continue;
            }
            if (start.startsWith("ERR")) {
                server.msgError(rcvid, io.courier.kernel.Errno.EINVAL);
                continue;
            }
            if (start.equals("SLOW")) {
                // Busy for a millisecond, then answered as any other.
                long until = System.nanoTime() + 1_000_000;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(all);
            byte[] reversed = new byte[all.length];
            for (int i = 0; i < all.length; i++) {
                reversed[i] = all[all.length - 1 - i];
            }
            server.msgReply(rcvid, (int) crc.getValue(), java.nio.ByteBuffer.wrap(reversed));
        }
    }

    /**
     * {@code pids ROOT NAME COUNT}: makes COUNT processes and prints
     * {@code PIDS <OS pid> <member slot> <pid>...}, then stays until killed. {@code attach ROOT NAME
     * NAME}: a process attaches the name, prints {@code ATTACHED <pid> <chid>}, then serves
     * ({@link #serve}) until killed. {@code procs ROOT NAME}: makes the processes {@code alpha}
     * (no thread) and {@code beta} (one thread RECEIVE-blocked), prints {@code PROCS <OS pid>
     * <alpha's pid> <beta's pid>}, then obeys standard input: {@code exit-alpha} ends alpha
     * ({@code EXITED}), {@code close} closes the kernel ({@code CLOSED}). {@code names ROOT NAME
     * NAME}: a process attaches the name and prints {@code ATTACHED <pid> <chid>}; then {@code
     * detach} on standard input detaches it ({@code DETACHED}). {@code victims ROOT NAME}: each
     * {@code next} on standard input makes a process with a channel served until killed and
     * prints {@code VICTIM <pid> <chid>}.
     */
    public static void main(String[] args) throws Exception {
        ChildJvms.haltAfter(60_000);
        NodeFolder folder = NodeFolder.open(Path.of(args[1]), args[2]);
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, folder);
        switch (args[0]) {
            case "pids" -> {
                StringBuilder line = new StringBuilder("PIDS ").append(ProcessHandle.current().pid()).append(' ')
                        .append(mk.nodeSelf().slot());
                for (int i = 0; i < Integer.parseInt(args[3]); i++) {
                    Kernel k = mk.process("child-" + i);
                    line.append(' ').append(k.pid());
                }
                System.out.println(line);
                System.out.flush();
                Thread.sleep(55_000);
            }
            case "attach" -> {
                Kernel server = mk.process("server");
                io.courier.kernel.NameAttach name = server.nameAttach(args[3], 0);
                System.out.println("ATTACHED " + server.pid() + " " + name.chid());
                System.out.flush();
                try {
                    serve(server, name.chid());
                } catch (io.courier.kernel.KernelException e) {
                    // The server process was killed (SIGKILL from another JVM): the JVM stays.
                    System.out.println("SERVER ENDED " + e.errno());
                    System.out.flush();
                    Thread.sleep(55_000);
                }
            }
            case "procs" -> {
                Kernel alpha = mk.process("alpha");
                Kernel beta = mk.process("beta");
                java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(1);
                int[] chid = new int[1];
                Thread.ofPlatform().daemon().start(() -> {
                    chid[0] = beta.channelCreate(0);
                    made.countDown();
                    beta.msgReceive(chid[0], java.nio.ByteBuffer.allocate(8), null);
                });
                made.await();
                System.out.println("PROCS " + ProcessHandle.current().pid() + " " + alpha.pid() + " " + beta.pid());
                System.out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    switch (line.trim()) {
                        case "exit-alpha" -> {
                            alpha.exit();
                            System.out.println("EXITED");
                        }
                        case "close" -> {
                            mk.close();
                            System.out.println("CLOSED");
                        }
                        default -> System.out.println("unknown command " + line);
                    }
                    System.out.flush();
                }
                Thread.sleep(55_000);
            }
            case "victims" -> {
                // Each "next" on standard input: a new process with a channel, served on a thread
                // of its own until it is killed; VICTIM <pid> <chid>.
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                int n = 0;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.trim().equals("next")) {
                        Kernel victim = mk.process("victim-" + n++);
                        int chid = victim.channelCreate(0);
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                serve(victim, chid);
                            } catch (io.courier.kernel.KernelException killed) {
                                // SIGKILL from the other JVM.
                            }
                        });
                        System.out.println("VICTIM " + victim.pid() + " " + chid);
                        System.out.flush();
                    }
                }
                Thread.sleep(55_000);
            }
            case "names" -> {
                Kernel server = mk.process("namer");
                io.courier.kernel.NameAttach name = server.nameAttach(args[3], 0);
                System.out.println("ATTACHED " + server.pid() + " " + name.chid());
                System.out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.trim().equals("detach")) {
                        server.nameDetach(name);
                        System.out.println("DETACHED");
                        System.out.flush();
                    }
                }
                Thread.sleep(55_000);
            }
            default -> {
                System.out.println("unknown action " + args[0]);
                System.exit(2);
            }
        }
        System.out.flush();
        System.exit(0);
    }
}

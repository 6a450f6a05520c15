package io.courier.net;

import io.courier.testing.ChildJvms;
import io.courier.asyncmsg.AsyncConnectionAttr;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.Link;
import io.courier.node.NetworkListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A node of the cross-node kernel tests in a JVM of its own: a kernel that joins the network as
 * node NAME and then serves or calls, printing a line per step. It halts itself after 120 s so
 * that it never outlives a broken test; {@code exit} on standard input, or the end of it, ends it.
 * In every mode it prints {@code NODEUP <name> <incarnation>} and {@code NODEDOWN <name> <why>} as
 * its kernel's network tells them.
 *
 * <ul>
 *   <li>{@code serve NAME PORT KEYFILE HEARTBEATMS DEADMS PEER...}: process {@code svc-server} attaches the global name
 *       {@code svc} (replies with the message reversed, the client's pid as status and
 *       {@code nd=<client's nd>} appended; a message starting HOLD is never answered) and makes an
 *       asynchronous channel (64-byte messages, 4096 buffers) whose gets it prints as
 *       {@code GOT n1,n2,...}; prints {@code READY pid chid achid}.
 *   <li>{@code call NAME PORT KEYFILE HEARTBEATMS DEADMS TEXT PEER...}: opens the global name {@code svc} (waiting up to
 *       20 s for it), sends TEXT and prints {@code REPLY <reply> <status> <microseconds>}.
 *   <li>{@code client NAME PORT KEYFILE HEARTBEATMS DEADMS PEER...}: process {@code svc-client}; prints
 *       {@code READY pid}, then obeys, one at a time, the commands on standard input:
 *       <ul>
 *         <li>{@code CALLS N PREFIX}: opens the global name {@code svc} (as {@code call}) and sends
 *             PREFIX-0 to PREFIX-(N-1), printing a {@code REPLY} line for each, then
 *             {@code CALLED N} ({@code CALLFAILED errno} instead, at the first that fails);
 *         <li>{@code PUT NODE PID ACHID N}: once NODE's asyncmsg gateway is told, connects to
 *             asynchronous channel ACHID of process PID there and puts the numbers 0 to N-1 (8
 *             bytes each, waiting while the connection is full), flushes, and prints {@code PUT N}
 *             ({@code PUTFAILED errno} instead).
 *       </ul>
 * </ul>
 * A PEER is {@code name@host:port}.
 */
public final class NetKernelChild {
    private static final ReentrantLock OUT = new ReentrantLock();

    private NetKernelChild() {
    }

    static void say(String line) {
        OUT.lock();
        try {
            System.out.println(line);
            System.out.flush();
        } finally {
            OUT.unlock();
        }
    }

    /** The configuration in {@code args} from index 1: name, port, key file, heartbeat and dead-after ms; peers from {@code firstPeer}. */
    static NetConfig config(String[] args, int firstPeer) {
        List<NetConfig.Peer> peers = new ArrayList<>();
        for (int i = firstPeer; i < args.length; i++) {
            peers.add(NetConfig.Peer.parse(args[i]));
        }
        return new NetConfig(args[1], NetConfig.DEFAULT_BIND_HOST, Integer.parseInt(args[2]), peers,
                NetConfig.keyFromFile(Path.of(args[3])), Duration.ofMillis(Long.parseLong(args[4])),
                Duration.ofMillis(Long.parseLong(args[5])));
    }

    public static void main(String[] args) throws Exception {
        ChildJvms.haltAfter(120_000);
        BlockingQueue<String> commands = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            try {
                for (String line; (line = in.readLine()) != null;) {
                    if (line.equals("exit")) {
                        Runtime.getRuntime().halt(0);
                    }
                    commands.add(line);
                }
            } catch (IOException e) {
                Runtime.getRuntime().halt(4);
            }
            Runtime.getRuntime().halt(0);
        });
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF);
        boolean call = args[0].equals("call");
        NetNetwork net = NetNetwork.start(config(args, call ? 7 : 6));
        mk.joinNetwork(net);
        // After the kernel's own listener: the kernel hears each transition first, as without this one.
        net.listen(new NetworkListener() {
            @Override
            public void nodeUp(int nd, String name, long incarnation, Link link) {
                say("NODEUP " + name + " " + incarnation);
            }

            @Override
            public void nodeDown(int nd, String name, String why) {
                say("NODEDOWN " + name + " " + why);
            }
        });
        switch (args[0]) {
            case "serve" -> serve(mk);
            case "call" -> call(mk, args[6]);
            case "client" -> client(mk, commands);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void serve(MicrokernelImpl mk) throws Exception {
        Kernel k = mk.process("svc-server");
        NameAttach attach = k.nameAttach("svc", 0x1);
        AsyncMessaging am = AsyncMessaging.of(k);
        int achid = am.channelCreate(0, 0666, 64, 4096, null, null);
        Thread.ofPlatform().daemon().start(() -> getter(am, achid));
        say("READY " + k.pid() + " " + attach.chid() + " " + achid);
        ByteBuffer msg = ByteBuffer.allocate(4096);
        MsgInfo info = new MsgInfo();
        while (true) {
            msg.clear();
            long rcvid = k.msgReceive(attach.chid(), msg, info);
            if (rcvid == 0) {
                continue; // pulses: DISCONNECT and the like
            }
            byte[] b = new byte[msg.position()];
            msg.flip().get(b);
            String text = new String(b, StandardCharsets.UTF_8);
            if (b.length >= 2 && !text.startsWith("HOLD")
                    && (ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).getShort(0) & 0xFFFF) == io.courier.kernel.IoMsg.IO_CONNECT) {
                k.msgReply(rcvid, 0, null); // nameOpen's connect message
                continue;
            }
            if (text.startsWith("HOLD")) {
                continue;
            }
            String reply = new StringBuilder(text).reverse() + " nd=" + info.nd();
            k.msgReply(rcvid, info.pid(), ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static void getter(AsyncMessaging am, int achid) {
        while (true) {
            AsyncMsgHeader first;
            try {
                first = am.get(achid);
            } catch (KernelException e) {
                say("GETFAILED " + e.errno());
                return;
            }
            StringJoiner nums = new StringJoiner(",");
            List<AsyncMsgHeader> all = new ArrayList<>();
            for (AsyncMsgHeader h = first; h != null; h = h.next()) {
                ByteBuffer m = h.iov()[0];
                nums.add(m.remaining() == 8 ? Long.toString(m.getLong(m.position())) : "len" + m.remaining());
                all.add(h);
            }
            say("GOT " + nums);
            for (AsyncMsgHeader h : all) {
                am.free(h);
            }
        }
    }

    private static void call(MicrokernelImpl mk, String text) throws Exception {
        Kernel k = mk.process("svc-client");
        int coid = openGlobal(k);
        if (coid >= 0) {
            say(callLine(k, coid, text));
        }
    }

    /** Opens the global name {@code svc}, waiting up to 20 s for it; -1 (having printed NONAME errno) when it is not there. */
    private static int openGlobal(Kernel k) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return k.nameOpen("svc", 0x1);
            } catch (KernelException e) {
                if (System.nanoTime() > end) {
                    say("NONAME " + e.errno());
                    return -1;
                }
                Thread.sleep(50);
            }
        }
    }

    /** Sends {@code text} on {@code coid}: {@code REPLY <reply> <status> <microseconds from send to reply>}. */
    private static String callLine(Kernel k, int coid, String text) {
        ByteBuffer reply = ByteBuffer.allocate(4096);
        long t0 = System.nanoTime();
        int status = k.msgSend(coid, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), reply);
        long micros = (System.nanoTime() - t0) / 1_000;
        return "REPLY " + new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8) + " " + status + " " + micros;
    }

    private static void client(MicrokernelImpl mk, BlockingQueue<String> commands) throws Exception {
        Kernel k = mk.process("svc-client");
        say("READY " + k.pid());
        int coid = -1;
        while (true) {
            String[] w = commands.take().trim().split(" ");
            switch (w[0]) {
                case "CALLS" -> {
                    if (coid < 0 && (coid = openGlobal(k)) < 0) {
                        continue;
                    }
                    int n = Integer.parseInt(w[1]);
                    try {
                        for (int i = 0; i < n; i++) {
                            say(callLine(k, coid, w[2] + "-" + i));
                        }
                        say("CALLED " + n);
                    } catch (KernelException e) {
                        say("CALLFAILED " + e.errno());
                    }
                }
                case "PUT" -> put(mk, k, w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]), Integer.parseInt(w[4]));
                default -> say("HUH " + String.join(" ", w));
            }
        }
    }

    private static void put(MicrokernelImpl mk, Kernel k, String node, int pid, int achid, int count) throws InterruptedException {
        try {
            int nd = k.netmgrStrtond(node);
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (mk.globalNames(nd).stream().noneMatch(n -> n.name().startsWith("courier-asyncmsg-gateway"))
                    && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            AsyncMessaging am = AsyncMessaging.of(k);
            AsyncConnectionAttr attr = AsyncConnectionAttr.builder().bufferSize(64).maxNumBuffer(4096).triggerNumMsg(16).build();
            int acoid = am.connectAttach(nd, pid, achid, 0, 0, attr);
            long putsEnd = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (long i = 0; i < count; i++) {
                ByteBuffer msg = ByteBuffer.allocate(8).putLong(0, i);
                while (true) {
                    try {
                        am.put(acoid, msg, i, null);
                        break;
                    } catch (KernelException e) {
                        if (e.errno() != Errno.EAGAIN || System.nanoTime() > putsEnd) {
                            throw e;
                        }
                        Thread.sleep(1);
                    }
                }
            }
            am.flush(acoid, 0);
            say("PUT " + count);
        } catch (KernelException e) {
            say("PUTFAILED " + e.errno());
        }
    }
}

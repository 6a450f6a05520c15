package io.courier.net;

import io.courier.testing.ChildJvms;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.internal.MicrokernelImpl;
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
import java.util.concurrent.locks.ReentrantLock;

/**
 * A node of the cross-node kernel tests in a JVM of its own: a kernel that joins the network as
 * node NAME and then serves or calls, printing a line per step. It halts itself after 120 s so
 * that it never outlives a broken test; {@code exit} on standard input ends it.
 *
 * <ul>
 *   <li>{@code serve NAME PORT KEYFILE HEARTBEATMS DEADMS PEER...}: process {@code svc-server} attaches the global name
 *       {@code svc} (replies with the message reversed, the client's pid as status and
 *       {@code nd=<client's nd>} appended; a message starting HOLD is never answered) and makes an
 *       asynchronous channel (64-byte messages, 4096 buffers) whose gets it prints as
 *       {@code GOT n1,n2,...}; prints {@code READY pid chid achid}.
 *   <li>{@code call NAME PORT KEYFILE HEARTBEATMS DEADMS TEXT PEER...}: opens the global name {@code svc} (waiting up to
 *       20 s for it), sends TEXT and prints {@code REPLY <reply> <status>}.
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
        Thread.ofPlatform().daemon().start(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            try {
                for (String line; (line = in.readLine()) != null;) {
                    if (line.equals("exit")) {
                        Runtime.getRuntime().halt(0);
                    }
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
        switch (args[0]) {
            case "serve" -> serve(mk);
            case "call" -> call(mk, args[6]);
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
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int coid;
        while (true) {
            try {
                coid = k.nameOpen("svc", 0x1);
                break;
            } catch (KernelException e) {
                if (System.nanoTime() > end) {
                    say("NONAME " + e.errno());
                    return;
                }
                Thread.sleep(50);
            }
        }
        ByteBuffer reply = ByteBuffer.allocate(4096);
        int status = k.msgSend(coid, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), reply);
        say("REPLY " + new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8) + " " + status);
    }
}

package io.courier.asyncmsg.internal.node;

import io.courier.testing.ChildJvms;
import io.courier.asyncmsg.AsyncMessaging;
import io.courier.asyncmsg.AsyncMsgHeader;
import io.courier.kernel.ChannelFlags;
import io.courier.kernel.Errno;
import io.courier.kernel.IdleStrategy;
import io.courier.kernel.IoMsg;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.Pulse;
import io.courier.kernel.PulseCode;
import io.courier.kernel.SigEvent;
import io.courier.kernel.internal.MicrokernelImpl;
import io.courier.node.NodeFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * The server JVM of the asyncmsg node tests: boots a kernel in the node {@code NAME} under
 * {@code ROOT} and serves an asynchronous channel, printing a line per step. Standard input takes
 * commands: {@code destroy} destroys the channel, {@code exit} ends the JVM. It halts itself after
 * 90 s so that it never outlives a broken test.
 *
 * <ul>
 *   <li>{@code numbers ROOT NAME SLOWMS [GETTERS]}: a blocking channel (64-byte buffers, 4096 of them);
 *       prints {@code READY pid chid chid0600} (the second channel's mode is 0600), then for each get {@code GOT pid coid n1,n2,...} (each
 *       message's 8-byte number), sleeping SLOWMS after each get; GETTERS threads get from it (1 by default).
 *   <li>{@code technote ROOT NAME}: the technote's example 6 server: attaches {@code ASYNCH_RECEIVER},
 *       answers GET_ACHID with the chid of an ASYNC_NONBLOCK channel whose event is a pulse, and
 *       on the pulse gets everything, printing {@code SEEN pid parts text} per message.
 * </ul>
 */
public final class AsyncNodeChild {
    static final short GET_ACHID = 2;
    static final int PULSE_ASYNCH_EVENT = PulseCode.MINAVAIL + 5;

    private AsyncNodeChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildJvms.haltAfter(90_000);
        MicrokernelImpl mk = new MicrokernelImpl(IdleStrategy.BACKOFF, NodeFolder.open(Path.of(args[1]), args[2]));
        Kernel k = mk.process("async-node-server");
        AsyncMessaging am = AsyncMessaging.of(k);
        switch (args[0]) {
            case "numbers" -> numbers(k, am, Integer.parseInt(args[3]), args.length > 4 ? Integer.parseInt(args[4]) : 1);
            case "technote" -> technote(k, am);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static final java.util.concurrent.locks.ReentrantLock OUT = new java.util.concurrent.locks.ReentrantLock();

    private static void say(String line) {
        OUT.lock();
        try {
            System.out.println(line);
            System.out.flush();
        } finally {
            OUT.unlock();
        }
    }

    /** Reads commands from standard input on a thread of its own. */
    private static void commands(Runnable destroy) {
        Thread.ofPlatform().daemon().start(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            try {
                for (String line; (line = in.readLine()) != null;) {
                    if (line.equals("destroy")) {
                        destroy.run();
                        say("DESTROYED");
                    } else if (line.equals("exit")) {
                        Runtime.getRuntime().halt(0);
                    }
                }
            } catch (IOException e) {
                Runtime.getRuntime().halt(4);
            }
            Runtime.getRuntime().halt(0);
        });
    }

    /** Messages of the channel for long messages ({@link #BIG} bytes of buffer): a number, then that number's low byte over and over. */
    static final int BIG = 8192;

    private static void numbers(Kernel k, AsyncMessaging am, int slowMs, int getters) throws InterruptedException {
        int chid = am.channelCreate(0, 0666, 64, 4096, null, null);
        int ownerOnly = am.channelCreate(0, 0600, 64, 16, null, null);
        int big = am.channelCreate(0, 0666, BIG, 1024, null, null);
        commands(() -> am.channelDestroy(chid));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                serve(am, big, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int g = 1; g < getters; g++) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    serve(am, chid, slowMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        say("READY " + k.pid() + " " + chid + " " + ownerOnly + " " + big);
        serve(am, chid, slowMs);
        // The channel was destroyed: the JVM stays until the test says "exit" or closes its
        // input, so that the command thread's "DESTROYED" is said (returning from main here
        // ended the JVM first, at times).
        Thread.currentThread().join();
    }

    /** One line per sending connection of each get: "GOT pid coid n1,n2,..." ("bad" before a long message's number whose bytes are wrong). */
    private static void serve(AsyncMessaging am, int chid, int slowMs) throws InterruptedException {
        for (;;) {
            AsyncMsgHeader first;
            try {
                first = am.get(chid);
            } catch (KernelException e) {
                say("GETFAILED " + e.errno());
                return;
            }
            StringJoiner nums = new StringJoiner(",");
            String from = first.info().pid() + " " + first.info().coid();
            List<AsyncMsgHeader> all = new ArrayList<>();
            for (AsyncMsgHeader h = first; h != null; h = h.next()) {
                String f = h.info().pid() + " " + h.info().coid();
                if (!f.equals(from)) {
                    // One line per sending connection.
                    say("GOT " + from + " " + nums);
                    nums = new StringJoiner(",");
                    from = f;
                }
                ByteBuffer m = h.iov()[0];
                nums.add(m.remaining() == 8 ? Long.toString(m.getLong(0)) : longMessage(m));
                all.add(h);
            }
            say("GOT " + from + " " + nums);
            for (AsyncMsgHeader h : all) {
                am.free(h);
            }
            if (slowMs > 0) {
                Thread.sleep(slowMs);
            }
        }
    }

    private static String longMessage(ByteBuffer m) {
        if (m.remaining() < 8) {
            return "len" + m.remaining();
        }
        long n = m.getLong(m.position());
        for (int i = m.position() + 8; i < m.limit(); i++) {
            if (m.get(i) != (byte) n) {
                return "bad" + n;
            }
        }
        return Long.toString(n);
    }

    private static void technote(Kernel k, AsyncMessaging am) {
        NameAttach att = k.nameAttach("ASYNCH_RECEIVER", 0);
        int selfCoid = k.connectAttach(0, k.pid(), att.chid(), Kernel.SIDE_CHANNEL, 0);
        SigEvent sigev = SigEvent.pulse(selfCoid, 10, PULSE_ASYNCH_EVENT, 0);
        int achid = am.channelCreate(ChannelFlags.ASYNC_NONBLOCK, 0666, 1024, 10, sigev, null);
        commands(() -> am.channelDestroy(achid));
        say("READY " + k.pid() + " " + achid);
        ByteBuffer recv = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
        MsgInfo info = new MsgInfo();
        for (;;) {
            recv.clear();
            long rcvid = k.msgReceive(att.chid(), recv, info);
            recv.flip();
            if (rcvid == 0) {
                Pulse pulse = Pulse.from(recv);
                if (pulse.code() == PulseCode.DISCONNECT) {
                    k.connectDetach(pulse.scoid());
                    say("DISCONNECT");
                } else if (pulse.code() == PULSE_ASYNCH_EVENT) {
                    for (AsyncMsgHeader agh = am.get(achid); agh != null; agh = am.get(achid)) {
                        while (agh != null) {
                            say("SEEN " + agh.info().pid() + " " + agh.parts() + " " + text(agh));
                            AsyncMsgHeader agh1 = agh;
                            agh = agh1.next();
                            am.free(agh1);
                        }
                    }
                }
                continue;
            }
            int type = recv.getShort(0) & 0xFFFF;
            if (type == IoMsg.IO_CONNECT) {
                k.msgReply(rcvid, Errno.EOK.code(), null);
            } else if (type == GET_ACHID) {
                k.msgReply(rcvid, 0, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, achid));
            } else {
                k.msgError(rcvid, Errno.ENOSYS);
            }
        }
    }

    private static String text(AsyncMsgHeader h) {
        ByteBuffer b = h.iov()[0].duplicate();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        int n = 0;
        while (n < a.length && a[n] != 0) {
            n++;
        }
        return new String(a, 0, n, StandardCharsets.UTF_8);
    }
}

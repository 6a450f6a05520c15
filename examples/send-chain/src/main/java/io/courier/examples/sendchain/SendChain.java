package io.courier.examples.sendchain;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.ThreadState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A send hierarchy that stays put, to look at with {@code pidin sends} and the web console's
 * send graph (SPEC K16, K19):
 *
 * <pre>
 *   chain-a --REPLY--> chain-b --REPLY--> chain-c      chain-c's send to chain-a: refused, EDEADLK
 *   chain-d --SEND---> chain-b                          chain-load: N threads SEND-blocked on chain-b
 * </pre>
 *
 * Each process has one thread, as a single-threaded QNX server does: chain-b received chain-a's
 * message and sends to chain-c, which received it and keeps it unanswered; chain-d's message
 * waits for chain-b to receive again; chain-c then sends to chain-a, which would close the cycle
 * a, b, c, and the kernel refuses it (the log names the cycle). chain-load holds as many
 * virtual threads as asked, all SEND-blocked on chain-b: a large system in one process.
 *
 * <p>{@link #close()} kills the processes: every blocked thread gets its error and ends.
 */
public final class SendChain implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SendChain.class);
    /** How long {@link #start} waits for the chain to stand. */
    static final Duration LIMIT = Duration.ofSeconds(20);

    private final List<Kernel> processes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Microkernel mk;

    private SendChain(Microkernel mk) {
        this.mk = mk;
    }

    /**
     * Builds the chain in {@code mk} and returns once it stands: chain-c's send refused, chain-d
     * and the {@code clients} threads of chain-load SEND-blocked.
     *
     * @throws KernelException ETIMEDOUT when it does not stand within 20 s (what was made is
     *     killed again), EINVAL for a negative {@code clients}
     */
    public static SendChain start(Microkernel mk, int clients) {
        if (clients < 0) {
            throw new KernelException(Errno.EINVAL, "clients must not be negative: " + clients);
        }
        SendChain chain = new SendChain(mk);
        try {
            chain.build(clients);
            return chain;
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        } catch (InterruptedException e) {
            chain.close();
            Thread.currentThread().interrupt();
            throw new KernelException(Errno.EINTR, "interrupted while the send chain was built");
        }
    }

    private void build(int clients) throws InterruptedException {
        Kernel a = process("chain-a");
        Kernel b = process("chain-b");
        Kernel c = process("chain-c");
        Kernel d = process("chain-d");
        int[] ch = new int[3];
        CountDownLatch serversReady = new CountDownLatch(2);
        CountDownLatch refused = new CountDownLatch(1);

        thread("chain-c", () -> {
            ch[2] = c.channelCreate(0);
            serversReady.countDown();
            long fromB = c.msgReceive(ch[2], ByteBuffer.allocate(64), null);
            int toA = c.connectAttach(0, a.pid(), ch[0], 0, 0);
            try {
                c.msgSend(toA, text("c asks a"), null);
            } catch (KernelException e) {
                if (e.errno() != Errno.EDEADLK) {
                    throw e;
                }
                refused.countDown();
            }
            // Keeps b's message unanswered and waits for more: RECEIVE-blocked.
            c.msgReceive(ch[2], ByteBuffer.allocate(64), null);
            c.msgReply(fromB, 0, null);
        });
        thread("chain-b", () -> {
            ch[1] = b.channelCreate(0);
            serversReady.countDown();
            long fromA = b.msgReceive(ch[1], ByteBuffer.allocate(64), null);
            b.msgSend(b.connectAttach(0, c.pid(), ch[2], 0, 0), text("b asks c"), null);
            b.msgReply(fromA, 0, null);
        });
        await(serversReady, "chain-b and chain-c to make their channels");
        awaitState(b, ThreadState.RECEIVE);
        awaitState(c, ThreadState.RECEIVE);
        thread("chain-a", () -> {
            ch[0] = a.channelCreate(0);
            a.msgSend(a.connectAttach(0, b.pid(), ch[1], 0, 0), text("a asks b"), null);
        });
        await(refused, "chain-c's send to chain-a to be refused");
        thread("chain-d", () -> d.msgSend(d.connectAttach(0, b.pid(), ch[1], 0, 0), text("d asks b"), null));
        awaitState(d, ThreadState.SEND);
        if (clients > 0) {
            Kernel load = process("chain-load");
            // The connection is made by a thread that then ends, so that chain-load holds only its clients.
            int[] coid = new int[1];
            Thread attach = Thread.ofVirtual().start(() -> coid[0] = load.connectAttach(0, b.pid(), ch[1], 0, 0));
            if (!attach.join(LIMIT)) {
                throw new KernelException(Errno.ETIMEDOUT, "chain-load's connection was not made within " + LIMIT);
            }
            for (int i = 0; i < clients; i++) {
                threads.add(Thread.ofVirtual().name("chain-load-" + i).start(quietly(
                        () -> load.msgSend(coid[0], text("load asks b"), null))));
            }
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (blocked(load, ThreadState.SEND) < clients) {
                if (System.nanoTime() - deadline > 0) {
                    throw new KernelException(Errno.ETIMEDOUT, "chain-load's clients did not all block within " + LIMIT);
                }
                Thread.sleep(20);
            }
        }
        LOG.info("send chain standing: chain-a REPLY-blocked on chain-b, chain-b on chain-c, chain-d and {} clients "
                + "of chain-load SEND-blocked on chain-b", clients);
    }

    private Kernel process(String name) {
        Kernel k = mk.process(name);
        processes.add(k);
        return k;
    }

    /** A platform thread that serves or sends for one process, and ends quietly when the chain is killed. */
    private void thread(String name, Body body) {
        threads.add(Thread.ofPlatform().daemon().name(name).start(quietly(body)));
    }

    private static Runnable quietly(Body body) {
        return () -> {
            try {
                body.run();
            } catch (KernelException e) {
                // The chain was killed (ESRCH, ENXIO, EBADF, EINTR): this thread's part is over.
                LOG.debug("{} ends: {}", Thread.currentThread().getName(), e.getMessage());
            }
        };
    }

    @FunctionalInterface
    private interface Body {
        void run();
    }

    private long blocked(Kernel k, ThreadState state) {
        return mk.processes().stream().filter(p -> p.pid() == k.pid()).flatMap(p -> p.threads().stream())
                .filter(t -> t.state() == state).count();
    }

    private void awaitState(Kernel k, ThreadState state) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (blocked(k, state) == 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new KernelException(Errno.ETIMEDOUT, k.name() + " is not " + state + " within " + LIMIT);
            }
            Thread.sleep(10);
        }
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new KernelException(Errno.ETIMEDOUT, "waited " + LIMIT + " for " + what);
        }
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The pids of the chain's processes: chain-a, chain-b, chain-c, chain-d, then chain-load if made. */
    public List<Integer> pids() {
        return processes.stream().map(Kernel::pid).toList();
    }

    /** Kills the chain's processes and waits (bounded) for its threads to end. */
    @Override
    public void close() {
        for (Kernel k : processes.reversed()) {
            if (k.isAlive()) {
                k.exit();
            }
        }
        long deadline = System.nanoTime() + LIMIT.toNanos();
        for (Thread t : threads) {
            try {
                if (!t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    LOG.warn("send chain: thread {} did not end within {}", t.getName(), LIMIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

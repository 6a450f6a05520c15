package io.courier.examples.checksum.client;

import io.courier.examples.checksum.Checksum;
import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The {@code checksumload} command: threads that ask for checksums without pause for a while,
 * and what they saw. A request is <em>sent</em> when a thread calls, <em>answered</em> when the
 * right checksum came back, <em>wrong</em> when another did, <em>failed</em> with an errno, and
 * <em>lost</em> when its call had not returned 30 s after the run's end (a hang; must be 0). The
 * longest stall is the longest single call.
 */
final class ChecksumLoad {
    /** The most threads one run starts. */
    static final int MAX_THREADS = 64;
    /** The longest run. */
    static final long MAX_MILLIS = TimeUnit.HOURS.toMillis(1);
    /** How long after the run's end a call may still return before it counts as lost. */
    private static final long GRACE_MILLIS = TimeUnit.SECONDS.toMillis(30);

    /** What one run saw. */
    record Result(int threads, long millis, long sent, long answered, long wrong, Map<Errno, Long> failed, long lost,
            long longestStallMillis) {
        @Override
        public String toString() {
            return String.format("checksumload: sent %d answered %d wrong %d failed %s lost %d longest-stall %d ms"
                    + " (%d threads, %d ms)", sent, answered, wrong, failed, lost, longestStallMillis, threads, millis);
        }
    }

    private ChecksumLoad() {
    }

    /**
     * Runs {@code threads} threads through {@code client} for {@code millis} ms.
     *
     * @throws KernelException EINVAL for threads outside 1..{@value #MAX_THREADS} or a duration
     *     outside 1 ms..1 h
     */
    static Result run(ChecksumClient client, int threads, long millis) throws InterruptedException {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new KernelException(Errno.EINVAL, "threads must be 1.." + MAX_THREADS + ": " + threads);
        }
        if (millis < 1 || millis > MAX_MILLIS) {
            throw new KernelException(Errno.EINVAL, "millis must be 1.." + MAX_MILLIS + ": " + millis);
        }
        AtomicLong sent = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        Map<Errno, AtomicLong> failed = new ConcurrentHashMap<>();
        LongAccumulator stall = new LongAccumulator(Math::max, 0);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String prefix = "load " + t + " ";
            workers.add(Thread.ofPlatform().name("checksumload-" + t).start(() -> {
                for (long i = 0; System.nanoTime() - end < 0; i++) {
                    String text = prefix + i;
                    sent.incrementAndGet();
                    long t0 = System.nanoTime();
                    try {
                        (client.checksum(text) == Checksum.of(text) ? answered : wrong).incrementAndGet();
                    } catch (KernelException e) {
                        failed.computeIfAbsent(e.errno(), x -> new AtomicLong()).incrementAndGet();
                    }
                    stall.accumulate(System.nanoTime() - t0);
                }
            }));
        }
        long joinBy = System.currentTimeMillis() + millis + GRACE_MILLIS;
        for (Thread w : workers) {
            w.join(Math.max(1, joinBy - System.currentTimeMillis()));
            w.interrupt(); // one still blocked after the grace is a hang: counted as lost below
        }
        Map<Errno, Long> failures = new EnumMap<>(Errno.class);
        failed.forEach((errno, n) -> failures.put(errno, n.get()));
        long ended = answered.get() + wrong.get() + failures.values().stream().mapToLong(Long::longValue).sum();
        return new Result(threads, millis, sent.get(), answered.get(), wrong.get(), failures, sent.get() - ended,
                TimeUnit.NANOSECONDS.toMillis(stall.get()));
    }
}

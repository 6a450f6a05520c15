package io.courier.benchmarks.iocp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A load client without JMH, for shared or noisy machines: it alternates the two servers
 * round by round (iocp, jdk, iocp, jdk, ...) so that background load hits both alike, and
 * prints each round's throughput and latency percentiles, then the medians and their ratio.
 *
 * <pre>java -cp ... io.courier.benchmarks.iocp.EchoLoad [clients] [size] [seconds] [rounds] [workers]</pre>
 */
public final class EchoLoad {
    private EchoLoad() {
    }

    /** One round's figures for one server. */
    record Figures(double opsPerSecond, double p50Micros, double p99Micros, double maxMicros) {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int workers = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        String[] kinds = {"iocp", "jdk"};
        List<List<Figures>> results = List.of(new ArrayList<>(), new ArrayList<>());
        run("iocp", clients, size, 1, workers); // warm both up
        run("jdk", clients, size, 1, workers);
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < kinds.length; k++) {
                Figures f = run(kinds[k], clients, size, seconds, workers);
                results.get(k).add(f);
                System.out.printf(Locale.ROOT,
                        "round %d %-4s %10.0f ops/s  p50 %7.1f us  p99 %7.1f us  max %9.1f us%n",
                        round, kinds[k], f.opsPerSecond(), f.p50Micros(), f.p99Micros(), f.maxMicros());
            }
        }
        double[] ops = new double[2];
        double[] p50 = new double[2];
        for (int k = 0; k < 2; k++) {
            ops[k] = median(results.get(k).stream().mapToDouble(Figures::opsPerSecond).toArray());
            p50[k] = median(results.get(k).stream().mapToDouble(Figures::p50Micros).toArray());
            System.out.printf(Locale.ROOT, "median %-4s %10.0f ops/s  p50 %7.1f us%n", kinds[k], ops[k], p50[k]);
        }
        System.out.printf(Locale.ROOT,
                "clients=%d size=%d workers=%d: jdk/iocp throughput %.2fx, iocp/jdk p50 latency %.2fx%n",
                clients, size, workers, ops[1] / ops[0], p50[0] / p50[1]);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Figures run(String kind, int clients, int size, int seconds, int workers) throws Exception {
        try (EchoServer server = EchoServer.start(kind, workers, Math.max(size, 4096))) {
            long[][] samples = new long[clients][];
            long[] counts = new long[clients];
            CountDownLatch ready = new CountDownLatch(clients);
            CountDownLatch go = new CountDownLatch(1);
            long duration = TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                threads.add(Thread.ofPlatform().start(() -> {
                    long[] latencies = new long[1 << 20];
                    try (EchoClient client = new EchoClient(server.address(), size)) {
                        ready.countDown();
                        go.await();
                        long end = System.nanoTime() + duration;
                        long n = 0;
                        long now = System.nanoTime();
                        while (now < end) {
                            client.roundTrip();
                            long after = System.nanoTime();
                            latencies[(int) (n & (latencies.length - 1))] = after - now;
                            now = after;
                            n++;
                        }
                        counts[id] = n;
                        samples[id] = Arrays.copyOf(latencies, (int) Math.min(n, latencies.length));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            if (!ready.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("clients did not connect");
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            long total = Arrays.stream(counts).sum();
            long[] all = Arrays.stream(samples).flatMapToLong(Arrays::stream).sorted().toArray();
            return new Figures(total / (double) seconds, all[all.length / 2] / 1e3,
                    all[(int) (all.length * 0.99)] / 1e3, all[all.length - 1] / 1e3);
        }
    }
}

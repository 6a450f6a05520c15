package io.courier.shm.internal;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs the file-channel operations of shared memory objects (size, resize, map) on a thread of
 * its own that nobody interrupts, the caller waiting for it uninterruptibly. A {@link
 * java.nio.channels.FileChannel} is closed, for every process that shares it, when a thread whose
 * interrupt is set (or arrives) is inside one of its operations: one process's interrupted thread
 * calling fstat would otherwise leave the object broken (EIO) for all. The caller's interrupt is
 * kept for it. The thread ends after a second without work.
 */
final class ShmIo {
    private static final ThreadPoolExecutor IO = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), Thread.ofPlatform().daemon().name("courier-shm-io").factory());

    private ShmIo() {
    }

    /** An operation on a channel. */
    interface Call<T> {
        T call() throws IOException;
    }

    /** {@code call}'s result, run on the I/O thread; what it throws is thrown here. */
    static <T> T run(Call<T> call) throws IOException {
        Future<T> f = IO.submit(call::call);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the operation is under way on the other thread: wait for it
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IOException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

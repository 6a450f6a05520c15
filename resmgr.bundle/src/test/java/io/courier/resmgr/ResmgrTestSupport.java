package io.courier.resmgr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.testing.SystemPerTest;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** A fresh kernel (and so a fresh pathname space) per test ({@link SystemPerTest}), and small helpers. */
public abstract class ResmgrTestSupport extends SystemPerTest<Microkernel> {
    @Override
    protected Microkernel boot() {
        return Microkernel.boot();
    }

    /** A new process and its resource manager view. */
    protected Resmgr process(String name) {
        return Resmgr.of(mk.process(name));
    }

    /** Reads everything {@code fd} gives until end of file. */
    protected static String readAll(Resmgr rm, int fd) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(100);
        for (;;) {
            buf.clear();
            int n = rm.read(fd, buf);
            if (n == 0) {
                return sb.toString();
            }
            sb.append(text(buf));
        }
    }

    /** Writes {@code s} to {@code fd}, asserting every byte was taken. */
    protected static void write(Resmgr rm, int fd, String s) {
        ByteBuffer b = text(s);
        assertEquals(b.remaining(), rm.write(fd, b));
    }

    protected static List<String> names(List<DirEntry> entries) {
        return entries.stream().map(DirEntry::name).toList();
    }

    protected static KernelException fails(Errno expected, Executable call) {
        KernelException e = assertThrows(KernelException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
        return e;
    }

    protected static boolean alive(Kernel k) {
        return k.isAlive();
    }
}

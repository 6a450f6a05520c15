package io.courier.resmgr.internal.osgi;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.Mode;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.Stat;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo commands on the pathname space, found by Gogo through the {@code osgi.command.*}
 * service properties (no compile dependency on Gogo):
 *
 * <ul>
 *   <li>{@code ls [path]} lists a directory (or shows one entry): type and permissions, owner,
 *       group, size and name, directories ending in {@code /}. Without a path it lists
 *       {@code /}.
 *   <li>{@code cat path} prints what reading the path gives, up to {@link #CAT_MAX} bytes (a
 *       device may never end). Reading a directory gives its entries (QNX's {@code read()} of a
 *       directory gives {@code dirent}s): {@code cat} prints their names, one a line, so
 *       {@code cat /dev/name/local} shows the attached names.
 *   <li>{@code write path text...} is {@code echo text... > path}: writes the words,
 *       space-separated, with a newline, opening with {@code O_WRONLY|O_CREAT|O_TRUNC}. Gogo's
 *       own {@code >} writes to the host's files, so it cannot reach the pathname space.
 * </ul>
 *
 * Paths are Courier's: the pathname space has no working directory, so a relative path starts
 * at {@code /}. The runtime's shell searches the {@code courier} scope first, so there plain
 * {@code ls} and {@code cat} are these; the host's files stay at hand as {@code felix:ls} and
 * {@code gogo:cat}. In a shell that searches Gogo's scope first, type {@code courier:ls} and
 * {@code courier:cat}. The commands act as the resmgr bundle's process (root). Errors come back as
 * the {@link KernelException}, whose message names the errno.
 */
@Component(service = ResmgrCommands.class, property = {
    "osgi.command.scope=courier",
    "osgi.command.function=ls",
    "osgi.command.function=cat",
    "osgi.command.function=write"})
public final class ResmgrCommands {
    /** The most bytes {@link #cat} prints. */
    public static final int CAT_MAX = 1 << 20;

    private final Resmgr rm;

    /** Commands acting through {@code rm}'s process. */
    @Activate
    public ResmgrCommands(@Reference(name = "resmgr") Resmgr rm) {
        this.rm = rm;
    }

    /** {@code ls /}. */
    public String ls() {
        return ls("/");
    }

    /** {@code ls path}: one line per entry, or the line of {@code path} itself when it is no directory. */
    public String ls(String path) {
        path = absolute(path);
        Stat self = rm.stat(path);
        if (!self.isDirectory()) {
            return line(self, path);
        }
        String base = path.endsWith("/") ? path : path + "/";
        StringBuilder sb = new StringBuilder();
        for (DirEntry e : rm.readdir(path)) {
            Stat st;
            try {
                st = rm.stat(base + e.name());
            } catch (KernelException gone) {
                sb.append("?????????? ").append(e.name()).append('\n');
                continue;
            }
            sb.append(line(st, e.name())).append('\n');
        }
        return sb.toString();
    }

    private static String line(Stat st, String name) {
        return String.format("%s %5d %5d %8d %s%s", Mode.toString(st.mode()), st.uid(), st.gid(), st.size(), name,
                st.isDirectory() ? "/" : "");
    }

    /** A path of the pathname space, which has no working directory: a relative one starts at {@code /}. */
    static String absolute(String path) {
        return path.startsWith("/") ? path : "/" + path;
    }

    /** {@code cat path}: what reading it gives, as UTF-8; a directory's entry names, one a line. */
    public String cat(String path) {
        path = absolute(path);
        int fd = rm.open(path, OpenFlags.O_RDONLY);
        try {
            if (rm.stat(fd).isDirectory()) {
                StringBuilder names = new StringBuilder();
                for (DirEntry e : rm.readdir(path)) {
                    names.append(e.name()).append('\n');
                }
                return names.toString();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (out.size() < CAT_MAX) {
                buf.clear().limit(Math.min(buf.capacity(), CAT_MAX - out.size()));
                int n = rm.read(fd, buf);
                if (n <= 0) {
                    break;
                }
                out.write(buf.array(), 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            rm.close(fd);
        }
    }

    /** {@code echo text... > path}. */
    public void write(String path, String... text) {
        path = absolute(path);
        byte[] data = (String.join(" ", text) + "\n").getBytes(StandardCharsets.UTF_8);
        int fd = rm.open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC);
        try {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                int n = rm.write(fd, buf);
                if (n <= 0) {
                    throw new KernelException(Errno.EIO, "the manager took no bytes");
                }
                buf.position(buf.position() + n);
            }
        } finally {
            rm.close(fd);
        }
    }
}

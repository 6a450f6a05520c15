package io.courier.resmgr;

import io.courier.kernel.Errno;
import io.courier.kernel.KernelException;
import io.courier.kernel.SigEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Small managers the tests attach. */
final class Devices {
    private Devices() {
    }

    /** A file of fixed content: reads from the OCB's offset; writes replace the content. */
    static class TextFile implements ResmgrHandler {
        volatile ByteBuffer content;
        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<Integer> types = new CopyOnWriteArrayList<>();
        final List<Ocb> closed = new CopyOnWriteArrayList<>();

        TextFile(String text) {
            content = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public IoAttr lookup(ResmgrContext ctx, IoAttr mount, String path) {
            paths.add(path);
            mount.size(content.limit());
            return path.isEmpty() ? mount : null;
        }

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            types.add(io.courier.kernel.IoMsg.IO_READ);
            return IoFunc.readAt(ocb, content, nbytes);
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            types.add(io.courier.kernel.IoMsg.IO_WRITE);
            ByteBuffer data = ByteBuffer.allocate(nbytes);
            ctx.msgRead(data, IoWriteLayout.SIZE);
            content = data.flip();
            ocb.attr().size(nbytes);
            ocb.attr().markModified();
            return nbytes;
        }

        @Override
        public void close(Ocb ocb) {
            closed.add(ocb);
        }
    }

    /**
     * A directory manager: entries named by the map, each a text file; paths with a '/' after
     * a name are not found (ENOENT), so resolution passes them on.
     */
    static final class Dir implements ResmgrHandler {
        final Map<String, IoAttr> files = new ConcurrentHashMap<>();
        final List<String> paths = new CopyOnWriteArrayList<>();

        Dir(String... names) {
            for (String n : names) {
                files.put(n, new IoAttr(Mode.S_IFREG | 0644, 0, 0));
            }
        }

        @Override
        public IoAttr lookup(ResmgrContext ctx, IoAttr mount, String path) {
            paths.add(path);
            return path.isEmpty() ? mount : files.get(path);
        }

        @Override
        public List<DirEntry> readdir(ResmgrContext ctx, IoAttr dir) {
            return files.keySet().stream().sorted().map(n -> new DirEntry(files.get(n).ino(), n)).toList();
        }
    }

    /**
     * A queue of records: a write enqueues one, a read dequeues one (nothing when empty), and
     * ionotify(COND_INPUT) fires when a write makes the queue non-empty.
     */
    static final class Queue implements ResmgrHandler {
        final ArrayDeque<byte[]> records = new ArrayDeque<>();
        final NotifyList notify = new NotifyList();

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            byte[] r = records.poll();
            return r == null ? IoFunc.eof() : ByteBuffer.wrap(r);
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            ByteBuffer data = ByteBuffer.allocate(nbytes);
            ctx.msgRead(data, IoWriteLayout.SIZE);
            records.add(data.array());
            ctx.reply(nbytes, null);
            notify.trigger(Notify.COND_INPUT);
            return nbytes;
        }

        @Override
        public int notify(ResmgrContext ctx, Ocb ocb, int action, int flags, SigEvent event) {
            int met = Notify.COND_OUTPUT | (records.isEmpty() ? 0 : Notify.COND_INPUT);
            return notify.arm(ctx, ocb, action, flags, event, met);
        }

        @Override
        public void close(Ocb ocb) {
            notify.remove(ocb);
        }
    }

    /** Fails every read with {@code errno}. */
    static ResmgrHandler failing(Errno errno) {
        return new ResmgrHandler() {
            @Override
            public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
                throw new KernelException(errno, "failing device");
            }
        };
    }
}

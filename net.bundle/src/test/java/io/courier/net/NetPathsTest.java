package io.courier.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.Microkernel;
import io.courier.kernel.NameInfo;
import io.courier.resmgr.DirEntry;
import io.courier.resmgr.IoAttr;
import io.courier.resmgr.IoFunc;
import io.courier.resmgr.IoWriteLayout;
import io.courier.resmgr.Mode;
import io.courier.resmgr.Ocb;
import io.courier.resmgr.OpenFlags;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrContext;
import io.courier.resmgr.ResmgrHandler;
import io.courier.testing.Waits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (B3): resource managers of another node by {@code /net/<node>/<path>}, as Qnet gives
 * them, over the real network (two nodes of this JVM over Aeron UDP on the loopback, each with a
 * kernel of its own). A manager attached on beta is opened, read, written, stat'ed and listed from
 * alpha through {@code /net/beta/...}, and the manager sees the client's node; {@code /net} lists
 * the nodes; {@code /net/alpha/...} is alpha's own space; {@code processes(nd)} ({@code pidin -n})
 * lists beta's processes; the errors: ENOENT for a node no
 * configuration names and for a path beta lacks, EINVAL from beta's pathname manager for a
 * malformed question, EHOSTDOWN once beta is down.
 */
class NetPathsTest extends NetTestSupport {
    private static final Duration LIMIT = Duration.ofSeconds(15);

    /** A text file: reads from the OCB's offset; a write replaces the text; each client's node remembered. */
    static final class Greeting implements ResmgrHandler {
        volatile ByteBuffer text = ByteBuffer.wrap("hello from beta".getBytes(StandardCharsets.UTF_8));
        final List<Integer> clientNodes = new CopyOnWriteArrayList<>();

        @Override
        public IoAttr lookup(ResmgrContext ctx, IoAttr mount, String path) {
            mount.size(text.limit());
            return path.isEmpty() ? mount : null;
        }

        @Override
        public Ocb open(ResmgrContext ctx, IoAttr attr, int ioflag) {
            clientNodes.add(ctx.info().nd());
            return ResmgrHandler.super.open(ctx, attr, ioflag);
        }

        @Override
        public ByteBuffer read(ResmgrContext ctx, Ocb ocb, int nbytes) {
            return IoFunc.readAt(ocb, text, nbytes);
        }

        @Override
        public int write(ResmgrContext ctx, Ocb ocb, int nbytes) {
            ByteBuffer data = ByteBuffer.allocate(nbytes);
            ctx.msgRead(data, IoWriteLayout.SIZE);
            text = data.flip();
            ocb.attr().size(nbytes);
            return nbytes;
        }
    }

    private Microkernel kernel() {
        Microkernel mk = Microkernel.boot();
        started.add(mk);
        return mk;
    }

    private static String read(Resmgr rm, int fd) {
        ByteBuffer buf = ByteBuffer.allocate(256);
        StringBuilder sb = new StringBuilder();
        int n;
        while ((n = rm.read(fd, buf.clear())) > 0) {
            sb.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static Errno errnoOf(Runnable call) {
        return assertThrows(KernelException.class, call::run).errno();
    }

    @Test
    void aManagerOfAnotherNodeIsReachedByNetNodePath() throws Exception {
        int pa = ChildNode.freePort();
        int pb = ChildNode.freePort();
        Microkernel alpha = kernel();
        Microkernel beta = kernel();
        NetNetwork na = network("alpha", pa, at("beta", pb));
        NetNetwork nb = network("beta", pb, at("alpha", pa));
        alpha.joinNetwork(na);
        beta.joinNetwork(nb);
        Greeting greeting = new Greeting();
        Resmgr server = Resmgr.of(beta.process("greeter"));
        server.resmgrAttach("/dev/greeting", 0, new IoAttr(Mode.S_IFREG | 0666, 0, 0), greeting);
        Resmgr mine = Resmgr.of(alpha.process("local-dev"));
        mine.resmgrAttach("/dev/alpha-thing", 0, new IoAttr(Mode.S_IFREG | 0666, 0, 0), new Greeting());
        Resmgr client = Resmgr.of(alpha.process("client"));
        int betaNd = client.kernel().netmgrStrtond("beta");
        Waits.eventually("beta's pathname manager is among beta's global names on alpha",
                () -> alpha.globalNames(betaNd).stream().map(NameInfo::name).anyMatch(n -> n.startsWith("courier-pathmgr")));

        // Open, read, write, read again, stat: each message goes to beta's manager by nd.
        int fd = client.open("/net/beta/dev/greeting", OpenFlags.O_RDWR);
        assertEquals("hello from beta", read(client, fd));
        assertEquals(List.of(beta.process("looker").netmgrStrtond("alpha")), greeting.clientNodes,
                "the manager saw a client of alpha's node");
        client.close(fd);
        fd = client.open("/net/beta/dev/greeting", OpenFlags.O_WRONLY);
        assertEquals(5, client.write(fd, ByteBuffer.wrap("howdy".getBytes(StandardCharsets.UTF_8))));
        client.close(fd);
        fd = client.open("/net/beta/dev/greeting", OpenFlags.O_RDONLY);
        assertEquals("howdy", read(client, fd));
        client.close(fd);
        assertEquals(5, client.stat("/net/beta/dev/greeting").size());

        // Listings: /net has the nodes, /net/beta/dev is beta's /dev, / shows net.
        assertEquals(List.of("alpha", "beta"), client.readdir("/net").stream().map(DirEntry::name).sorted().toList());
        List<String> dev = client.readdir("/net/beta/dev").stream().map(DirEntry::name).toList();
        assertTrue(dev.contains("greeting") && !dev.contains("alpha-thing"), dev.toString());
        assertTrue(client.readdir("/").stream().anyMatch(e -> e.name().equals("net")));
        assertTrue(client.stat("/net/beta").isDirectory());

        // This node's own name is this node's space.
        int own = client.open("/net/alpha/dev/alpha-thing", OpenFlags.O_RDONLY);
        assertEquals("hello from beta", read(client, own)); // the same handler class, alpha's instance
        client.close(own);

        // Errors.
        assertEquals(Errno.ENOENT, errnoOf(() -> client.open("/net/gamma/dev/greeting", OpenFlags.O_RDONLY)));
        assertEquals(Errno.ENOENT, errnoOf(() -> client.open("/net/beta/dev/none", OpenFlags.O_RDONLY)));
        assertEquals(Errno.ENOENT, errnoOf(() -> client.open("/net/beta/dev/alpha-thing", OpenFlags.O_RDONLY)));

        // A malformed question to beta's pathname manager: refused, and it answers the next.
        NameInfo pathmgr = alpha.globalNames(betaNd).stream().filter(n -> n.name().startsWith("courier-pathmgr"))
                .findFirst().orElseThrow();
        Kernel k = client.kernel();
        int coid = k.connectAttach(betaNd, pathmgr.pid(), pathmgr.chid(), Kernel.SIDE_CHANNEL, 0);
        assertEquals(Errno.EINVAL, errnoOf(() -> k.msgSend(coid, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                ByteBuffer.allocate(64))));
        k.connectDetach(coid);
        fd = client.open("/net/beta/dev/greeting", OpenFlags.O_RDONLY);
        client.close(fd);

        // pidin -n beta over the same network: beta's processes, its manager among them.
        assertTrue(alpha.processes(betaNd).stream().anyMatch(p -> p.name().equals("greeter")
                && p.pid() == server.kernel().pid()), "beta's process list, asked over Aeron");

        // Beta leaves: its paths are out of reach.
        nb.close();
        long end = System.nanoTime() + LIMIT.toNanos();
        Errno seen = null;
        while (System.nanoTime() < end && (seen = errnoOrNull(client)) != Errno.EHOSTDOWN) {
            Thread.sleep(20);
        }
        assertEquals(Errno.EHOSTDOWN, seen, "beta is down to alpha");

        // Beta comes back: the first open once alpha sees its link reaches its manager again,
        // though beta's names follow the link by a moment.
        beta.leaveNetwork(nb);
        beta.joinNetwork(network("beta", pb, at("alpha", pa)));
        Waits.eventually("beta is up to alpha again", () -> alpha.network().link(betaNd) != null);
        fd = client.open("/net/beta/dev/greeting", OpenFlags.O_RDONLY);
        assertEquals("howdy", read(client, fd));
        client.close(fd);
    }

    private static Errno errnoOrNull(Resmgr client) {
        try {
            client.close(client.open("/net/beta/dev/greeting", OpenFlags.O_RDONLY));
            return null;
        } catch (KernelException e) {
            return e.errno();
        }
    }
}

package io.courier.resmgr.internal;

import io.courier.kernel.Errno;
import io.courier.kernel.Kernel;
import io.courier.kernel.KernelException;
import io.courier.kernel.MsgInfo;
import io.courier.kernel.NameAttach;
import io.courier.kernel.NameInfo;
import io.courier.node.Network;
import io.courier.resmgr.Resmgr;
import io.courier.resmgr.ResmgrFlags;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /net/<node>/<path>} (issue 21, B3): the pathname spaces of the other nodes of the
 * network, as Qnet shows them. A path under {@code /net/NODE} resolves on node NODE: this node's
 * client asks that node's pathname manager, which answers with the managers the rest of the path
 * resolves to there (pid, chid, handle, flags and the path relative to each, in resolution order);
 * the client then connects to each by the node's nd and sends the connect message as for a local
 * manager. {@code /net/THIS-NODE/p} is {@code /p}; {@code /net} lists the configured nodes.
 *
 * <p>Each JVM's pathname manager serves these questions on a channel of its own, under the global
 * name {@code courier-pathmgr-net} ({@code NAME_FLAG_ATTACH_GLOBAL}), attached once the kernel
 * joined a network; other nodes find it among that node's global names. Questions and answers are
 * little-endian and checked field by field on both sides: a malformed question is refused with
 * EINVAL, a malformed answer fails the open with EBADMSG.
 */
final class NetPaths {
    private static final Logger LOG = LoggerFactory.getLogger(NetPaths.class);
    /** Where the nodes of the network show. */
    static final String NET_DIR = "/net";
    /** The global name of a node's pathname manager's resolver. */
    static final String NAME = "courier-pathmgr-net";
    /** A question: this word, the path's length, the path in UTF-8. */
    static final int QUESTION = 0x5054_454E; // "NETP" little-endian
    /** The most managers an answer names. */
    static final int MAX_CANDIDATES = 64;
    /** An answer's most bytes: the count, then per manager five ints and its relative path. */
    static final int ANSWER_MAX = 4 + MAX_CANDIDATES * 20 + 16 * Resmgr.PATH_MAX;
    private static final Duration WAIT_FOR_NETWORK = Duration.ofSeconds(5);

    private NetPaths() {
    }

    /** A manager of another node: where to connect (by nd) and what its dispatch knows the attachment by. */
    record Remote(int nd, int pid, int chid, int handle, int flags) implements Target {
        @Override
        public long seq() {
            return 0;
        }

        @Override
        public boolean alive() {
            return true;
        }
    }

    /** Whether {@code p} (canonical) is below {@code /net}, where other nodes' paths are. */
    static boolean isNet(String p) {
        return p.startsWith(NET_DIR + "/");
    }

    /**
     * The nodes {@code /net} lists: this one and every configured one (nds count up from 1 in a
     * network's numbering), by name; none without a network.
     */
    static List<String> nodes(Network net) {
        List<String> out = new ArrayList<>();
        if (net == null) {
            return out;
        }
        out.add(net.nodeName());
        for (int nd = 1; nd <= 4096; nd++) {
            String name = net.name(nd);
            if (name == null) {
                break;
            }
            out.add(name);
        }
        out.sort(null);
        return out;
    }

    // ------------------------------------------------------------------ the client side

    /**
     * The managers {@code p} ({@code /net/NODE[/rest]}) resolves to, asked by {@code k}: on this
     * node for this node's own name, else of node NODE's pathname manager.
     *
     * @throws KernelException ENOENT for a node no configuration names (or no network), EHOSTDOWN
     *     for a node that is down, ENOENT when it has no pathname manager (among the global names
     *     it told: for a node that just came up, the kernel waits for their list), EBADMSG for a
     *     malformed answer, and what the kernel's calls to it fail with
     */
    static List<PathSpace.Candidate> resolve(Kernel k, PathSpace space, String p) {
        int slash = p.indexOf('/', NET_DIR.length() + 1);
        String node = slash < 0 ? p.substring(NET_DIR.length() + 1) : p.substring(NET_DIR.length() + 1, slash);
        String rest = slash < 0 ? "/" : p.substring(slash);
        Network net = space.mk.network();
        int nd = net == null ? -1 : net.nd(node);
        if (nd < 0) {
            throw new KernelException(Errno.ENOENT, "no node " + node + (net == null ? " (this node is in no network)" : ""));
        }
        if (nd == Kernel.ND_LOCAL_NODE) {
            return space.resolve(rest);
        }
        NameInfo pathmgr = pathmgr(space, nd);
        if (pathmgr == null) {
            if (net.link(nd) == null) {
                throw new KernelException(Errno.EHOSTDOWN, "node " + node + " is down");
            }
            throw new KernelException(Errno.ENOENT, "node " + node + " has no pathname manager");
        }
        int coid = k.connectAttach(nd, pathmgr.pid(), pathmgr.chid(), Kernel.SIDE_CHANNEL, 0);
        try {
            ByteBuffer answer = ByteBuffer.allocate(ANSWER_MAX);
            k.msgSend(coid, question(rest), answer);
            return decode(nd, answer.flip());
        } finally {
            try {
                k.connectDetach(coid);
            } catch (KernelException e) {
                // Gone already.
            }
        }
    }

    /**
     * Node {@code nd}'s pathname manager among the global names it told, or null. Right after
     * the node came (back) up, {@code globalNames} waits for the list of names it tells first.
     */
    private static NameInfo pathmgr(PathSpace space, int nd) {
        for (NameInfo n : space.mk.globalNames(nd)) {
            if (n.name().equals(NAME)) {
                return n;
            }
        }
        return null;
    }

    static ByteBuffer question(String path) {
        byte[] b = path.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + b.length).order(ByteOrder.LITTLE_ENDIAN).putInt(QUESTION).putInt(b.length).put(b)
                .flip();
    }

    /**
     * The managers of node {@code nd} an answer names, in its order; every field checked.
     *
     * @throws KernelException EBADMSG for anything out of bounds
     */
    static List<PathSpace.Candidate> decode(int nd, ByteBuffer answer) {
        ByteBuffer b = answer.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) {
            throw bad("an answer of " + b.remaining() + " bytes");
        }
        int count = b.getInt();
        if (count < 0 || count > MAX_CANDIDATES) {
            throw bad("an answer naming " + count + " managers");
        }
        List<PathSpace.Candidate> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (b.remaining() < 20) {
                throw bad("an answer that ends inside manager " + i);
            }
            int pid = b.getInt();
            int chid = b.getInt();
            int handle = b.getInt();
            int flags = b.getInt();
            int length = b.getInt();
            if (pid <= 0 || chid <= 0 || handle < 0 || (flags & ~ResmgrFlags.ALL) != 0 || length < 0
                    || length > Resmgr.PATH_MAX || length > b.remaining()) {
                throw bad("manager " + i + ": pid " + pid + ", chid " + chid + ", handle " + handle + ", flags 0x"
                        + Integer.toHexString(flags) + ", a path of " + length + " bytes");
            }
            String rel = utf8(b, length);
            if (rel == null) {
                throw bad("manager " + i + ": a path that is not UTF-8");
            }
            try {
                if (!rel.isEmpty()) {
                    PathNames.checkRelative(rel);
                }
            } catch (KernelException e) {
                throw bad("manager " + i + ": " + e.getMessage());
            }
            out.add(new PathSpace.Candidate(new Remote(nd, pid, chid, handle, flags), rel));
        }
        if (b.hasRemaining()) {
            throw bad(b.remaining() + " bytes after the last manager");
        }
        return out;
    }

    private static KernelException bad(String what) {
        return new KernelException(Errno.EBADMSG, "the other node's pathname manager answered " + what);
    }

    private static String utf8(ByteBuffer b, int length) {
        ByteBuffer s = b.slice(b.position(), length);
        b.position(b.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(s).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ the server side

    /**
     * Starts the resolver of {@code space} in its pathname manager process {@code pathmgr}: a
     * virtual thread that waits for the kernel to join a network, attaches {@link #NAME}
     * globally and answers questions until the process dies.
     */
    static void serve(Kernel pathmgr, PathSpace space) {
        Thread.ofVirtual().name("courier-pathmgr-net").start(() -> {
            try {
                // Woken the moment the kernel joins; the slice only looks whether the process
                // still lives. A closed kernel answers at once: its processes are dying.
                while (space.mk.awaitNetwork(WAIT_FOR_NETWORK) == null) {
                    if (!pathmgr.isAlive() || space.mk.isClosed()) {
                        return;
                    }
                }
                NameAttach attach = pathmgr.nameAttach(NAME, Kernel.NAME_FLAG_ATTACH_GLOBAL);
                answer(pathmgr, space, attach.chid());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (KernelException e) {
                // The process or the kernel ended (or, in a node of several JVMs, another JVM's
                // pathname manager holds the name: it answers for the whole node's paths).
                LOG.debug("pathmgr: no resolver for other nodes: {}", e.getMessage());
            }
        });
    }

    private static void answer(Kernel pathmgr, PathSpace space, int chid) {
        ByteBuffer msg = ByteBuffer.allocate(8 + Resmgr.PATH_MAX);
        ByteBuffer out = ByteBuffer.allocate(ANSWER_MAX).order(ByteOrder.LITTLE_ENDIAN);
        MsgInfo info = new MsgInfo();
        for (;;) {
            msg.clear();
            long rcvid = pathmgr.msgReceive(chid, msg, info);
            if (rcvid == 0) {
                continue; // a pulse (a client's DISCONNECT): nothing is kept per client
            }
            String path = asked(msg.flip(), info.msglen());
            if (path == null) {
                pathmgr.msgError(rcvid, Errno.EINVAL);
                continue;
            }
            List<PathSpace.Candidate> found;
            try {
                found = space.resolve(path);
            } catch (KernelException e) {
                pathmgr.msgError(rcvid, e.errno());
                continue;
            }
            encode(found, out.clear());
            pathmgr.msgReply(rcvid, 0, out.flip());
        }
    }

    /** The path a question asks for, canonical, or null when the question is malformed. */
    static String asked(ByteBuffer msg, int msglen) {
        ByteBuffer b = msg.order(ByteOrder.LITTLE_ENDIAN);
        if (msglen != b.remaining() || b.remaining() < 8 || b.getInt(0) != QUESTION) {
            return null;
        }
        int length = b.getInt(4);
        if (length < 1 || length > Resmgr.PATH_MAX || length != b.remaining() - 8) {
            return null;
        }
        String path = utf8(b.position(8), length);
        if (path == null || !path.startsWith("/")) {
            return null;
        }
        try {
            String canonical = PathNames.normalize(path);
            return isNet(canonical) || canonical.equals(NET_DIR) ? null : canonical;
        } catch (KernelException e) {
            return null;
        }
    }

    /** The managers a path resolved to here, this JVM's and the node's other JVMs', as many as an answer holds. */
    static void encode(List<PathSpace.Candidate> found, ByteBuffer out) {
        out.putInt(0);
        int count = 0;
        for (PathSpace.Candidate c : found) {
            if (count == MAX_CANDIDATES) {
                break;
            }
            Target t = c.target();
            byte[] rel = c.rel().getBytes(StandardCharsets.UTF_8);
            int mark = out.position();
            try {
                out.putInt(t.pid()).putInt(t.chid()).putInt(t.handle()).putInt(t.flags()).putInt(rel.length).put(rel);
            } catch (BufferOverflowException e) {
                out.position(mark);
                break;
            }
            count++;
        }
        out.putInt(0, count);
    }
}

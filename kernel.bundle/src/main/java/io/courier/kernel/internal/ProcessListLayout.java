package io.courier.kernel.internal;

import io.courier.kernel.Credentials;
import io.courier.kernel.Kernel;
import io.courier.kernel.NodeProcessInfo;
import io.courier.kernel.ProcessInfo;
import io.courier.kernel.ThreadInfo;
import io.courier.kernel.ThreadState;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's process list as it crosses the network ({@code pidin -n}, issue 21): what {@link
 * io.courier.kernel.Microkernel#processes(int)} of another node decodes. Little-endian ints: the count of
 * processes and whether the list was cut short to fit, then per process its pid, uid, gid, name,
 * thread count and threads (tid, priority, state, blocked-on, name), channel ids and connection
 * ids; a name is its UTF-8 length and bytes.
 *
 * <p>Decoding trusts nothing: every count and length is checked against what is left and against
 * the kernel's own bounds before use, and anything out of them is a {@link
 * IllegalArgumentException} (the caller cuts the peer off).
 */
final class ProcessListLayout {
    /** The most of any one list (threads, channels, connections of a process; processes of a node) a decoder takes. */
    static final int MAX_ITEMS = 1 << 20;

    private ProcessListLayout() {
    }

    /**
     * {@code processes}, then the processes of the other JVMs of the node as processes without
     * threads, channels or connections, encoded into at most {@code max} bytes: as many processes
     * as fit, in order, the rest left out and said so.
     */
    static ByteBuffer encode(List<ProcessInfo> processes, List<NodeProcessInfo> others, int max) {
        List<ProcessInfo> all = new ArrayList<>(processes.size() + others.size());
        all.addAll(processes);
        for (NodeProcessInfo o : others) {
            all.add(new ProcessInfo(o.pid(), o.name() + " [JVM " + o.osPid() + ": " + o.threads() + " threads "
                    + o.states() + "]", Credentials.ROOT, List.of(), List.of(), List.of()));
        }
        ByteBuffer out = ByteBuffer.allocate(max).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0).putInt(0);
        int count = 0;
        for (ProcessInfo p : all) {
            int mark = out.position();
            try {
                put(out, p);
            } catch (java.nio.BufferOverflowException full) {
                out.position(mark);
                out.putInt(4, 1);
                break;
            }
            count++;
        }
        out.putInt(0, count);
        return out.flip();
    }

    private static void put(ByteBuffer out, ProcessInfo p) {
        out.putInt(p.pid()).putInt(p.credentials().uid()).putInt(p.credentials().gid());
        putString(out, p.name());
        out.putInt(p.threads().size());
        for (ThreadInfo t : p.threads()) {
            out.putInt(t.tid()).putInt(t.priority()).putInt(t.state().ordinal()).putInt(t.blockedOn());
            putString(out, t.name());
        }
        putInts(out, p.channels());
        putInts(out, p.connections());
    }

    private static void putString(ByteBuffer out, String s) {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        out.putInt(b.length).put(b);
    }

    private static void putInts(ByteBuffer out, List<Integer> ints) {
        out.putInt(ints.size());
        for (int i : ints) {
            out.putInt(i);
        }
    }

    /** A decoded list: the processes, and whether the sender left some out to fit. */
    record Decoded(List<ProcessInfo> processes, boolean truncated) {
    }

    /**
     * Decodes what {@link #encode} made, from the buffer's position to its limit.
     *
     * @throws IllegalArgumentException anything out of bounds: a count, a length, a state, a priority, bad UTF-8, bytes left over
     */
    static Decoded decode(ByteBuffer in) {
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        try {
            int count = count(b, 1);
            int truncated = b.getInt();
            if (truncated != 0 && truncated != 1) {
                throw new IllegalArgumentException("a truncation flag of " + truncated);
            }
            List<ProcessInfo> out = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                out.add(process(b));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the last process");
            }
            return new Decoded(out, truncated == 1);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the list ends inside an entry");
        }
    }

    private static ProcessInfo process(ByteBuffer b) {
        int pid = b.getInt();
        if (pid <= 0) {
            throw new IllegalArgumentException("a process of pid " + pid);
        }
        Credentials cred = new Credentials(b.getInt(), b.getInt());
        String name = string(b);
        int n = count(b, 20);
        List<ThreadInfo> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tid = b.getInt();
            int prio = b.getInt();
            int state = b.getInt();
            int blockedOn = b.getInt();
            if (tid <= 0 || prio < 0 || prio > Kernel.PRIORITY_MAX || state < 0
                    || state >= ThreadState.values().length) {
                throw new IllegalArgumentException("a thread of tid " + tid + ", priority " + prio + ", state " + state);
            }
            threads.add(new ThreadInfo(tid, string(b), prio, ThreadState.values()[state], blockedOn));
        }
        return new ProcessInfo(pid, name, cred, threads, ints(b), ints(b));
    }

    /** A count of items of at least {@code each} bytes that the rest can hold. */
    private static int count(ByteBuffer b, int each) {
        int n = b.getInt();
        if (n < 0 || n > MAX_ITEMS || (long) n * each > b.remaining()) {
            throw new IllegalArgumentException("a count of " + n + " with " + b.remaining() + " bytes left");
        }
        return n;
    }

    private static List<Integer> ints(ByteBuffer b) {
        int n = count(b, 4);
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(b.getInt());
        }
        return out;
    }

    private static String string(ByteBuffer b) {
        int n = count(b, 1);
        ByteBuffer s = b.slice(b.position(), n);
        b.position(b.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(s).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a name that is not UTF-8");
        }
    }
}

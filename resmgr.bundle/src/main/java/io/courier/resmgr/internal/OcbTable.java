package io.courier.resmgr.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The dispatch layer's table from a client fd's key ({@link Binding#key}) to its binding: a
 * hash table of immutable chains, read without locks or boxing on every message, written under
 * its monitor on open and close. Costs stay per operation, whatever the number of open OCBs.
 *
 * <p>Memory ordering: a writer publishes a bucket's new chain with the array's volatile
 * {@code set}, and a grown table with {@link AtomicReference#set}; a reader takes the table and
 * the bucket with the matching volatile reads, so it sees whole chains of fully built nodes.
 */
final class OcbTable {
    private static final int INITIAL = 64;

    private record Node(long key, Binding value, Node next) {
    }

    private final AtomicReference<AtomicReferenceArray<Node>> table =
            new AtomicReference<>(new AtomicReferenceArray<>(INITIAL));
    /** Guarded by this. */
    private int size;

    private static int index(long key, int length) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & (length - 1);
    }

    /** The binding of {@code key}, or null. */
    Binding get(long key) {
        AtomicReferenceArray<Node> t = table.get();
        for (Node n = t.get(index(key, t.length())); n != null; n = n.next) {
            if (n.key == key) {
                return n.value;
            }
        }
        return null;
    }

    /** Binds {@code value} to its key; returns the binding it replaced, or null. */
    synchronized Binding put(Binding value) {
        Binding old = removeKey(value.key, null);
        if (size + 1 > table.get().length() * 3 / 4) {
            grow();
        }
        AtomicReferenceArray<Node> t = table.get();
        int i = index(value.key, t.length());
        t.set(i, new Node(value.key, value, t.get(i)));
        size++;
        return old;
    }

    /** Removes {@code value} if it is still the binding of its key. */
    synchronized boolean remove(Binding value) {
        return removeKey(value.key, value) != null;
    }

    /** Removes the key's binding (only if it is {@code expected}, when given); returns it or null. */
    private Binding removeKey(long key, Binding expected) {
        AtomicReferenceArray<Node> t = table.get();
        int i = index(key, t.length());
        Node head = t.get(i);
        for (Node n = head; n != null; n = n.next) {
            if (n.key == key) {
                if (expected != null && n.value != expected) {
                    return null;
                }
                t.set(i, without(head, n));
                size--;
                return n.value;
            }
        }
        return null;
    }

    /** The chain {@code head} without {@code gone}: the nodes before it are copied, the rest shared. */
    private static Node without(Node head, Node gone) {
        if (head == gone) {
            return gone.next;
        }
        return new Node(head.key, head.value, without(head.next, gone));
    }

    private void grow() {
        AtomicReferenceArray<Node> old = table.get();
        AtomicReferenceArray<Node> t = new AtomicReferenceArray<>(old.length() * 2);
        for (int i = 0; i < old.length(); i++) {
            for (Node n = old.get(i); n != null; n = n.next) {
                int j = index(n.key, t.length());
                t.set(j, new Node(n.key, n.value, t.get(j)));
            }
        }
        table.set(t);
    }

    /** Every binding, a snapshot. */
    synchronized List<Binding> values() {
        List<Binding> out = new ArrayList<>(size);
        AtomicReferenceArray<Node> t = table.get();
        for (int i = 0; i < t.length(); i++) {
            for (Node n = t.get(i); n != null; n = n.next) {
                out.add(n.value);
            }
        }
        return out;
    }

    /** Empties the table. */
    synchronized void clear() {
        table.set(new AtomicReferenceArray<>(INITIAL));
        size = 0;
    }

    /** The bindings now. */
    synchronized int size() {
        return size;
    }
}

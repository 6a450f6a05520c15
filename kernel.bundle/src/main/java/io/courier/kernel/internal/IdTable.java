package io.courier.kernel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A table of kernel objects by small integer id, handing out the lowest free id so that ids
 * are reused (QNX does the same for chids, coids and tids). Lookups take no lock; changes
 * take the table's lock.
 *
 * <p>SPEC K15 (nothing leaks: ids are reused).
 *
 * @param <T> the kind of object
 */
final class IdTable<T> {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    private final ReentrantLock lock = new ReentrantLock();
    private final BitSet used = new BitSet();
    private final int first;
    private final int limit;
    // Replaced (never shrunk) under the lock; readers see either the old or the new array, and
    // the old one still holds every id it held when it was replaced.
    private volatile Object[] items;
    private int size;

    /**
     * @param first the lowest id handed out
     * @param limit the number of ids at most
     */
    IdTable(int first, int limit) {
        this.first = first;
        this.limit = limit;
        this.items = new Object[16];
    }

    /**
     * Makes an object for the lowest free id at or above {@code from} and puts it there;
     * returns the id, or -1 when the table is full (nothing is made).
     */
    int addNew(java.util.function.IntFunction<T> make, int from) {
        lock.lock();
        try {
            int i = used.nextClearBit(Math.max(0, from - first));
            if (i >= limit) {
                return -1;
            }
            T item = make.apply(i + first);
            put(i, item);
            return i + first;
        } finally {
            lock.unlock();
        }
    }

    /** Puts {@code item} under the lowest free id at or above {@code from}; -1 when full. */
    int add(T item, int from) {
        lock.lock();
        try {
            int i = used.nextClearBit(Math.max(0, from - first));
            if (i >= limit) {
                return -1;
            }
            put(i, item);
            return i + first;
        } finally {
            lock.unlock();
        }
    }

    private void put(int i, T item) {
        Object[] a = items;
        if (i >= a.length) {
            Object[] b = new Object[Math.min(Math.max(a.length * 2, i + 1), limit)];
            System.arraycopy(a, 0, b, 0, a.length);
            items = b;
            a = b;
        }
        used.set(i);
        size++;
        // Release: a reader that finds the object sees it fully built.
        SLOT.setRelease(a, i, item);
    }

    /** Puts {@code item} under the lowest free id; -1 when full. */
    int add(T item) {
        return add(item, first);
    }

    /** The object under {@code id}, or null. */
    @SuppressWarnings("unchecked")
    T get(int id) {
        int i = id - first;
        Object[] a = items;
        if (i < 0 || i >= a.length) {
            return null;
        }
        // Acquire: pairs with the release in add().
        return (T) SLOT.getAcquire(a, i);
    }

    /** Removes {@code item} from {@code id} if it is still there. */
    boolean remove(int id, T item) {
        lock.lock();
        try {
            int i = id - first;
            Object[] a = items;
            if (i < 0 || i >= a.length || a[i] != item) {
                return false;
            }
            SLOT.setRelease(a, i, null);
            used.clear(i);
            size--;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot of the objects, by id. */
    @SuppressWarnings("unchecked")
    List<T> values() {
        lock.lock();
        try {
            List<T> out = new ArrayList<>(size);
            Object[] a = items;
            for (int i = used.nextSetBit(0); i >= 0 && i < a.length; i = used.nextSetBit(i + 1)) {
                out.add((T) a[i]);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The ids in use. */
    List<Integer> ids() {
        lock.lock();
        try {
            List<Integer> out = new ArrayList<>(size);
            for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(i + 1)) {
                out.add(i + first);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** How many objects the table holds. */
    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }
}

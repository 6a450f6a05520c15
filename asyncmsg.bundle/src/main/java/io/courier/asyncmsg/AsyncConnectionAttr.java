package io.courier.asyncmsg;

import java.time.Duration;
import java.util.Objects;

/**
 * The attributes of an asynchronous connection ({@code struct _asyncmsg_connection_attr}),
 * immutable; {@link AsyncMessaging#connectAttr(int)} returns the very object the connection was
 * made with. Values are checked by {@link AsyncMessaging#connectAttach}, not here.
 *
 * <ul>
 * <li>{@link #bufferSize()} ({@code buffer_size}): the longest message the connection takes.
 * <li>{@link #maxNumBuffer()} ({@code max_num_buffer}): how many messages the connection holds
 *     on the sender's side at most, from the put until the receiver got them (and their
 *     callbacks ran); a put beyond fails with EAGAIN instead of blocking.
 * <li>{@link #triggerNumMsg()} ({@code trigger_num_msg}): deliver when this many messages wait;
 *     0 for no count trigger.
 * <li>{@link #triggerTimeNsec()} and {@link #triggerIntervalNsec()} ({@code trigger_time}, an
 *     {@code _itimer}): deliver at the latest this long after a put found nothing waiting, then,
 *     with an interval, every interval while messages keep coming; 0 and 0 for no time trigger.
 * <li>{@link #callback()} ({@code call_back}): the callback of every put that names none.
 * <li>{@link #storeTimeNsec()} (Courier's own): how long a connection opened by name keeps
 *     messages while no receiver holds the name; then they fail with ETIMEDOUT (SPEC A6).
 * <li>{@link #singleSender()} (Courier's own): one thread at a time puts on the connection, so a
 *     put takes no lock. The first thread that puts becomes the sender; a put or putv from
 *     another thread fails with EBUSY while the sender thread is alive, and the next thread takes
 *     over once it has ended. Flush, detach and everything else work from any thread.
 * </ul>
 */
public final class AsyncConnectionAttr {
    /** The default of {@link #storeTimeNsec()}: one minute. */
    public static final long DEFAULT_STORE_TIME_NSEC = Duration.ofMinutes(1).toNanos();

    private final int bufferSize;
    private final int maxNumBuffer;
    private final int triggerNumMsg;
    private final long triggerTimeNsec;
    private final long triggerIntervalNsec;
    private final AsyncCallback callback;
    private final long storeTimeNsec;
    private final boolean singleSender;

    private AsyncConnectionAttr(Builder b) {
        this.bufferSize = b.bufferSize;
        this.maxNumBuffer = b.maxNumBuffer;
        this.triggerNumMsg = b.triggerNumMsg;
        this.triggerTimeNsec = b.triggerTimeNsec;
        this.triggerIntervalNsec = b.triggerIntervalNsec;
        this.callback = b.callback;
        this.storeTimeNsec = b.storeTimeNsec;
        this.singleSender = b.singleSender;
    }

    /**
     * A builder starting from buffer size 2048, 64 buffers, a count trigger of 1 (every message
     * is delivered at once), no time trigger, no callback, {@link #DEFAULT_STORE_TIME_NSEC} and
     * any number of sender threads.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The attributes with buffer size, buffer count and count trigger as given, the rest as {@link #builder()}. */
    public static AsyncConnectionAttr of(int bufferSize, int maxNumBuffer, int triggerNumMsg) {
        return builder().bufferSize(bufferSize).maxNumBuffer(maxNumBuffer).triggerNumMsg(triggerNumMsg).build();
    }

    /** {@code buffer_size}. */
    public int bufferSize() {
        return bufferSize;
    }

    /** {@code max_num_buffer}. */
    public int maxNumBuffer() {
        return maxNumBuffer;
    }

    /** {@code trigger_num_msg}. */
    public int triggerNumMsg() {
        return triggerNumMsg;
    }

    /** {@code trigger_time.nsec}. */
    public long triggerTimeNsec() {
        return triggerTimeNsec;
    }

    /** {@code trigger_time.interval_nsec}. */
    public long triggerIntervalNsec() {
        return triggerIntervalNsec;
    }

    /** {@code call_back}, or null. */
    public AsyncCallback callback() {
        return callback;
    }

    /** How long messages of a connection by name wait for a receiver. */
    public long storeTimeNsec() {
        return storeTimeNsec;
    }

    /** Whether one thread at a time puts on the connection (puts without a lock). */
    public boolean singleSender() {
        return singleSender;
    }

    /** A builder holding these attributes. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.bufferSize = bufferSize;
        b.maxNumBuffer = maxNumBuffer;
        b.triggerNumMsg = triggerNumMsg;
        b.triggerTimeNsec = triggerTimeNsec;
        b.triggerIntervalNsec = triggerIntervalNsec;
        b.callback = callback;
        b.storeTimeNsec = storeTimeNsec;
        b.singleSender = singleSender;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AsyncConnectionAttr a && bufferSize == a.bufferSize && maxNumBuffer == a.maxNumBuffer
                && triggerNumMsg == a.triggerNumMsg && triggerTimeNsec == a.triggerTimeNsec
                && triggerIntervalNsec == a.triggerIntervalNsec && Objects.equals(callback, a.callback)
                && storeTimeNsec == a.storeTimeNsec && singleSender == a.singleSender;
    }

    @Override
    public int hashCode() {
        return Objects.hash(bufferSize, maxNumBuffer, triggerNumMsg, triggerTimeNsec, triggerIntervalNsec, callback,
                storeTimeNsec, singleSender);
    }

    @Override
    public String toString() {
        return "AsyncConnectionAttr[bufferSize=" + bufferSize + ", maxNumBuffer=" + maxNumBuffer + ", triggerNumMsg="
                + triggerNumMsg + ", triggerTime=" + triggerTimeNsec + "/" + triggerIntervalNsec + "ns, callback="
                + (callback != null) + ", storeTime=" + storeTimeNsec + "ns" + (singleSender ? ", singleSender" : "") + "]";
    }

    /** Builds {@link AsyncConnectionAttr}s. */
    public static final class Builder {
        private int bufferSize = 2048;
        private int maxNumBuffer = 64;
        private int triggerNumMsg = 1;
        private long triggerTimeNsec;
        private long triggerIntervalNsec;
        private AsyncCallback callback;
        private long storeTimeNsec = DEFAULT_STORE_TIME_NSEC;
        private boolean singleSender;

        private Builder() {
        }

        /** {@code buffer_size}: the longest message, in bytes. */
        public Builder bufferSize(int value) {
            this.bufferSize = value;
            return this;
        }

        /** {@code max_num_buffer}: the messages held at most. */
        public Builder maxNumBuffer(int value) {
            this.maxNumBuffer = value;
            return this;
        }

        /** {@code trigger_num_msg}: 0 for none. */
        public Builder triggerNumMsg(int value) {
            this.triggerNumMsg = value;
            return this;
        }

        /** {@code trigger_time}: first expiry and interval, in nanoseconds; 0 and 0 for none. */
        public Builder triggerTime(long nsec, long intervalNsec) {
            this.triggerTimeNsec = nsec;
            this.triggerIntervalNsec = intervalNsec;
            return this;
        }

        /** {@code call_back}: null for none. */
        public Builder callback(AsyncCallback value) {
            this.callback = value;
            return this;
        }

        /** How long a connection by name keeps messages without a receiver, in nanoseconds. */
        public Builder storeTimeNsec(long value) {
            this.storeTimeNsec = value;
            return this;
        }

        /**
         * Whether one thread at a time puts on the connection. Such puts take no lock (the
         * single-producer case of a queue); a put from a second thread while the first is alive
         * fails with EBUSY.
         */
        public Builder singleSender(boolean value) {
            this.singleSender = value;
            return this;
        }

        /** The attributes. */
        public AsyncConnectionAttr build() {
            return new AsyncConnectionAttr(this);
        }
    }
}

package io.courier.kernel.internal;

/**
 * The fields of {@link PulseRing}, the senders' and the taker's each on cache lines of their own
 * (see {@link KThreadLayout}).
 */
final class PulseRingLayout {
    private PulseRingLayout() {
    }

    /** Padding before the senders' fields. */
    abstract static class PadBefore {
        long p01, p02, p03, p04, p05, p06, p07, p08;
        int p09;
        short p10;
        byte p11;
    }

    /** The senders': the next position to claim (compare-and-set) and the cached bound of free slots. */
    abstract static class TailFields extends PadBefore {
        long tail;
        /** {@code head + CAPACITY} as a sender last read it: positions below are free. */
        long limit;
    }

    /** Padding between the senders' line and the taker's. */
    abstract static class PadMid extends TailFields {
        long q01, q02, q03, q04, q05, q06, q07, q08;
    }

    /** The next position to take; written by the holder of the channel's lock. */
    abstract static class HeadField extends PadMid {
        long head;
    }

    /** Padding between the taker's line and the priority bound. */
    abstract static class PadTop extends HeadField {
        long r01, r02, r03, r04, r05, r06, r07, r08;
    }

    /**
     * The bound of the priorities in the ring: read by every sender after its claim and by the
     * taker, written only when a sender raises it or the taker lowers it.
     */
    abstract static class TopField extends PadTop {
        int top;
    }

    /** Padding after the bound. */
    abstract static class PadAfter extends TopField {
        long s01, s02, s03, s04, s05, s06, s07, s08;
    }
}

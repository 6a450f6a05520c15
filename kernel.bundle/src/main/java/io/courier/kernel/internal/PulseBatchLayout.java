package io.courier.kernel.internal;

/**
 * The state of a {@link PulseBatch} on a cache line of its own (see {@link KThreadLayout}): the
 * takers' compare-and-set does not disturb the slots or the channel's other lines.
 */
final class PulseBatchLayout {
    private PulseBatchLayout() {
    }

    /** Padding before the state. */
    abstract static class PadBefore {
        long p01, p02, p03, p04, p05, p06, p07, p08;
        int p09;
        short p10;
        byte p11;
    }

    /** Generation, next index and end of the open batch. */
    abstract static class StateField extends PadBefore {
        long state;
    }

    /** Padding after the state. */
    abstract static class PadAfter extends StateField {
        long q01, q02, q03, q04, q05, q06, q07, q08;
    }
}

package io.courier.node.internal;

/** {@link UseCount}'s padding before its count, and the count. Padding fields are never read. */
final class UseCountLayout {
    private UseCountLayout() {
    }

    abstract static class Pad {
        long p00, p01, p02, p03, p04, p05, p06, p07;
        long p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
    }

    abstract static class Value extends Pad {
        int count;
    }
}

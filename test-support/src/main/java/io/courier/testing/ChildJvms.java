package io.courier.testing;

/** For the main classes of the JVMs tests start: what every such child does. */
public final class ChildJvms {
    private ChildJvms() {
    }

    /**
     * Never outlive a broken test: halts this JVM with status 3 after {@code millis}, from a
     * daemon thread of its own.
     */
    public static void haltAfter(long millis) {
        Thread.ofPlatform().daemon().name("halt-after-" + millis + "ms").start(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(3);
        });
    }
}

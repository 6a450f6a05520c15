package io.courier.node;

import java.lang.foreign.MemorySegment;
import org.osgi.annotation.versioning.ConsumerType;

/** Takes the records a {@link Ring#poll} reads, in place. */
@ConsumerType
@FunctionalInterface
public interface RecordHandler {
    /**
     * One record: its payload is {@code length} bytes of {@code ring} at {@code offset} (bounds
     * already checked). The bytes are valid only during the call: copy what is kept. They are
     * still shared memory, which the peer can change while the handler looks: read each byte
     * once (or copy the payload out first) before trusting what it says.
     */
    void onRecord(int type, MemorySegment ring, long offset, int length);
}

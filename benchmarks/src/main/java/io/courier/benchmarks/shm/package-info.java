/**
 * JMH benchmarks of shared memory (SPEC S2, S5) against their plain-Java peers: copying 1 MiB
 * into and out of a mapping against a raw {@link java.lang.foreign.MemorySegment} copy, and the
 * process-shared mutex against {@link java.util.concurrent.locks.ReentrantLock}.
 */
package io.courier.benchmarks.shm;

/**
 * SPEC A7 speed: Courier's I/O completion port echo server (the IBM i seed) against the JDK's
 * {@code AsynchronousSocketChannel} + {@code CompletionHandler} echo, on loopback, driven by
 * the same request/response client. {@link io.courier.benchmarks.iocp.EchoBenchmark} is the JMH
 * form; {@link io.courier.benchmarks.iocp.EchoLoad} a plain load client that alternates the two
 * servers round by round for shared, noisy machines. See README.md beside this file.
 */
package io.courier.benchmarks.iocp;

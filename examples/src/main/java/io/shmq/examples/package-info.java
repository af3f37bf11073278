/**
 * Runnable examples: a producer and a consumer in two JVMs over one queue, with throughput and round-trip
 * latency.
 */
package io.shmq.examples;

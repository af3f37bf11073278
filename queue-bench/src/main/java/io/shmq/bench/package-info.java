/**
 * shmq's benchmarks: the JMH benchmarks of single-thread operation costs and allocation, and the wake-up report of
 * the futex and parking waiters. The cross-process comparison with peers lives in {@code harness}.
 */
package io.shmq.bench;

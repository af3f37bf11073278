/**
 * How an idle side sleeps without burning a core and wakes within microseconds: a doorbell in the queue header that
 * a producer rings after a commit and a consumer after freeing space, and the {@link io.shmq.wait.Waiter}s that
 * sleep on it (a futex from queue-native, parking otherwise).
 */
package io.shmq.wait;

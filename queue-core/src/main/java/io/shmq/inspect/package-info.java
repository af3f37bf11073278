/**
 * Tooling, never needed to move messages: snapshots of a queue's header (positions, fill, owners and whether they
 * live, heartbeat, counters) and the listing of queue files that {@code shmq list} and {@code stat} print.
 */
package io.shmq.inspect;

/**
 * Who a process is and whether it still lives: a pid paired with its start time (so a reused pid is not taken
 * for the original), PID namespaces, the file locks that tell liveness across namespaces, and
 * {@link io.shmq.process.OwnerState}, the one rule by which every role owner is judged.
 */
package io.shmq.process;

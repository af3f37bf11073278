/**
 * Paired slices: contenders run in turn for short slices in the same JVM, and each round gives a ratio measured
 * within a fraction of a second, which the VM's phase flips cannot fool the way they fool separate runs.
 */
package io.shmq.bench.slices;

/**
 * The cross-process benchmark behind {@code ./run-bench.sh}: each side its own JVM, shmq beside its peers in
 * interleaved rounds, a cache-line probe telling this machine's phase before each run, and reports that quote only
 * same-round, same-phase ratios.
 */
package io.shmq.bench.harness;

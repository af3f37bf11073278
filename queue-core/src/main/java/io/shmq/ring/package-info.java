/**
 * The lock-free rings: the SPSC and MPSC producers, the consumer, zero-copy claims, and the owner roles, over one
 * {@link io.shmq.ring.Ring}. The hot paths are allocation-free, take no locks and make no system calls; they touch
 * memory through unchecked accessors whose names say their ordering ({@code lv}, {@code so}, {@code cas}).
 */
package io.shmq.ring;

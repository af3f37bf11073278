/**
 * A Netty transport over shmq: {@link io.shmq.netty.ShmqChannel} and {@link io.shmq.netty.ShmqServerChannel}
 * carry a Netty pipeline's bytes through shared-memory rings, driven by event loops of
 * {@link io.shmq.netty.ShmqIoHandler}, so Netty-based stacks (gRPC among them) run between two processes of one
 * host without a socket.
 */
package io.shmq.netty;

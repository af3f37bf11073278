/**
 * Duplex links between two processes over a pair of SPSC rings: a server listens and accepts, a client connects
 * with a handshake on the rings themselves, and each side learns within a liveness period when the other closed,
 * died or stopped polling.
 */
package io.shmq.channel;

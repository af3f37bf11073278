/**
 * shmq's entry point: {@link io.shmq.ShmQueue}, a named queue in shared memory that processes on one host create,
 * open and delete by name, configured by {@link io.shmq.QueueConfig}; {@link io.shmq.RegionFactory} says where a
 * queue lives (tmpfs files by default, SysV segments with queue-native). Everything a queue is made of sits in the
 * packages below this one; channels, request/response and the tools sit above it.
 */
package io.shmq;

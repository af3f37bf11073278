/**
 * The {@code shmq bridge} command: one half of a bridge as a process of its own.
 */
package io.shmq.bridge.tool;

/**
 * Shared memory with an address, a length and a close: a file mapped from tmpfs here, SysV segments from
 * queue-native. Creating never replaces what exists; opening checks owner, kind of file and size before mapping.
 */
package io.shmq.region;

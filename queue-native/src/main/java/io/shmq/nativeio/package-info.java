/**
 * Linux system calls shmq's core cannot reach from Java, through JNA direct mapping: SysV shared-memory segments
 * on huge pages ({@code shmget}/{@code shmat}/{@code shmdt}/{@code shmctl}) as a second region kind, and the
 * futex-based cross-process wake-up of a sleeping consumer or producer. Core stays usable without this module.
 */
package io.shmq.nativeio;

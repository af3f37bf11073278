/**
 * The exceptions shmq throws, at the bottom of the package order so every layer can use them: each message says
 * what was wrong and what to do. {@link io.shmq.errors.ShmqException} is the root; the others say which kind of
 * problem it was (a queue that is not the one expected, missing, already there, owned by a live process, or a
 * record that cannot be right).
 */
package io.shmq.errors;

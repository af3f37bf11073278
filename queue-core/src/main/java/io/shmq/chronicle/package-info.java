/**
 * An optional Chronicle Bytes view of a message slot, for code that already encodes with Chronicle Bytes or Wire:
 * write a claimed slot, read a delivered message, nothing copied. Needs chronicle-bytes on the class path, which
 * shmq does not bring.
 */
package io.shmq.chronicle;

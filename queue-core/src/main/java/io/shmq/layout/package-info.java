/**
 * The bytes of a queue, as a contract between processes and versions: the header's fields and offsets
 * ({@link io.shmq.layout.QueueHeaderDescriptor}, read through {@link io.shmq.layout.QueueHeader}), the record
 * header ({@link io.shmq.layout.RecordDescriptor}), the ring kinds, and the one validator that says which shapes and
 * headers are acceptable. docs/LAYOUT.md draws the same picture.
 */
package io.shmq.layout;

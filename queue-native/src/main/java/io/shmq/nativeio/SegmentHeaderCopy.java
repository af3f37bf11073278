package io.shmq.nativeio;

import org.agrona.concurrent.AtomicBuffer;

/**
 * A copy of a SysV segment's queue header, taken through a short read-only attach: what the tools read to show a
 * segment without keeping it mapped.
 *
 * @param name     the queue's name, or {@code key 0x...} when only the segment's key is known.
 * @param location the segment's id and key, for people.
 * @param header   the copy, {@link io.shmq.layout.QueueHeaderDescriptor#HEADER_LENGTH} bytes.
 * @param attached how many processes had the segment attached.
 */
public record SegmentHeaderCopy(String name, String location, AtomicBuffer header, int attached)
{
}

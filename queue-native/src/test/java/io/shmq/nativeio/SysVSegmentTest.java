package io.shmq.nativeio;

import io.shmq.process.ProcessIdentity;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.errors.InvalidQueueException;
import io.shmq.errors.QueueExistsException;
import io.shmq.errors.ShmqException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ChildJvm;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SysV segments as queue regions: creation, opening, the header checks, permissions, huge pages and their
 * errors, removal and stale segments.
 */
class SysVSegmentTest
{
    private static final long PAGE = 2L << 20;

    @RegisterExtension
    final SegmentNames names = new SegmentNames();

    private static QueueConfig spsc()
    {
        return QueueConfig.spsc(64 * 1024);
    }

    private static void assertMentions(final String message, final String... parts)
    {
        for (final String part : parts)
        {
            assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
        }
    }

    private static long roundTrip(final ShmQueue writer, final ShmQueue reader, final long value)
    {
        return roundTrip(writer.producer(), reader.consumer(), value);
    }

    private static long roundTrip(final RingProducer producer, final RingConsumer consumer, final long value)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
        payload.putLong(0, value);
        assertTrue(producer.offer(3, payload, 0, 8));
        final long[] got = new long[1];
        assertEquals(1, consumer.read((t, b, i, l) -> got[0] = b.getLong(i), 10));
        return got[0];
    }

    @Test
    void smallPageQueueIsCreatedOpenedAndDeleted()
    {
        final String name = names.next("small");
        try (ShmQueue created = SysVQueues.create(name, spsc(), SegmentPages.SMALL);
             ShmQueue opened = SysVQueues.open(name, spsc()))
        {
            final RingProducer producer = created.producer();
            final RingConsumer consumer = opened.consumer();
            assertEquals(42L, roundTrip(producer, consumer, 42L));
            final SysVSegmentRegion region = (SysVSegmentRegion)created.region();
            final SegmentStat stat = region.stat();
            assertEquals(0600, stat.permissions(), "owner-only by default");
            assertEquals(2, stat.attachCount());
            assertEquals(QueueHeaderDescriptor.HEADER_LENGTH + 64 * 1024, stat.size());
            assertEquals(ProcessHandle.current().pid(), stat.creatorPid());
            assertTrue(SegmentNames.exists(name));

            assertTrue(SysVQueues.delete(name));
            assertFalse(SegmentNames.exists(name), "key gone at once after IPC_RMID");
            assertEquals(7L, roundTrip(producer, consumer, 7L), "attached processes keep using it");
        }
        assertFalse(SysVQueues.delete(name));
    }

    @Test
    void groupAccessIsAnOption()
    {
        final String name = names.next("group");
        try (ShmQueue queue = SysVQueues.create(name, spsc().withPermissions(QueueConfig.OWNER_AND_GROUP),
            SegmentPages.SMALL))
        {
            assertEquals(0660, ((SysVSegmentRegion)queue.region()).stat().permissions());
        }
    }

    @Test
    void secondCreateUnderTheSameKeyFails()
    {
        final String name = names.next("twice");
        try (ShmQueue ignored = SysVQueues.create(name, spsc(), SegmentPages.SMALL))
        {
            final QueueExistsException ex = assertThrows(QueueExistsException.class,
                () -> SysVQueues.create(name, spsc(), SegmentPages.SMALL));
            assertMentions(ex.getMessage(), "EEXIST", "already exists", name);
            try (ShmQueue other = SysVQueues.createOrOpen(name, spsc(), SegmentPages.SMALL))
            {
                assertEquals(ignored.header().creationEpochMillis(), other.header().creationEpochMillis());
            }
        }
    }

    @Test
    void openingAMissingQueueSaysSo()
    {
        final InvalidQueueException ex = assertThrows(InvalidQueueException.class,
            () -> SysVQueues.open(names.next("missing"), spsc()));
        assertMentions(ex.getMessage(), "no SysV segment", "create the queue first");
    }

    @Test
    void headerChecksApplyToSegments()
    {
        final String name = names.next("kind");
        SysVQueues.create(name, spsc(), SegmentPages.SMALL).close();
        final InvalidQueueException ex = assertThrows(InvalidQueueException.class,
            () -> SysVQueues.open(name, QueueConfig.mpsc(64 * 1024)));
        assertMentions(ex.getMessage(), "'ring kind'", "expected MPSC", "found SPSC", "SysV segment key");
    }

    @Test
    void foreignSegmentUnderTheKeyIsNotTrusted()
    {
        final String name = names.next("foreign");
        final SysVSegmentRegion garbage = SysVSegmentRegion.create(SysVQueues.keyOf(name), 8192, SegmentPages.SMALL,
            0600, buffer -> buffer.setMemory(0, 8192, (byte)0x5A), "foreign");
        garbage.close();
        final InvalidQueueException ex = assertThrows(InvalidQueueException.class,
            () -> SysVQueues.open(name, spsc()));
        assertMentions(ex.getMessage(), "'magic'", "not a shmq queue");
    }

    @Test
    void queueOfAnotherNameUnderACollidingKeyIsDetected()
    {
        final String name = names.next("collide");
        final QueueConfig config = spsc();
        SysVSegmentRegion.create(SysVQueues.keyOf(name), QueueHeaderDescriptor.HEADER_LENGTH + config.capacity(),
            SegmentPages.SMALL, 0600, buffer -> ShmQueue.initialize(buffer, "some-other-name", config), "other")
            .close();
        final InvalidQueueException ex = assertThrows(InvalidQueueException.class,
            () -> SysVQueues.open(name, config));
        assertMentions(ex.getMessage(), "'name hash'", "another queue");
    }

    @Test
    void hugePageQueueTakesWholeHugePagesAndGivesThemBack()
    {
        try (HugePageReservation ignored = HugePageReservation.ensure(2))
        {
            final long availableBefore = HugePageStatus.of(PAGE).available();
            final String name = names.next("huge");
            try (ShmQueue queue = SysVQueues.create(name, QueueConfig.spsc(1 << 20), SegmentPages.HUGE_2MB);
                 ShmQueue reader = SysVQueues.open(name, QueueConfig.spsc(1 << 20)))
            {
                final SysVSegmentRegion region = (SysVSegmentRegion)queue.region();
                assertEquals(SegmentPages.HUGE_2MB, region.pages());
                assertEquals(PAGE, region.segmentSize(), "1 MiB + 4 KiB header rounded up to one 2 MiB page");
                assertEquals(availableBefore - 1, HugePageStatus.of(PAGE).available(), "one huge page taken");
                assertEquals(99L, roundTrip(queue, reader, 99L));
                assertTrue(SysVQueues.delete(name));
            }
            assertEquals(availableBefore, HugePageStatus.of(PAGE).available(), "huge page back after delete+detach");
        }
    }

    @Test
    void missingHugePagesGiveAnErrorThatSaysHowToReserveThem()
    {
        assumeTrue(ProcessIdentity.effectiveUid() == 0, "needs root to empty the huge page pool");
        final HugePageStatus status = HugePageStatus.of(PAGE);
        assumeTrue(status.free() == status.total(), "huge pages in use by others: cannot empty the pool");
        final long previous = HugePageReservation.setPool(0);
        try
        {
            final String name = names.next("nohuge");
            final ShmqException ex = assertThrows(ShmqException.class,
                () -> SysVQueues.create(name, QueueConfig.spsc(1 << 20), SegmentPages.HUGE_2MB));
            assertMentions(ex.getMessage(), name, "ENOMEM", "needs 1 huge page(s) of 2048 kB",
                "echo 1 > /proc/sys/vm/nr_hugepages", "HUGE_2MB_IF_AVAILABLE");
            assertFalse(SegmentNames.exists(name), "nothing left behind");

            try (ShmQueue queue = SysVQueues.create(name, QueueConfig.spsc(1 << 20),
                SegmentPages.HUGE_2MB_IF_AVAILABLE))
            {
                assertEquals(SegmentPages.SMALL, ((SysVSegmentRegion)queue.region()).pages(),
                    "fell back to 4 KiB pages only because the caller asked for it");
            }
        }
        finally
        {
            HugePageReservation.setPool(previous);
        }
    }

    @Test
    @Timeout(60)
    void staleSegmentOfAKilledCreatorIsFoundAndRemoved()
    {
        final String name = names.next("stale");
        try (ChildJvm child = ChildJvm.start(SysVChildProcess.class, "create-and-hold", name, "SPSC", "65536",
            Integer.toString(spsc().maxMessageLength()), Integer.toString(spsc().recordAlignment()), "SMALL"))
        {
            child.awaitOutput("HOLDING", 30);
            final int key = SysVQueues.keyOf(name);
            assertFalse(keys(SysVQueues.findStale()).contains(key), "attached to a live creator: not stale");
            child.kill();
            assertTrue(SegmentNames.exists(name), "a killed process leaves its segment behind");
            assertTrue(keys(SysVQueues.findStale()).contains(key), "found as stale once its creator is dead");
        }

        final String live = names.next("live");
        try (ShmQueue ignored = SysVQueues.create(live, spsc(), SegmentPages.SMALL))
        {
            final List<SegmentStat> removed = SysVQueues.removeStale();
            assertTrue(keys(removed).contains(SysVQueues.keyOf(name)));
            assertFalse(keys(removed).contains(SysVQueues.keyOf(live)), "a live queue is never removed");
        }
        assertFalse(SegmentNames.exists(name));
        assertTrue(SegmentNames.exists(live), "detached, but its creator (this JVM) lives: not stale");
        assertFalse(keys(SysVQueues.findStale()).contains(SysVQueues.keyOf(live)));
    }

    private static List<Integer> keys(final List<SegmentStat> stats)
    {
        return stats.stream().map(SegmentStat::key).collect(Collectors.toList());
    }
}

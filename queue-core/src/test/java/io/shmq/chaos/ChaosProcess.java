package io.shmq.chaos;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.ring.ClaimRevokedException;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the chaos test, killed with SIGKILL at any moment.
 * <ul>
 *   <li>{@code producer DIR NAME LEDGER SLOT INCARNATION}: sends numbered messages for ever, by claim or offer, and
 *   records in the ledger each sequence number it saw committed;</li>
 *   <li>{@code consumer DIR NAME LEDGER UNBLOCK_MILLIS}: checks every message (order per producer id, payload) and
 *   keeps its progress in the ledger, so a successor goes on where it died; exits when asked to stop and the ring
 *   stayed empty for a moment.</li>
 * </ul>
 * Message: {@code id (int), length (int), sequence (long), then bytes derived from id and sequence}.
 */
public final class ChaosProcess
{
    static final int CAPACITY = 64 * 1024;

    private ChaosProcess()
    {
    }

    static QueueConfig config(final Path directory)
    {
        return QueueConfig.mpsc(CAPACITY).withMaxMessageLength(512).withDirectory(directory);
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        final Path directory = Path.of(args[1]);
        try (ShmQueue queue = ShmQueue.open(args[2], config(directory)); ChaosLedger ledger = ChaosLedger.open(Path.of(args[3])))
        {
            if ("producer".equals(args[0]))
            {
                produce(queue.producer(), ledger, ChaosLedger.id(Integer.parseInt(args[4]), Integer.parseInt(args[5])));
            }
            else
            {
                consume(queue.consumer().unblockTimeout(Duration.ofMillis(Long.parseLong(args[4]))), ledger);
            }
        }
        System.exit(0);
    }

    private static void produce(final RingProducer producer, final ChaosLedger ledger, final int id)
    {
        final SplittableRandom random = new SplittableRandom(id);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[512]);
        final SlotClaim claim = new SlotClaim();
        System.out.println("PRODUCING " + id);
        for (long sequence = 0; ; sequence++)
        {
            final int length = 16 + random.nextInt(200);
            boolean sent = false;
            while (!sent)
            {
                if (random.nextBoolean())
                {
                    fill(message, 0, id, length, sequence);
                    sent = producer.offer(1, message, 0, length);
                }
                else if (producer.claim(1, length, claim))
                {
                    fill(claim.buffer(), claim.offset(), id, length, sequence);
                    if (random.nextInt(64) == 0)
                    {
                        // Hold the claim a while: kills land inside claims too.
                        final long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(200);
                        while (System.nanoTime() < until)
                        {
                            Thread.onSpinWait();
                        }
                    }
                    try
                    {
                        claim.commit();
                        sent = true;
                    }
                    catch (final ClaimRevokedException revoked)
                    {
                        // Skipped by the consumer: send the same sequence again.
                    }
                }
                if (!sent)
                {
                    Thread.onSpinWait();
                }
            }
            ledger.committed(id, sequence);
        }
    }

    private static void fill(final MutableDirectBuffer buffer, final int offset, final int id, final int length,
        final long sequence)
    {
        buffer.putInt(offset, id);
        buffer.putInt(offset + 4, length);
        buffer.putLong(offset + 8, sequence);
        for (int i = 16; i < length; i++)
        {
            buffer.putByte(offset + i, patternByte(id, sequence, i));
        }
    }

    private static byte patternByte(final int id, final long sequence, final int i)
    {
        return (byte)(sequence * 31 + i * 7 + id);
    }

    private static boolean intact(final DirectBuffer buffer, final int offset, final int length)
    {
        final int id = buffer.getInt(offset);
        final long sequence = buffer.getLong(offset + 8);
        if (buffer.getInt(offset + 4) != length || id < 0 || id >= ChaosLedger.IDS)
        {
            return false;
        }
        for (int i = 16; i < length; i++)
        {
            if (buffer.getByte(offset + i) != patternByte(id, sequence, i))
            {
                return false;
            }
        }
        return true;
    }

    private static void consume(final RingConsumer consumer, final ChaosLedger ledger)
    {
        System.out.println("CONSUMING");
        final long[] last = { 0 };
        final long[] corrupt = { 0 };
        final long[] delivered = { 0 };
        // Per producer id: the next sequence expected while a predecessor's unreleased batch is delivered again.
        final long[] replayNext = new long[ChaosLedger.IDS];
        Arrays.fill(replayNext, -1);
        long idleSince = System.nanoTime();
        while (true)
        {
            final int read = consumer.read((type, buffer, index, length) ->
            {
                final long now = System.nanoTime();
                if (last[0] != 0)
                {
                    ledger.stall(now - last[0]);
                }
                last[0] = now;
                if (!intact(buffer, index, length))
                {
                    corrupt[0]++;
                    return;
                }
                final int id = buffer.getInt(index);
                final long sequence = buffer.getLong(index + 8);
                final long next = ledger.next(id);
                if (sequence < next)
                {
                    // Read by a dead predecessor, not released: must come again in order, up to where it stopped.
                    if (replayNext[id] == -1)
                    {
                        replayNext[id] = sequence;
                    }
                    if (sequence != replayNext[id])
                    {
                        ledger.addDuplicate();
                    }
                    replayNext[id] = sequence + 1;
                    ledger.addRedelivered();
                }
                else
                {
                    if (replayNext[id] != -1 && replayNext[id] != next)
                    {
                        ledger.addDuplicate();
                    }
                    replayNext[id] = -1;
                    if (sequence > next)
                    {
                        ledger.addLost(sequence - next);
                    }
                    ledger.next(id, sequence + 1);
                }
                if (++delivered[0] % 8 == 0 && ledger.pauseRequested())
                {
                    // The test kills us here, in the middle of a read batch: what this batch delivered so far is
                    // not released, and our successor must deliver exactly that again.
                    ledger.paused();
                    final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (System.nanoTime() < until)
                    {
                        Thread.onSpinWait();
                    }
                }
            }, 64);
            if (corrupt[0] != 0)
            {
                System.out.println("CORRUPT " + corrupt[0]);
                System.exit(3);
            }
            if (read > 0)
            {
                idleSince = System.nanoTime();
            }
            else if (ledger.stopRequested() && System.nanoTime() - idleSince > TimeUnit.MILLISECONDS.toNanos(2000))
            {
                return;
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }
}

package io.shmq.chaos;

import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.platform.JvmRequirements;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chaos (Maven profile {@code chaos}): an MPSC ring with three producer JVMs and one consumer JVM; producers are
 * killed with SIGKILL at random moments and restarted, hundreds of times, and now and then the consumer too.
 * Every message a producer saw committed must arrive, in order per producer, exactly once, except that messages a
 * killed consumer had read but not yet released may reach its successor again (at-least-once across a consumer
 * crash); the queue must never stall for longer than the unblock timeout plus a margin.
 * Sizes: {@code -Dshmq.chaos.kills=N} (default 300), one consumer kill every 25 producer kills.
 */
@Tag("chaos")
class ChaosTest
{
    private static final long UNBLOCK_MILLIS = 200;
    private static final long STALL_MARGIN_MILLIS = 1500;

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    void killedProducersAndConsumersLoseNothingAndNeverStallLong() throws Exception
    {
        final int kills = Integer.getInteger("shmq.chaos.kills", 300);
        final String name = "chaos";
        final Path ledgerFile = shm.path().resolve("ledger");
        ShmQueue.create(name, ChaosProcess.config(shm.path())).close();
        final SplittableRandom random = new SplittableRandom(Long.getLong("shmq.chaos.seed", 42));
        final List<ChildJvm> dead = new ArrayList<>();
        final ChildJvm[] producers = new ChildJvm[ChaosLedger.MAX_SLOTS];
        final int[] incarnation = new int[ChaosLedger.MAX_SLOTS];
        int consumerKills = 0;
        int pausedKills = 0;
        long redeliverableBound = 0;
        try (ChaosLedger ledger = ChaosLedger.create(ledgerFile))
        {
            ChildJvm consumer = startConsumer(name, ledgerFile);
            for (int slot = 0; slot < producers.length; slot++)
            {
                producers[slot] = startProducer(name, ledgerFile, slot, incarnation[slot]);
            }
            consumer.awaitOutput("CONSUMING", 60);
            for (final ChildJvm producer : producers)
            {
                producer.awaitOutput("PRODUCING", 60);
            }
            final long start = System.nanoTime();
            for (int kill = 1; kill <= kills; kill++)
            {
                Thread.sleep(2 + random.nextInt(30));
                final int slot = random.nextInt(producers.length);
                // Kill a producer that is producing (not one still starting its JVM), at a random moment.
                producers[slot].awaitOutput("PRODUCING", 60);
                Thread.sleep(random.nextInt(5));
                producers[slot].kill();
                dead.add(producers[slot]);
                incarnation[slot]++;
                producers[slot] = startProducer(name, ledgerFile, slot, incarnation[slot]);
                if (kill % 25 == 0)
                {
                    // Kill it inside its handler, mid-batch, so that its successor has a batch to deliver again.
                    ledger.requestPause();
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!ledger.isPaused() && System.nanoTime() < deadline)
                    {
                        Thread.sleep(1);
                    }
                    consumer.kill();
                    pausedKills += ledger.isPaused() ? 1 : 0;
                    ledger.clearPause();
                    dead.add(consumer);
                    consumerKills++;
                    // What it had read and not yet released: at most one read batch.
                    redeliverableBound += 64;
                    consumer = startConsumer(name, ledgerFile);
                    consumer.awaitOutput("CONSUMING", 60);
                }
            }
            for (final ChildJvm producer : producers)
            {
                producer.awaitOutput("PRODUCING", 60);
                producer.kill();
            }
            ledger.requestStop();
            consumer.awaitSuccess(120);
            final double seconds = (System.nanoTime() - start) / 1e9;

            long committed = 0;
            long behind = 0;
            long ahead = 0;
            for (int slot = 0; slot < producers.length; slot++)
            {
                for (int inc = 0; inc <= incarnation[slot]; inc++)
                {
                    final int id = ChaosLedger.id(slot, inc);
                    final long last = ledger.committed(id);
                    committed += last + 1;
                    final long next = ledger.next(id);
                    if (next < last + 1)
                    {
                        behind += last + 1 - next;
                    }
                    if (next > last + 2)
                    {
                        ahead += next - last - 2;
                    }
                }
            }
            final long unblocked;
            try (ShmQueue queue = ShmQueue.open(name, ChaosProcess.config(shm.path())))
            {
                unblocked = queue.header().counter(QueueHeaderDescriptor.COUNTER_UNBLOCKED_RECORDS);
            }
            System.out.printf("CHAOS: %d producer kills, %s consumer kills in %.1f s; %,d messages committed, " +
                "lost %d, missing at the end %d, beyond what producers recorded %d, redelivered %d (bound %d, out of order " +
                "or beyond the unreleased batch %d), " +
                "claims unblocked %d, longest stall %.0f ms (unblock timeout %d ms)%n", kills, consumerKills + " (" +
                pausedKills + " mid-batch)",
                seconds, committed, ledger.lost(), behind, ahead, ledger.redelivered(), redeliverableBound, ledger.duplicates(),
                unblocked, ledger.longestStallNanos() / 1e6, UNBLOCK_MILLIS);
            assertEquals(0, ledger.lost(), "messages skipped (a gap in a producer's sequence)");
            assertEquals(0, behind, "messages a producer saw committed that never arrived");
            assertEquals(0, ahead, "messages beyond the one a producer may commit without recording it");
            assertTrue(ledger.redelivered() <= redeliverableBound, "redelivered more than the unreleased batches");
            assertTrue(pausedKills == 0 || ledger.redelivered() >= pausedKills,
                "consumers killed mid-batch (" + pausedKills + "), yet nothing was delivered again");
            assertEquals(0, ledger.duplicates(), "a message delivered twice other than a dead consumer's unreleased " +
                "batch, in order, up to where it stopped");
            assertTrue(committed > kills, "the producers made progress");
            assertTrue(ledger.longestStallNanos() < TimeUnit.MILLISECONDS.toNanos(UNBLOCK_MILLIS + STALL_MARGIN_MILLIS),
                "stalled for " + ledger.longestStallNanos() / 1e6 + " ms");
        }
        finally
        {
            for (final ChildJvm producer : producers)
            {
                if (producer != null)
                {
                    producer.close();
                }
            }
            dead.forEach(ChildJvm::close);
            ShmQueue.delete(name, shm.path());
        }
    }

    private ChildJvm startProducer(final String name, final Path ledger, final int slot, final int incarnation)
    {
        return ChildJvm.start(options("-Xmx64m", "-XX:TieredStopAtLevel=1"), ChaosProcess.class, "producer",
            shm.path().toString(), name, ledger.toString(), Integer.toString(slot), Integer.toString(incarnation));
    }

    private static List<String> options(final String... extra)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.addAll(List.of(extra));
        return options;
    }

    private ChildJvm startConsumer(final String name, final Path ledger)
    {
        return ChildJvm.start(options("-Xmx64m"), ChaosProcess.class, "consumer", shm.path().toString(), name,
            ledger.toString(), Long.toString(UNBLOCK_MILLIS));
    }
}

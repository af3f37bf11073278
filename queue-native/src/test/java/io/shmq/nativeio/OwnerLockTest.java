package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.inspect.QueueFiles;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.platform.JvmRequirements;
import io.shmq.process.OwnerLocks;
import io.shmq.process.OwnerState;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingConsumer;
import io.shmq.support.ChildJvm;
import io.shmq.support.HoldRoleProcess;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Roles locked in the queue file: a dead owner of another PID namespace (a restarted container sharing
 * {@code /dev/shm}) is taken over once the kernel dropped its lock, a live one never is, and the lock survives this
 * process opening and closing the file elsewhere.
 */
class OwnerLockTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private QueueConfig config()
    {
        return QueueConfig.spsc(64 * 1024).withDirectory(shm.path());
    }

    @Test
    void queueNativeProvidesTheLocks()
    {
        assertInstanceOf(OfdOwnerLocks.class, OwnerLocks.platformDefault());
    }

    @Test
    void aLockSurvivesAnotherDescriptorOfTheFileBeingClosed() throws Exception
    {
        final Path file = Files.createFile(shm.path().resolve("locked"));
        Files.write(file, new byte[4096]);
        final OwnerLocks locks = OwnerLocks.platformDefault();
        try (OwnerLocks.Lock held = locks.tryLock(file, 384, 8))
        {
            assertNotNull(held);
            // A POSIX record lock would be gone after this close; an open-file-description lock is not.
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            assertNull(locks.tryLock(file, 384, 8), "still held");
            final OwnerLocks.Lock other = locks.tryLock(file, 392, 8);
            assertNotNull(other, "other bytes are free");
            other.close();
        }
        final OwnerLocks.Lock again = locks.tryLock(file, 384, 8);
        assertNotNull(again, "free once closed");
        again.close();
    }

    @Test
    void anOwnerHoldsItsLockAndLetsItGoOnClose()
    {
        try (ShmQueue queue = ShmQueue.create("own", config()))
        {
            final RingConsumer consumer = queue.consumer();
            assertEquals(1, queue.region().buffer().getLong(QueueHeaderDescriptor.CONSUMER_OWNER_LOCK_OFFSET));
            try (ShmQueue second = ShmQueue.open("own", config()))
            {
                final QueueOwnershipException ex = assertThrows(QueueOwnershipException.class, second::consumer);
                assertTrue(ex.getMessage().contains("in this process"), ex.getMessage());
            }
            consumer.close();
            assertEquals(0, queue.region().buffer().getLong(QueueHeaderDescriptor.CONSUMER_OWNER_LOCK_OFFSET));
            assertEquals(0, queue.header().consumerOwnerToken());
            queue.consumer().close();
        }
    }

    @Test
    @Timeout(120)
    void aDeadOwnerOfAnotherPidNamespaceIsTakenOverAndALiveOneIsNot() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")) && ProcessIdentity.effectiveUid() == 0,
            "needs unshare and root");
        final QueueConfig config = config();
        ShmQueue.create("restarted", config).close();
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.add("--enable-native-access=ALL-UNNAMED");
        final Path file = shm.path().resolve("shmq-restarted");
        try (ShmQueue queue = ShmQueue.open("restarted", config))
        {
            final ChildJvm holder = ChildJvm.start(
                List.of("/usr/bin/unshare", "--pid", "--fork", "--kill-child", "--mount-proc"), options,
                System.getProperty("java.class.path"), HoldRoleProcess.class, shm.path().toString(), "restarted",
                "SPSC", "65536", Integer.toString(config.maxMessageLength()),
                Integer.toString(config.recordAlignment()), "consumer");
            try
            {
                holder.awaitOutput("HOLDING", 60);
                assertEquals(1, queue.region().buffer().getLong(QueueHeaderDescriptor.CONSUMER_OWNER_LOCK_OFFSET),
                    "the foreign owner locked its role");
                final QueueOwnershipException alive = assertThrows(QueueOwnershipException.class, queue::consumer);
                System.out.println("live foreign owner: " + alive.getMessage());
                assertEquals(OwnerState.ALIVE, QueueFiles.snapshot(file).consumer(), "the kernel says: alive");
            }
            finally
            {
                holder.close();
            }

            // The holder's JVM dies with its unshare parent; its lock goes with it, whatever its namespace.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (QueueFiles.snapshot(file).consumer() != OwnerState.DEAD && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertEquals(OwnerState.DEAD, QueueFiles.snapshot(file).consumer(), "tools see it dead");
            RingConsumer consumer = null;
            while (consumer == null)
            {
                try
                {
                    consumer = queue.consumer();
                }
                catch (final QueueOwnershipException stillThere)
                {
                    if (System.nanoTime() > deadline)
                    {
                        throw stillThere;
                    }
                    Thread.sleep(50);
                }
            }
            assertEquals(1, queue.header().counter(QueueHeaderDescriptor.COUNTER_OWNER_TAKEOVERS));
            assertEquals(ProcessIdentity.current().token(), queue.header().consumerOwnerToken());
            consumer.close();
        }
    }
}

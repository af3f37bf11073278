package io.shmq.process;

import io.shmq.inspect.QueueSnapshot;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.platform.JvmRequirements;
import io.shmq.support.ChildJvm;
import io.shmq.support.HoldRoleProcess;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A role held by a live process in another PID namespace (a sidecar container sharing /dev/shm but not its pids)
 * must not look dead: its pid means nothing here, so it is never taken over and tools say they cannot tell.
 * Runs the holder under {@code unshare --pid --fork --mount-proc} (root); skipped where that is not possible.
 */
class PidNamespaceTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    void anOwnerInAnotherPidNamespaceIsNeverTakenOver()
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")) && ProcessIdentity.effectiveUid() == 0,
            "needs unshare and root");
        final QueueConfig config = QueueConfig.spsc(64 * 1024).withDirectory(shm.path());
        ShmQueue.create("elsewhere", config).close();
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        try (ChildJvm holder = ChildJvm.start(List.of("/usr/bin/unshare", "--pid", "--fork", "--kill-child", "--mount-proc"), options,
            System.getProperty("java.class.path"), HoldRoleProcess.class, shm.path().toString(), "elsewhere", "SPSC",
            "65536", Integer.toString(config.maxMessageLength()), Integer.toString(config.recordAlignment()),
            "consumer"))
        {
            holder.awaitOutput("HOLDING", 60);
            try (ShmQueue queue = ShmQueue.open("elsewhere", config))
            {
                final long token = queue.header().consumerOwnerToken();
                assertNotEquals(holder.pid(), ProcessIdentity.fromToken(token).pid(), "its pid is namespace-local");
                assertEquals(OwnerState.UNKNOWN, QueueSnapshot.of(queue).consumer());
                final QueueOwnershipException ex = assertThrows(QueueOwnershipException.class, queue::consumer);
                System.out.println("foreign owner: " + ex.getMessage());
            }
        }
    }
}

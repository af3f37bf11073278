package io.shmq.nativeio;

import io.shmq.channel.Channel;
import io.shmq.platform.JvmRequirements;
import io.shmq.process.ProcessIdentity;
import io.shmq.rpc.RequestClient;
import io.shmq.support.ChannelPeerProcess;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sidecar killed and restarted the way a container is: each life in a new PID namespace, over the rings the dead
 * one left in a shared {@code /dev/shm}. The new life takes the dead one's roles (its file locks are gone) and serves
 * the service again, with no one removing anything by hand.
 */
class SidecarRestartTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private ChildJvm startInNewPidNamespace(final String role, final String name)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.add("--enable-native-access=ALL-UNNAMED");
        return ChildJvm.start(List.of("/usr/bin/unshare", "--pid", "--fork", "--kill-child", "--mount-proc"),
            options, System.getProperty("java.class.path"), ChannelPeerProcess.class, role, shm.path().toString(),
            name);
    }

    @Test
    @Timeout(180)
    void aServerRestartedInANewPidNamespaceTakesOverTheRingsAndServesAgain()
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")) && ProcessIdentity.effectiveUid() == 0,
            "needs unshare and root");
        try (ChildJvm first = startInNewPidNamespace("silent-server", "sidecar"))
        {
            first.awaitOutput("LISTENING", 60);
            try (Channel channel = Channel.connect("sidecar", ChannelPeerProcess.config(shm.path()), 30 * SECOND))
            {
                first.awaitOutput("ACCEPTED", 30);
                first.kill();
            }
        }

        try (ChildJvm second = startInNewPidNamespace("server", "sidecar"))
        {
            second.awaitOutput("LISTENING", 60);
            try (Channel channel = Channel.connect("sidecar", ChannelPeerProcess.config(shm.path()), 30 * SECOND))
            {
                final RequestClient client = new RequestClient(channel, (id, type, buffer, index, length) -> { });
                assertEquals(42, ChannelPeerProcess.askTripled(client, 14));
            }
            assertTrue(second.awaitSuccess(30).contains("ENDED PEER_CLOSED"), second.output());
        }
    }
}

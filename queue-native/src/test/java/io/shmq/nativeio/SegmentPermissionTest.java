package io.shmq.nativeio;

import io.shmq.process.ProcessIdentity;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.platform.JvmRequirements;
import io.shmq.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Another user cannot open an owner-only segment, and is told why; with group access and a shared group it can.
 * The other user is {@code nobody}, reached with {@code setpriv} (needs root).
 */
class SegmentPermissionTest
{
    private static final int NOBODY = 65534;

    @RegisterExtension
    final SegmentNames names = new SegmentNames();

    private static QueueConfig config()
    {
        return QueueConfig.spsc(64 * 1024);
    }

    private static String openAsNobody(final String name, final int group) throws Exception
    {
        try (ReadableClassPath classPath = new ReadableClassPath())
        {
            final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
            options.add("--enable-native-access=ALL-UNNAMED");
            options.add("-Djna.tmpdir=" + classPath.scratch());
            options.add("-Djava.io.tmpdir=" + classPath.scratch());
            options.add("-Xshare:off");
            final List<String> prefix = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + group,
                "--clear-groups", "--");
            try (ChildJvm child = ChildJvm.start(prefix, options, classPath.classPath(), SysVChildProcess.class,
                "open", name, "SPSC", Integer.toString(config().capacity()),
                Integer.toString(config().maxMessageLength()), Integer.toString(config().recordAlignment())))
            {
                return child.awaitSuccess(50);
            }
        }
    }

    @Test
    @Timeout(60)
    void ownerOnlySegmentIsRefusedToAnotherUserWithTheReason() throws Exception
    {
        assumeTrue(ProcessIdentity.effectiveUid() == 0, "needs root to run a child as nobody");
        final String name = names.next("private");
        try (ShmQueue ignored = SysVQueues.create(name, config(), SegmentPages.SMALL))
        {
            final String output = openAsNobody(name, NOBODY);
            assertTrue(output.contains("THROWN io.shmq.errors.InvalidQueueException"), output);
            assertTrue(output.contains("EACCES"), output);
            assertTrue(output.contains("belongs to another user (uid 0, mode 600)"), output);
            assertTrue(output.contains(name), output);
        }
    }

    @Test
    @Timeout(60)
    void groupSegmentOpensForAMemberOfTheGroupThatAllowsForeignOwners() throws Exception
    {
        assumeTrue(ProcessIdentity.effectiveUid() == 0, "needs root to run a child as nobody");
        final String name = names.next("shared");
        // root's group is 0: a child in group 0 shares it.
        try (ShmQueue ignored = SysVQueues.create(name, config().withPermissions(QueueConfig.OWNER_AND_GROUP),
            SegmentPages.SMALL))
        {
            final String output = openAsNobody(name, 0);
            // The child does not pass allowForeignOwner, so it gets past the kernel's check and is stopped by ours.
            assertTrue(output.contains("owned by uid 0, expected uid " + NOBODY), output);
            assertTrue(output.contains("allowForeignOwner"), output);
        }
    }
}

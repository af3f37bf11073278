package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rings in huge-page SysV segments created by one JVM and used by others: every message checked byte by byte and
 * in order per producer, and the segment gone afterwards.
 */
class SysVCrossProcessTest
{
    private static final Pattern RESULT = Pattern.compile("RESULT messages=(\\d+) .*fault=null");

    @RegisterExtension
    final SegmentNames names = new SegmentNames();

    @Test
    @Timeout(180)
    void spscInAHugePageSegmentAcrossProcesses()
    {
        run(QueueConfig.spsc(1 << 20).withMaxMessageLength(300), 1, 2_000_000);
    }

    @Test
    @Timeout(180)
    void mpscInAHugePageSegmentWithTwoProducerProcesses()
    {
        run(QueueConfig.mpsc(1 << 20).withMaxMessageLength(300), 2, 1_000_000);
    }

    private void run(final QueueConfig config, final int producers, final long each)
    {
        final String name = names.next(config.kind().name().toLowerCase());
        final List<ChildJvm> children = new ArrayList<>();
        try (HugePageReservation ignored = HugePageReservation.ensure(1))
        {
            try (ShmQueue queue = SysVQueues.create(name, config, SegmentPages.HUGE_2MB))
            {
                assertEquals(SegmentPages.HUGE_2MB, ((SysVSegmentRegion)queue.region()).pages());
                final String[] common = { name, config.kind().name(), Integer.toString(config.capacity()),
                    Integer.toString(config.maxMessageLength()), Integer.toString(config.recordAlignment()) };
                final ChildJvm consumer = ChildJvm.start(SysVChildProcess.class,
                    args("consume", common, Integer.toString(producers), Long.toString(each)));
                children.add(consumer);
                consumer.awaitOutput("ATTACHED", 30);
                for (int p = 0; p < producers; p++)
                {
                    children.add(ChildJvm.start(SysVChildProcess.class,
                        args("produce", common, Integer.toString(p), Long.toString(each))));
                }
                for (final ChildJvm producer : children.subList(1, children.size()))
                {
                    assertTrue(producer.awaitSuccess(150).contains("SENT " + each));
                }
                final String output = consumer.awaitSuccess(60);
                final Matcher matcher = RESULT.matcher(output);
                assertTrue(matcher.find(), output);
                assertEquals(producers * each, Long.parseLong(matcher.group(1)));
                System.out.println(getClass().getSimpleName() + " " + config.kind() + " x" + producers + ": " +
                    output.lines().filter(l -> l.startsWith("RESULT")).findFirst().orElse(""));
                assertTrue(SysVQueues.delete(name));
            }
            finally
            {
                children.forEach(ChildJvm::close);
            }
        }
        assertFalse(SegmentNames.exists(name), "segment gone (ipcs -m shows nothing)");
    }

    private static String[] args(final String role, final String[] common, final String... rest)
    {
        final List<String> all = new ArrayList<>();
        all.add(role);
        all.addAll(List.of(common));
        all.addAll(List.of(rest));
        return all.toArray(new String[0]);
    }
}

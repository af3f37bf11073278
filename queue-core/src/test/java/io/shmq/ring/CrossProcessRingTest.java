package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.support.ChildJvm;
import io.shmq.support.ConsumerProcess;
import io.shmq.support.ProducerProcess;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producers and consumer in separate child JVMs, the way users run shmq: every message checked byte by byte and
 * in order per producer by the consumer process.
 */
class CrossProcessRingTest
{
    private static final Pattern RESULT = Pattern.compile("RESULT messages=(\\d+) bytes=(\\d+) .*fault=null");

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    @Timeout(180)
    void spscAcrossProcessesDeliversEveryMessageIntact()
    {
        run(QueueConfig.spsc(256 * 1024).withMaxMessageLength(300), 1, 3_000_000);
    }

    @Test
    @Timeout(180)
    void mpscWithTwoProducerProcessesDeliversEveryMessageIntact()
    {
        run(QueueConfig.mpsc(256 * 1024).withMaxMessageLength(300), 2, 1_500_000);
    }

    @Test
    @Timeout(180)
    void mpscWithThreeProducerProcessesOnPackedRecords()
    {
        run(QueueConfig.mpsc(16 * 1024).withMaxMessageLength(300).withRecordAlignment(8), 3, 300_000);
    }

    private void run(final QueueConfig shape, final int producers, final long perProducer)
    {
        final QueueConfig config = shape.withDirectory(shm.path());
        final String name = "xproc";
        final List<ChildJvm> children = new ArrayList<>();
        ShmQueue.create(name, config).close();
        try
        {
            final String[] common = ProducerProcess.args(shm.path(), name, config);
            final ChildJvm consumer = ChildJvm.start(ConsumerProcess.class,
                concat(common, Integer.toString(producers), Long.toString(perProducer), "60"));
            children.add(consumer);
            consumer.awaitOutput("ATTACHED", 30);
            for (int p = 0; p < producers; p++)
            {
                children.add(ChildJvm.start(ProducerProcess.class,
                    concat(common, Integer.toString(p), Long.toString(perProducer))));
            }
            for (final ChildJvm producer : children.subList(1, children.size()))
            {
                assertTrue(producer.awaitSuccess(150).contains("SENT " + perProducer));
            }
            final String output = consumer.awaitSuccess(60);
            final Matcher matcher = RESULT.matcher(output);
            assertTrue(matcher.find(), output);
            assertEquals(producers * perProducer, Long.parseLong(matcher.group(1)));
            System.out.println(getClass().getSimpleName() + " " + config.kind() + " x" + producers + ": " +
                output.lines().filter(l -> l.startsWith("RESULT")).findFirst().orElse(""));
        }
        finally
        {
            children.forEach(ChildJvm::close);
        }
    }

    private static String[] concat(final String[] first, final String... rest)
    {
        return Stream.concat(Arrays.stream(first), Arrays.stream(rest)).toArray(String[]::new);
    }
}

package io.shmq.support;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.RingKind;

import java.nio.file.Path;

/**
 * Child JVM: opens a queue and sends {@link MessagePattern} messages.
 * Arguments: {@code directory name kind capacity maxLength alignment producerId count}.
 */
public final class ProducerProcess
{
    private ProducerProcess()
    {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        final QueueConfig config = config(args);
        final String name = args[1];
        final int producerId = Integer.parseInt(args[6]);
        final long count = Long.parseLong(args[7]);
        try (ShmQueue queue = ShmQueue.open(name, config))
        {
            System.out.println("ATTACHED");
            new PatternProducer(queue.producer(), producerId, config.maxMessageLength()).send(count);
            System.out.println("SENT " + count);
        }
    }

    /**
     * Builds the config from the common leading arguments.
     *
     * @param args {@code directory name kind capacity maxLength alignment ...}.
     * @return the config.
     */
    static QueueConfig config(final String[] args)
    {
        return QueueConfig.of(RingKind.valueOf(args[2]), Integer.parseInt(args[3]))
            .withDirectory(Path.of(args[0]))
            .withMaxMessageLength(Integer.parseInt(args[4]))
            .withRecordAlignment(Integer.parseInt(args[5]));
    }

    /**
     * The common leading arguments for a config.
     *
     * @param directory queue directory.
     * @param name      queue name.
     * @param config    the queue's config.
     * @return {@code directory name kind capacity maxLength alignment}.
     */
    public static String[] args(final Path directory, final String name, final QueueConfig config)
    {
        return new String[]{ directory.toString(), name, config.kind().name(), Integer.toString(config.capacity()),
            Integer.toString(config.maxMessageLength()), Integer.toString(config.recordAlignment()) };
    }
}

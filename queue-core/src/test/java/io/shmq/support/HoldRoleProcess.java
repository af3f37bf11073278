package io.shmq.support;

import io.shmq.ShmQueue;

/**
 * Child JVM: opens a queue, takes the consumer or producer role, prints {@code HOLDING} and waits to be killed.
 * Arguments: {@code directory name kind capacity maxLength alignment role}, role being {@code consumer} or
 * {@code producer}.
 */
public final class HoldRoleProcess
{
    private HoldRoleProcess()
    {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     * @throws InterruptedException never in practice: the process is killed.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final ShmQueue queue = ShmQueue.open(args[1], ProducerProcess.config(args));
        if ("consumer".equals(args[6]))
        {
            queue.consumer();
        }
        else
        {
            queue.producer();
        }
        System.out.println("HOLDING");
        Thread.sleep(600_000);
    }
}

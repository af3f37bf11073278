package io.shmq.bench.harness;

import java.io.IOException;
import java.util.List;

/**
 * The command line shared by the Netty and gRPC reports: {@code [--quick] [--pinned]}, in any order.
 *
 * @param quick  one short round instead of three.
 * @param pinned the report's JVM (the client) on CPU 0 and each server on CPU 1, instead of where the scheduler
 *               puts them.
 */
public record ReportOptions(boolean quick, boolean pinned)
{
    private static final int CLIENT_CPU = 0;
    private static final int SERVER_CPU = 1;

    /**
     * Parses the options, or prints a usage line and exits with 64 on anything else.
     *
     * @param report the report's name, for the usage line.
     * @param args   the command line.
     * @return the options.
     */
    public static ReportOptions parse(final String report, final String[] args)
    {
        boolean quick = false;
        boolean pinned = false;
        for (final String arg : args)
        {
            switch (arg)
            {
                case "--quick" -> quick = true;
                case "--pinned" -> pinned = true;
                default -> usage(report, "unknown option '" + arg + "'");
            }
        }
        if (pinned && !CorePinning.available())
        {
            usage(report, "--pinned needs /usr/bin/taskset and at least two CPUs");
        }
        return new ReportOptions(quick, pinned);
    }

    /**
     * Where the processes run, for a report's title.
     *
     * @return "client on CPU 0, server on CPU 1" or "not pinned".
     */
    public String placement()
    {
        return pinned ? "client on CPU 0, server on CPU 1" : "not pinned";
    }

    /**
     * Puts this process, the client, on CPU 0 when pinned.
     *
     * @throws IOException          when taskset fails.
     * @throws InterruptedException when interrupted while waiting for it.
     */
    public void placeClient() throws IOException, InterruptedException
    {
        if (pinned)
        {
            CorePinning.pin(ProcessHandle.current().pid(), CLIENT_CPU);
        }
    }

    /**
     * A server's command line: on CPU 1 when pinned.
     *
     * @param command the server's command.
     * @return the command to start.
     */
    public List<String> serverCommand(final List<String> command)
    {
        return pinned ? CorePinning.onCpu(SERVER_CPU, command) : command;
    }

    /**
     * The CPU a server process is pinned to.
     *
     * @return 1 when pinned, -1 when not.
     */
    public int serverCpu()
    {
        return pinned ? SERVER_CPU : -1;
    }

    /**
     * The machine's phase now, probed with this process free of its pin for the probe's two threads.
     *
     * @return "fast" or "slow".
     * @throws IOException          when taskset fails.
     * @throws InterruptedException when interrupted while waiting for it.
     */
    public String probePhase() throws IOException, InterruptedException
    {
        return CorePinning.probePhase(pinned ? CLIENT_CPU : -1);
    }

    private static void usage(final String report, final String problem)
    {
        System.err.println(report + ": " + problem);
        System.err.println("usage: " + report + " [--quick] [--pinned]");
        System.exit(64);
    }
}

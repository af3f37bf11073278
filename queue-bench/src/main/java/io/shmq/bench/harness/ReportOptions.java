package io.shmq.bench.harness;

/**
 * The command line shared by the Netty and gRPC reports: {@code [--quick] [--pinned]}, in any order.
 *
 * @param quick  one short round instead of three.
 * @param pinned the report's JVM (the client) on CPU 0 and each server on CPU 1, instead of where the scheduler
 *               puts them.
 */
public record ReportOptions(boolean quick, boolean pinned)
{
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

    private static void usage(final String report, final String problem)
    {
        System.err.println(report + ": " + problem);
        System.err.println("usage: " + report + " [--quick] [--pinned]");
        System.exit(64);
    }
}

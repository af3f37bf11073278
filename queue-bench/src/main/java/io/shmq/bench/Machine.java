package io.shmq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a report says about the machine it ran on.
 */
public final class Machine
{
    private Machine()
    {
    }

    /**
     * The CPU model, from {@code /proc/cpuinfo}.
     *
     * @return the first "model name", or "unknown CPU".
     */
    public static String cpuModel()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("model name")).findFirst()
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("unknown CPU");
        }
        catch (final IOException ex)
        {
            return "unknown CPU";
        }
    }
}

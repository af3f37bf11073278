package io.shmq.netty.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fails a test when Netty's leak detector (PARANOID in these tests) reported a {@code ByteBuf} that was never
 * released: after each test it collects garbage and allocates, which makes the detector report what it found.
 */
public final class LeakCheck implements BeforeAllCallback, AfterEachCallback
{
    @Override
    public void beforeAll(final ExtensionContext context)
    {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
            "the tests run with -Dio.netty.leakDetection.level=paranoid");
    }

    @Override
    public void afterEach(final ExtensionContext context) throws InterruptedException
    {
        for (int i = 0; i < 5; i++)
        {
            System.gc();
            Thread.sleep(20);
            // The detector reports leaks when it tracks a new buffer.
            final ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
            probe.release();
        }
        final List<String> leaks = RecordingLeakDetector.drain();
        assertTrue(leaks.isEmpty(), () -> leaks.size() + " ByteBuf leak(s):\n" + String.join("\n", leaks));
    }
}

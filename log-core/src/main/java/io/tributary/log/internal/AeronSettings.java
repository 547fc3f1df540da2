package io.tributary.log.internal;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Aeron settings every Tributary process uses, nodes and clients alike, chosen so that three nodes, their
 * clients and the tests fit on two cores: one shared-threading driver per process, back-off idling instead of
 * spinning, sparse term buffers, and 4 MiB socket buffers (with the kernel defaults, loopback drops packets under
 * CPU starvation and NAK/retransmit stalls leave the CPU idle).
 */
public final class AeronSettings
{
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

    private AeronSettings()
    {
    }

    /**
     * @return a back-off idle strategy: a few spins and yields, then parks growing from 1 µs to 1 ms.
     */
    public static IdleStrategy idle()
    {
        return new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    }

    /**
     * @return where Aeron directories go: /dev/shm when there is one, else the temp directory.
     */
    public static String aeronDirectoryBase()
    {
        return Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir");
    }

    /**
     * @param aeronDirectoryName the driver's own directory, deleted on start and on shutdown.
     * @return a media driver context with the settings above.
     */
    public static MediaDriver.Context mediaDriverContext(final String aeronDirectoryName)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(aeronDirectoryName)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idle())
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .socketRcvbufLength(SOCKET_BUFFER_BYTES)
            .socketSndbufLength(SOCKET_BUFFER_BYTES)
            .initialWindowLength(SOCKET_BUFFER_BYTES);
    }
}

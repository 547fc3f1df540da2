package io.tributary.log.internal;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.IdleStrategy;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Aeron settings every Tributary process uses, nodes and clients alike, chosen so that three nodes, their
 * clients and the tests fit on two cores: one shared-threading driver per process, back-off idling instead of
 * spinning, sparse term buffers, and 4 MiB socket buffers (with the kernel defaults, loopback drops packets under
 * CPU starvation and NAK/retransmit stalls leave the CPU idle). Publications size their datagrams to the MTU of the
 * interface they leave by ({@link #mtuParam(String)}).
 */
public final class AeronSettings
{
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    /** Aeron's default datagram length: safe on any Ethernet path. */
    private static final int DEFAULT_MTU = 1408;
    /** The largest datagram Aeron sends: a UDP payload of 64 KiB less the headers, a multiple of its 32-byte frames. */
    private static final int MAX_MTU = 65504;
    /** IPv6 and UDP headers: what an interface's MTU holds besides Aeron's frame (IPv4's are smaller). */
    private static final int IP_UDP_HEADERS = 48;
    private static final Map<String, Integer> MTU_BY_HOST = new ConcurrentHashMap<>();

    private AeronSettings()
    {
    }

    /**
     * @return a back-off idle strategy: a few spins and yields, then parks growing from 1 µs to 100 µs while the
     *         thread worked in the last 10 ms, else on to 1 ms ({@link WarmBackoffIdleStrategy}: a request that comes
     *         a few milliseconds after the last must not wait for a 1 ms park at every thread it crosses).
     */
    public static IdleStrategy idle()
    {
        return new WarmBackoffIdleStrategy(10, 20, 1_000, 100_000, 1_000_000, 10_000_000);
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

    /**
     * The {@code mtu} channel parameter for publications sent from {@code host}'s interface: its MTU less the IP and
     * UDP headers, rounded down to Aeron's frame alignment, when that is more than Aeron's default of 1408 bytes.
     * On loopback (MTU 64 KiB) a 64 KiB batch then travels as one datagram instead of 47, which is most of the
     * sending and receiving cost of a batch; on a 1500-byte Ethernet it stays at the default, on jumbo frames it
     * follows them.
     *
     * @param host a local address of this process (a node's or a client's own host).
     * @return {@code "|mtu=N"} to append to an {@code aeron:udp} channel, or {@code ""} for Aeron's default.
     */
    public static String mtuParam(final String host)
    {
        final int mtu = MTU_BY_HOST.computeIfAbsent(host, AeronSettings::interfaceMtu);
        return mtu > DEFAULT_MTU ? "|mtu=" + mtu : "";
    }

    private static int interfaceMtu(final String host)
    {
        try
        {
            final NetworkInterface nic = NetworkInterface.getByInetAddress(InetAddress.getByName(host));
            if (nic == null)
            {
                return DEFAULT_MTU;
            }
            final int payload = Math.min(MAX_MTU, nic.getMTU() - IP_UDP_HEADERS);
            return Math.max(DEFAULT_MTU, payload & ~31);
        }
        catch (final UnknownHostException | SocketException ex)
        {
            return DEFAULT_MTU;
        }
    }
}

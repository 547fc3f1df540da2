package io.tributary.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real MQTT broker for tests: Debian's mosquitto on a free loopback port with a config and directory of its own,
 * anonymous access, and room for many queued QoS 1 messages (so a persistent session keeps everything published
 * while its client is down). {@link #close()} stops it and deletes its directory, and a shutdown hook does so if a
 * test never closes it.
 * <p>
 * Thread-safe.
 */
public final class MosquittoBroker implements AutoCloseable
{
    private static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Path dir;
    private final int port;
    private final Thread hook;
    private Process process;

    private MosquittoBroker(final Path dir, final int port)
    {
        this.dir = dir;
        this.port = port;
        this.hook = new Thread(this::stop, "mosquitto-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * @return whether the broker binary is installed (ops/bin/test installs it).
     */
    public static boolean installed()
    {
        return Files.isExecutable(BINARY);
    }

    public static MosquittoBroker start()
    {
        if (!installed())
        {
            throw new IllegalStateException(BINARY + " is missing: install Debian's mosquitto (ops/bin/test does)");
        }
        try
        {
            final Path dir = Files.createTempDirectory("tributary-mqtt-");
            final MosquittoBroker broker = new MosquittoBroker(dir, freePort());
            try
            {
                broker.launch();
                return broker;
            }
            catch (final RuntimeException ex)
            {
                broker.close();
                throw ex;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public String url()
    {
        return "tcp://127.0.0.1:" + port;
    }

    public int port()
    {
        return port;
    }

    /**
     * SIGKILL the broker and start it again on the same port (sessions kept only in memory are lost).
     */
    public synchronized void restart()
    {
        stopProcess();
        launch();
    }

    public synchronized void close()
    {
        stop();
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // the hook is running
        }
    }

    private synchronized void launch()
    {
        try
        {
            final Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(conf, String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "max_queued_messages 1000000",
                "max_inflight_messages 1000",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "") + (ExternalProcess.isRoot() ? "user root\n" : ""));
            final Path log = dir.resolve("mosquitto.log");
            process = new ProcessBuilder(List.of(BINARY.toString(), "-c", conf.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            ExternalProcess.awaitPort(port, Duration.ofSeconds(20), process, log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private synchronized void stop()
    {
        stopProcess();
        TestCluster.deleteRecursively(dir);
    }

    private void stopProcess()
    {
        if (process != null)
        {
            process.destroyForcibly();
            try
            {
                process.waitFor();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}

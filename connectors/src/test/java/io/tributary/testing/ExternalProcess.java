package io.tributary.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Helpers the test fixtures share for running a server binary: run a command to completion, wait for a port,
 * and read a log for the report. Stateless and thread-safe.
 */
final class ExternalProcess
{
    private ExternalProcess()
    {
    }

    /**
     * Run a command and wait; its output goes to {@code log}.
     *
     * @throws IllegalStateException with the log's tail when it fails.
     */
    static void run(final List<String> command, final Path log, final Duration timeout)
    {
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // A LANG naming a locale that is not generated makes initdb fail.
            builder.environment().put("LC_ALL", "C");
            final Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " took over " + timeout + "\n" +
                    tail(log));
            }
            if (process.exitValue() != 0)
            {
                throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + "\n" +
                    tail(log));
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    static void awaitPort(final int port, final Duration timeout, final Process process, final Path log)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (process != null && !process.isAlive())
            {
                throw new IllegalStateException("server exited with " + process.exitValue() + "\n" + tail(log));
            }
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (final IOException ex)
            {
                TestCluster.sleep(50);
            }
        }
        throw new IllegalStateException("nothing listens on 127.0.0.1:" + port + " after " + timeout + "\n" +
            tail(log));
    }

    static String tail(final Path log)
    {
        try
        {
            final List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    static boolean isRoot()
    {
        return "root".equals(System.getProperty("user.name"));
    }
}

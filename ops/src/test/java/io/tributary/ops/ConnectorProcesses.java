package io.tributary.ops;

import io.tributary.testing.TestCluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tributary connector run} in JVMs of their own, for tests that kill them: each one's output goes to
 * {@code <dir>/<file>-<label>.log}; {@link #close} kills what is still running and deletes the Aeron directories
 * the killed ones left.
 */
final class ConnectorProcesses implements AutoCloseable
{
    private final Path dir;
    private final String members;
    private final String heap;
    private final String statusInterval;
    private final Duration startTimeout;
    private final List<Process> processes = new ArrayList<>();

    /**
     * @param heap           the JVM's {@code -Xmx}, e.g. {@code 256m}.
     * @param statusInterval the command's {@code --status-interval}.
     * @param startTimeout   how long a process may take to say it started.
     */
    ConnectorProcesses(final Path dir, final String members, final String heap, final String statusInterval,
        final Duration startTimeout)
    {
        this.dir = dir;
        this.members = members;
        this.heap = heap;
        this.statusInterval = statusInterval;
        this.startTimeout = startTimeout;
    }

    /**
     * @return the running connector process, once it printed that it started (fails the test otherwise).
     */
    Process launch(final Path yaml, final String label) throws Exception
    {
        final Path log = log(yaml, label);
        final Process process = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx" + heap, "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"),
            TributaryCli.class.getName(), "connector", "run", yaml.toString(), "--cluster", members,
            "--status-interval", statusInterval)
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        final long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            final String text = Files.readString(log);
            if (text.contains("started "))
            {
                return process;
            }
            if (!process.isAlive())
            {
                fail("connector process exited: " + text);
            }
            Thread.sleep(50);
        }
        fail("connector process did not start: " + Files.readString(log));
        return process;
    }

    /**
     * @return where the process launched with this file and label writes.
     */
    Path log(final Path yaml, final String label)
    {
        return dir.resolve(yaml.getFileName() + "-" + label + ".log");
    }

    public void close() throws IOException
    {
        processes.forEach(Process::destroyForcibly);
        for (final Process p : processes)
        {
            try
            {
                p.waitFor();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        for (final Process p : processes)
        {
            TestCluster.deleteClientDirsOf(p.pid());
        }
    }
}

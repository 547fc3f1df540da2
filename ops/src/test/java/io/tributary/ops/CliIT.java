package io.tributary.ops;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI run in-process, as a user would type it, against one real node in its own JVM; and once through the
 * {@code ops/bin/tributary} launcher.
 */
@Timeout(300)
class CliIT
{
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1);
    }

    @AfterAll
    static void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void topicCreateListDescribeDelete()
    {
        assertOk(run("", "topic", "create", "lifecycle", "--partitions", "2", "--config", "retention.ms=60000"),
            "created topic lifecycle with 2 partitions\n");
        assertTrue(run("", "topic", "list").out.lines().anyMatch("lifecycle"::equals));

        final Result describe = run("", "topic", "describe", "lifecycle");
        assertEquals(0, describe.exitCode, describe.err);
        final List<String> lines = describe.out.lines().toList();
        assertEquals("topic lifecycle", lines.get(0));
        assertTrue(lines.get(1).matches("id \\d+"), lines.get(1));
        assertEquals(List.of("partitions 2", "partition 0 start 0 end 0", "partition 1 start 0 end 0"),
            lines.subList(2, 5));
        assertTrue(lines.contains("config retention.ms=60000"), describe.out);
        assertTrue(lines.subList(5, lines.size()).stream().allMatch(l -> l.matches("config [a-z.]+=.*")), describe.out);

        assertOk(run("", "topic", "alter", "lifecycle", "--config", "retention.ms=86400000", "--config",
            "cleanup.policy=compact,delete"), "altered topic lifecycle: retention.ms=86400000 cleanup.policy=compact,delete\n");
        final String altered = run("", "topic", "describe", "lifecycle").out;
        assertTrue(altered.contains("config retention.ms=86400000\n"), altered);
        assertTrue(altered.contains("config cleanup.policy=compact,delete\n"), altered);
        assertError(run("", "topic", "alter", "lifecycle", "--config", "retention.mss=1"), 1, "retention.mss");

        assertOk(run("", "topic", "delete", "lifecycle"), "deleted topic lifecycle\n");
        assertFalse(run("", "topic", "list").out.lines().anyMatch("lifecycle"::equals));
        assertError(run("", "topic", "describe", "lifecycle"), 1, "lifecycle");
    }

    @Test
    void keyedLinesAreConsumedBackExactly()
    {
        assertOk(run("", "topic", "create", "keyed", "--partitions", "4"), "created topic keyed with 4 partitions\n");
        final List<String> input = new ArrayList<>();
        final List<String> expected = new ArrayList<>();
        input.add("no separator here");
        expected.add("=no separator here");
        input.add("k-sep:value:with:separators");
        expected.add("k-sep=value:with:separators");
        input.add(":empty key");
        expected.add("=empty key");
        for (int i = 3; i < 1000; i++)
        {
            input.add("key-" + (i % 37) + ":value-" + i);
            expected.add("key-" + (i % 37) + "=value-" + i);
        }

        final Result produce = run(String.join("\n", input) + "\n", "produce", "keyed", "--key-separator", ":");
        assertOk(produce, "");

        final Result consume = run("", "consume", "keyed", "--from-beginning", "--max-records", "1000",
            "--format", "%k=%s\\n");
        assertEquals(0, consume.exitCode, consume.err);
        assertEquals("", consume.err);
        final List<String> read = consume.out.lines().toList();
        assertEquals(1000, read.size());
        assertEquals(expected.stream().sorted().toList(), read.stream().sorted().toList());
        assertTrue(consume.out.endsWith("\n"));

        // Within a key (one partition), records come back in the order they were written.
        final List<String> key5 = read.stream().filter(l -> l.startsWith("key-5=")).toList();
        assertEquals(expected.stream().filter(l -> l.startsWith("key-5=")).toList(), key5);
    }

    @Test
    void groupStartsAfterWhatItPrintedBefore()
    {
        assertOk(run("", "topic", "create", "grouped", "--partitions", "2"), "created topic grouped with 2 partitions\n");
        assertOk(run(lines(0, 10), "produce", "grouped", "--partition", "1"), "");

        final Result first = run("", "consume", "grouped", "--group", "g1", "--from-beginning", "--max-records", "4");
        assertOk(first, lines(0, 4));
        final Result second = run("", "consume", "grouped", "--group", "g1", "--from-beginning", "--timeout", "2s");
        assertOk(second, lines(4, 10));

        assertOk(run(lines(10, 15), "produce", "grouped"), "");
        final Result third = run("", "consume", "grouped", "--group", "g1", "--from-beginning", "--timeout", "2s");
        assertEquals(0, third.exitCode, third.err);
        assertEquals(lines(10, 15), third.out.lines().sorted().map(l -> l + "\n").collect(Collectors.joining()));

        final Result again = run("", "consume", "grouped", "--group", "g1", "--timeout", "1s");
        assertOk(again, "");
        final Result otherGroup = run("", "consume", "grouped", "--group", "g2", "--from-beginning", "--timeout", "2s");
        assertEquals(15, otherGroup.out.lines().count(), otherGroup.err);
    }

    @Test
    void consumersOfAGroupShareTheTopicAndItsLagIsShownAndReset() throws Exception
    {
        assertOk(run("", "topic", "create", "shared", "--partitions", "4"), "created topic shared with 4 partitions\n");
        final StringBuilder input = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            input.append("k").append(i).append(':').append("line-").append(i).append('\n');
        }
        assertOk(run(input.toString(), "produce", "shared", "--key-separator", ":"), "");

        // Two processes of one group split the partitions: together they print every record once.
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try
        {
            final var first = pool.submit(() -> run("", "consume", "shared", "--group", "sharers", "--from-beginning",
                "--timeout", "6s"));
            final var second = pool.submit(() -> run("", "consume", "shared", "--group", "sharers",
                "--from-beginning", "--timeout", "6s"));
            final Result a = first.get(120, TimeUnit.SECONDS);
            final Result b = second.get(120, TimeUnit.SECONDS);
            assertEquals(0, a.exitCode, a.err);
            assertEquals(0, b.exitCode, b.err);
            final List<String> all = new ArrayList<>(a.out.lines().toList());
            all.addAll(b.out.lines().toList());
            assertEquals(IntStream.range(0, 200).mapToObj(i -> "line-" + i).sorted().toList(),
                all.stream().distinct().sorted().toList());
        }
        finally
        {
            pool.shutdownNow();
        }

        assertOk(run("", "produce", "shared", "--partition", "2"), "");
        assertOk(run("one more\n", "produce", "shared", "--partition", "2"), "");
        assertTrue(run("", "group", "list").out.lines().anyMatch("sharers 0"::equals));
        final Result describe = run("", "group", "describe", "sharers");
        assertEquals(0, describe.exitCode, describe.err);
        final List<String> lines = describe.out.lines().toList();
        assertEquals("group sharers members 0", lines.get(0));
        assertEquals("topic partition committed end lag member", lines.get(1));
        assertEquals(6, lines.size(), describe.out);
        for (final String line : lines.subList(2, 6))
        {
            final String[] f = line.split(" ");
            final long lag = Long.parseLong(f[4]);
            assertEquals(Long.parseLong(f[3]) - Long.parseLong(f[2]), lag, line);
            assertEquals(f[1].equals("2") ? 1 : 0, lag, line);
            assertEquals("-", f[5], line);
        }

        final Result reset = run("", "group", "reset", "sharers", "--topic", "shared", "--to-earliest");
        assertOk(reset, "shared 0 0\nshared 1 0\nshared 2 0\nshared 3 0\n");
        assertEquals(0, run("", "group", "reset-offsets", "sharers", "--topic", "shared", "--to-time",
            "2000-01-01T00:00:00Z").exitCode);
        assertError(run("", "group", "reset", "sharers", "--topic", "shared", "--to-offset", "100000"), 1,
            "outside");
        assertError(run("", "group", "reset", "sharers", "--topic", "shared"), 2, "--to-earliest");
        assertError(run("", "group", "describe", "nobody"), 1, "no group 'nobody'");
        final Result again = run("", "consume", "shared", "--group", "sharers", "--timeout", "3s");
        assertEquals(201, again.out.lines().count(), again.err);
    }

    @Test
    void consumeStartOptionsAndFormat()
    {
        assertOk(run("", "topic", "create", "starts", "--partitions", "1"), "created topic starts with 1 partition\n");
        assertOk(run(lines(0, 5), "produce", "starts", "--key-separator", "="), "");
        assertOk(run("", "consume", "starts", "--offset", "3", "--timeout", "1s", "--format", "%t %p %o %k|%s%%\\t.\\n"),
            "starts 0 3 |line-3%\t.\nstarts 0 4 |line-4%\t.\n");
        assertOk(run("", "consume", "starts", "--from-time", "2000-01-01T00:00:00Z", "--max-records", "2"),
            "line-0\nline-1\n");
        assertOk(run("", "consume", "starts", "--timeout", "1s"), "");
        assertError(run("", "consume", "starts", "--offset", "9", "--timeout", "1s"), 1, "--offset 9 is outside");
        assertError(run("", "consume", "starts", "--offset", "1", "--from-beginning"), 2, "mutually exclusive");
        assertError(run("", "consume", "starts", "--format", "%x"), 2, "unknown directive '%x'");
        assertError(run("", "consume", "starts", "--partition", "3", "--timeout", "1s"), 1, "no partition 3");
    }

    @Test
    void clusterStatusShowsTheLeader()
    {
        final Result status = run("", "cluster", "status");
        assertEquals(0, status.exitCode(), status.err());
        assertTrue(status.out().matches("0 LEADER position \\d+ behind 0\n"), status.out());
    }

    @Test
    void errorsAreOneLineNamingTheProblem()
    {
        assertError(run("hello\n", "produce", "no-such-topic"), 1, "no-such-topic");
        assertError(run("", "consume", "no-such-topic", "--timeout", "1s"), 1, "no-such-topic");
        assertError(run("", "topic", "create", "bad name!", "--partitions", "1"), 1, "invalid topic name 'bad name!'");
        assertOk(run("", "topic", "create", "twice", "--partitions", "1"), "created topic twice with 1 partition\n");
        assertError(run("", "topic", "create", "twice", "--partitions", "1"), 1, "'twice' already exists");
        assertError(run("", "topic", "create", "configured", "--partitions", "1", "--config", "bogus.key=1"), 1,
            "bogus.key");
        assertError(run("", "consume", "twice", "--timeout", "5x"), 2, "'5x'");
        assertError(run("", "consume", "twice", "--timeout", "10"), 2, "'10' with no unit");
        assertError(run("", "topic", "create", "nopartitions"), 2, "--partitions");
        assertError(run("", "topic"), 2, "expected one of create, list, describe, alter, delete");
        assertError(run("", "topic", "list", "--cluster", "0=nowhere"), 2, "0=nowhere");
    }

    @Test
    void verboseAddsTheStackTrace()
    {
        final Result result = run("", "topic", "describe", "no-such-topic", "--verbose");
        assertEquals(1, result.exitCode);
        assertTrue(result.err.startsWith("error: "), result.err);
        assertTrue(result.err.contains("TributaryException"), result.err);
    }

    @Test
    void benchesRunAndCleanUp()
    {
        final Result produce = run("", "bench", "produce", "--records", "2000", "--record-size", "10",
            "--partitions", "2", "--linger", "1ms");
        assertEquals(0, produce.exitCode, produce.err);
        assertTrue(produce.out.startsWith("machine: "), produce.out);
        assertTrue(produce.out.contains("records/s"), produce.out);
        assertTrue(produce.out.contains("ack latency ms: p50="), produce.out);

        final Result e2e = run("", "bench", "e2e", "--rate", "500", "--seconds", "1");
        assertEquals(0, e2e.exitCode, e2e.err);
        assertTrue(e2e.out.contains("received 500"), e2e.out);
        assertTrue(e2e.out.contains("end-to-end latency ms: p50="), e2e.out);

        final Result compaction = run("", "bench", "compaction", "--records", "2000", "--keys", "10",
            "--duration", "1s", "--rate", "1000");
        assertEquals(0, compaction.exitCode, compaction.err);
        assertTrue(compaction.out.contains("without compaction: "), compaction.out);
        assertTrue(compaction.out.contains("with compaction: "), compaction.out);

        assertTrue(run("", "topic", "list").out.lines().noneMatch(t -> t.startsWith("bench-")), "bench topics deleted");
    }

    @Test
    void launcherScriptRunsTheCli() throws IOException, InterruptedException
    {
        assertOk(run("", "topic", "create", "launched", "--partitions", "1"), "created topic launched with 1 partition\n");
        final Path script = Path.of("bin", "tributary").toAbsolutePath();
        assertTrue(Files.isExecutable(script), script + " is executable");
        final Path stdout = Files.createTempFile("tributary-launcher-", ".out");
        final Path stderr = Files.createTempFile("tributary-launcher-", ".err");
        Process process = null;
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(script.toString(), "topic", "list")
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
            builder.environment().put("TRIBUTARY_CLUSTER", cluster.members());
            process = builder.start();
            assertTrue(process.waitFor(240, TimeUnit.SECONDS), "launcher finished");
            final String out = Files.readString(stdout);
            final String err = Files.readString(stderr);
            assertEquals(0, process.exitValue(), err);
            assertTrue(out.lines().anyMatch("launched"::equals), out);
        }
        finally
        {
            if (process != null && process.isAlive())
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    private static String lines(final int from, final int to)
    {
        return IntStream.range(from, to).mapToObj(i -> "line-" + i + "\n").collect(Collectors.joining());
    }

    private static Result run(final String stdin, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CliContext ctx = new CliContext(Map.of(CliContext.CLUSTER_ENV, cluster.members()),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out), new PrintWriter(err),
            false);
        final int exitCode = TributaryCli.run(ctx, args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private static void assertOk(final Result result, final String expectedOut)
    {
        assertEquals(0, result.exitCode, result.err);
        assertEquals("", result.err);
        assertEquals(expectedOut, result.out);
    }

    private static void assertError(final Result result, final int exitCode, final String expected)
    {
        assertEquals(exitCode, result.exitCode, result.out + result.err);
        assertTrue(result.err.startsWith("error: "), result.err);
        assertEquals(1, result.err.lines().count(), result.err);
        assertTrue(result.err.contains(expected), result.err);
    }

    private record Result(int exitCode, String out, String err)
    {
    }
}

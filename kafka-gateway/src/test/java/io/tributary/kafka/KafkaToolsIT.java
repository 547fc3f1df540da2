package io.tributary.kafka;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's own command-line tools (the kafka-tools jar: kafka-topics, kafka-console-producer, kafka-console-consumer,
 * kafka-get-offsets), each in its own JVM as the scripts run them, against the gateway beside a real node.
 */
@Timeout(300)
class KafkaToolsIT
{
    private static TestCluster cluster;
    private static KafkaGateway gateway;
    private static String bootstrap;

    @BeforeAll
    static void start()
    {
        cluster = TestCluster.start(1);
        gateway = KafkaGateway.launch(new KafkaGateway.Context().cluster(cluster.members()).port(0));
        bootstrap = "127.0.0.1:" + gateway.port();
    }

    @AfterAll
    static void stop()
    {
        if (gateway != null)
        {
            gateway.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void topicsConsoleProducerConsumerAndOffsetsTools() throws Exception
    {
        Result r = tool("org.apache.kafka.tools.TopicCommand", "", "--bootstrap-server", bootstrap, "--create",
            "--topic", "cli-topic", "--partitions", "2", "--config", "retention.ms=3600000");
        assertEquals(0, r.exitCode, r.output);
        r = tool("org.apache.kafka.tools.TopicCommand", "", "--bootstrap-server", bootstrap, "--list");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.lines().anyMatch("cli-topic"::equals), r.output);
        r = tool("org.apache.kafka.tools.TopicCommand", "", "--bootstrap-server", bootstrap, "--describe",
            "--topic", "cli-topic");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("PartitionCount: 2"), r.output);
        assertTrue(r.output.contains("TopicId: "), r.output);
        assertTrue(r.output.contains("retention.ms=3600000"), r.output);

        r = tool("org.apache.kafka.tools.TopicCommand", "", "--bootstrap-server", bootstrap, "--create",
            "--topic", "cli-lines", "--partitions", "1");
        assertEquals(0, r.exitCode, r.output);
        r = tool("org.apache.kafka.tools.ConsoleProducer", "alice:order-1\nbob:order-2\ncarol:order-3\n",
            "--bootstrap-server", bootstrap, "--topic", "cli-lines",
            "--property", "parse.key=true", "--property", "key.separator=:");
        assertEquals(0, r.exitCode, r.output);

        r = tool("org.apache.kafka.tools.consumer.ConsoleConsumer", "", "--bootstrap-server", bootstrap,
            "--topic", "cli-lines", "--partition", "0", "--offset", "earliest", "--max-messages", "3",
            "--formatter-property", "print.key=true", "--formatter-property", "print.offset=true");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("Offset:0\talice\torder-1"), r.output);
        assertTrue(r.output.contains("Offset:2\tcarol\torder-3"), r.output);

        r = tool("org.apache.kafka.tools.GetOffsetShell", "", "--bootstrap-server", bootstrap, "--topic", "cli-lines");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.lines().anyMatch("cli-lines:0:3"::equals), r.output);

        r = tool("org.apache.kafka.tools.TopicCommand", "", "--bootstrap-server", bootstrap, "--delete",
            "--topic", "cli-topic");
        assertEquals(0, r.exitCode, r.output);
        r = tool("org.apache.kafka.tools.TopicCommand", "", "--bootstrap-server", bootstrap, "--list");
        assertTrue(r.output.lines().noneMatch("cli-topic"::equals), r.output);

        final List<GatewayRecords> read = GatewayRecords.readWithTributary(cluster.members(), "cli-lines", 0, 3);
        assertEquals(List.of("alice", "bob", "carol"), read.stream().map(GatewayRecords::key).toList(),
            "Tributary's consumer reads what Kafka's console producer wrote");
    }

    /**
     * kafka-producer-perf-test, idempotent with acks=all: it reports every record sent and none failed, and the
     * partition holds exactly that many (no duplicates from its retries). Its throughput goes to the benchmarks
     * (compare-kafka.sh --gateway), not here.
     */
    @Test
    void producerPerfTestWritesEveryRecordOnce() throws Exception
    {
        final int records = 50_000;
        Result r = tool("org.apache.kafka.tools.TopicCommand", "", "--bootstrap-server", bootstrap, "--create",
            "--topic", "cli-perf", "--partitions", "1");
        assertEquals(0, r.exitCode, r.output);
        r = tool("org.apache.kafka.tools.ProducerPerformance", "", "--topic", "cli-perf", "--num-records",
            Integer.toString(records), "--record-size", "100", "--throughput", "-1", "--producer-props",
            "bootstrap.servers=" + bootstrap, "acks=all", "enable.idempotence=true", "compression.type=lz4");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.lines().anyMatch(l -> l.startsWith(records + " records sent, ")), r.output);
        r = tool("org.apache.kafka.tools.GetOffsetShell", "", "--bootstrap-server", bootstrap, "--topic", "cli-perf");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.lines().anyMatch(("cli-perf:0:" + records)::equals), r.output);
    }

    private record Result(int exitCode, String output)
    {
    }

    private static Result tool(final String mainClass, final String stdin, final String... args)
        throws IOException, InterruptedException
    {
        final Path output = Files.createTempFile("kafka-tool-", ".out");
        try
        {
            final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), mainClass));
            command.addAll(List.of(args));
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
            try (OutputStream in = process.getOutputStream())
            {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                return new Result(-1, "timed out: " + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output));
        }
        finally
        {
            Files.deleteIfExists(output);
        }
    }
}

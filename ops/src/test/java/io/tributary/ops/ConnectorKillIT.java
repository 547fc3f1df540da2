package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.Deserializer;
import io.tributary.log.TopicPartition;
import io.tributary.connect.support.Json;
import io.tributary.testing.MosquittoBroker;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TransactionSupport;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tributary connector run} in a JVM of its own is SIGKILLed mid-stream and started again: nothing
 * acknowledged upstream is lost. For MQTT QoS 1 "acknowledged upstream" is every message the broker acknowledged to the publisher (the
 * broker redelivers what the dead connector had not acknowledged); for a tailed file it is every line written, and
 * with positions appended atomically with the records nothing is repeated either. SIGTERM stops it cleanly.
 */
@Tag("fault")
@Timeout(240)
class ConnectorKillIT
{
    private static final int MESSAGES = 3000;

    private TestCluster cluster;
    private Path dir;
    private ConnectorProcesses connectors;

    @BeforeEach
    void start() throws IOException
    {
        cluster = TestCluster.start(1);
        dir = Files.createTempDirectory("tributary-kill-");
        connectors = new ConnectorProcesses(dir, cluster.members(), "256m", "500ms", Duration.ofSeconds(60));
        org.junit.jupiter.api.Assumptions.assumeTrue(TransactionSupport.available(cluster.members()),
            TransactionSupport.MISSING);
    }

    @AfterEach
    void stop() throws IOException
    {
        if (connectors != null)
        {
            connectors.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
        TestCluster.deleteRecursively(dir);
    }

    @Test
    void mqttQos1MessagesAcknowledgedByTheBrokerSurviveAKilledConnector() throws Exception
    {
        try (MosquittoBroker broker = MosquittoBroker.start())
        {
            final Path yaml = dir.resolve("mqtt.yaml");
            Files.writeString(yaml, """
                name: kill-mqtt
                source:
                  mqtt: { url: "%s", topics: ["plant/#"], qos: 1, client_id: kill-mqtt }
                to: { topic: kill-mqtt-out, key: "${mqtt.topic}" }
                batching: { count: 200, period: 10ms }
                """.formatted(broker.url()));
            Process connector = connectors.launch(yaml, "first");
            final MqttClient publisher = new MqttClient(broker.url(), "kill-publisher", new MemoryPersistence());
            final org.eclipse.paho.client.mqttv3.MqttConnectOptions options =
                new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
            options.setMaxInflight(1000);
            publisher.connect(options);
            for (int id = 0; id < MESSAGES; id++)
            {
                final MqttMessage message = new MqttMessage(("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8));
                message.setQos(1);
                publisher.publish("plant/s" + (id % 7), message);
                if (id == MESSAGES / 3)
                {
                    awaitCount("kill-mqtt-out", 100);
                    connector.destroyForcibly().waitFor();
                }
                if (id == 2 * MESSAGES / 3)
                {
                    connector = connectors.launch(yaml, "second");
                }
            }
            publisher.disconnect();
            publisher.close();
            final Map<Integer, Integer> counts = awaitIds("kill-mqtt-out", MESSAGES);
            final long repeated = counts.values().stream().filter(c -> c > 1).count();
            System.out.println("mqtt kill: " + counts.size() + " of " + MESSAGES + " ids, " + repeated + " repeated");
            assertEquals(MESSAGES, counts.size());
        }
    }

    @Test
    void aTailedFileIsNeitherLostNorRepeatedAfterAKilledConnector() throws Exception
    {
        final Path input = dir.resolve("readings.jsonl");
        Files.writeString(input, "");
        final Path yaml = dir.resolve("file.yaml");
        Files.writeString(yaml, """
            name: kill-file
            source:
              file: { path: "%s", format: json, poll_interval: 5ms }
            to: { topic: kill-file-out }
            batching: { count: 50, period: 5ms }
            """.formatted(input));
        Process connector = connectors.launch(yaml, "first");
        for (int id = 0; id < MESSAGES; id++)
        {
            Files.writeString(input, "{\"id\":" + id + "}\n", StandardOpenOption.APPEND);
            if (id % 100 == 0)
            {
                Thread.sleep(5);
            }
            if (id == MESSAGES / 2)
            {
                awaitCount("kill-file-out", 200);
                connector.destroyForcibly().waitFor();
                connector = connectors.launch(yaml, "second");
            }
        }
        final Map<Integer, Integer> counts = awaitIds("kill-file-out", MESSAGES);
        final long repeated = counts.values().stream().filter(c -> c > 1).count();
        System.out.println("file kill: " + counts.size() + " of " + MESSAGES + " ids, " + repeated + " repeated");
        assertEquals(MESSAGES, counts.size());
        assertEquals(0, repeated, "positions appended with the records: nothing repeats");
    }

    @Test
    void sigtermStopsTheConnectorCleanly() throws Exception
    {
        final Path input = dir.resolve("lines.txt");
        Files.writeString(input, "one\ntwo\nthree\n");
        final Path yaml = dir.resolve("term.yaml");
        Files.writeString(yaml, """
            name: term-file
            source:
              file: { path: "%s" }
            to: { topic: term-out }
            """.formatted(input));
        final Process connector = connectors.launch(yaml, "only");
        awaitCount("term-out", 3);
        Thread.sleep(700);
        connector.destroy();
        assertTrue(connector.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "exits after SIGTERM");
        final String out = Files.readString(dir.resolve("term.yaml-only.log"));
        // The signal is handled before the JVM shuts down: the connectors stop with their clients still open and the
        // command returns normally.
        assertEquals(0, connector.exitValue(), out);
        assertTrue(out.contains("term-file: RUNNING records=3"), out);
        assertTrue(out.contains("term-file: STOPPED records=3"), out);
    }

    private void awaitCount(final String topic, final long count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline)
        {
            try (Admin admin = Admin.create(cluster.members()))
            {
                if (admin.listTopics().contains(topic))
                {
                    final TopicPartition tp = new TopicPartition(topic, 0);
                    if (admin.endOffsets(List.of(tp)).get(tp) >= count)
                    {
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
        fail(topic + " did not reach " + count + " records");
    }

    private Map<Integer, Integer> awaitIds(final String topic, final int expected) throws InterruptedException
    {
        final Map<Integer, Integer> counts = new TreeMap<>();
        final TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster.members())
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (counts.size() < expected && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)))
                {
                    counts.merge(Json.parseOrNull(r.value()).get("id").asInt(), 1, Integer::sum);
                }
            }
            // Read on briefly: duplicates may follow the last new id.
            final long settle = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < settle)
            {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)))
                {
                    counts.merge(Json.parseOrNull(r.value()).get("id").asInt(), 1, Integer::sum);
                }
            }
        }
        assertTrue(counts.size() <= expected);
        return counts;
    }
}

package io.tributary.ops;

import io.tributary.testing.TestCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tributary server --kafka-port} in its own JVM: Kafka's producer and consumer use the node through the port,
 * and SIGTERM stops the server and closes the port; with {@code --auth}, Kafka clients authenticate with
 * SASL/SCRAM-SHA-256 as the node's users.
 */
@Timeout(300)
class ServerKafkaPortIT
{
    @Test
    void kafkaClientsWriteAndReadThroughTheServersKafkaPort() throws Exception
    {
        final Path dir = Files.createTempDirectory("tributary-kafka-port-");
        final int kafkaPort;
        try (ServerSocket probe = new ServerSocket(0))
        {
            kafkaPort = probe.getLocalPort();
        }
        final String members = "0=127.0.0.1:" + TestCluster.freeBasePorts(1).get(0);
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx512m", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"),
            "io.tributary.ops.TributaryCli", "server", "--members", members,
            "--data-dir", dir.resolve("data").toString(), "--worker-slots", "0",
            "--kafka-port", Integer.toString(kafkaPort)));
        final File log = dir.resolve("server.log").toFile();
        final Process server = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        try
        {
            final String bootstrap = "127.0.0.1:" + kafkaPort;
            final Properties producerProps = new Properties();
            producerProps.put("bootstrap.servers", bootstrap);
            producerProps.put("key.serializer", StringSerializer.class.getName());
            producerProps.put("value.serializer", StringSerializer.class.getName());
            try (org.apache.kafka.clients.admin.AdminClient admin = org.apache.kafka.clients.admin.AdminClient.create(
                Map.of("bootstrap.servers", bootstrap, "default.api.timeout.ms", "120000")))
            {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("through-server", 1, (short)1)))
                    .all().get(120, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps))
            {
                for (int i = 0; i < 100; i++)
                {
                    assertEquals(i, producer.send(new ProducerRecord<>("through-server", "k" + i, "v" + i)).get()
                        .offset());
                }
            }
            final Properties consumerProps = new Properties();
            consumerProps.put("bootstrap.servers", bootstrap);
            consumerProps.put("key.deserializer", StringDeserializer.class.getName());
            consumerProps.put("value.deserializer", StringDeserializer.class.getName());
            final List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps))
            {
                final TopicPartition tp = new TopicPartition("through-server", 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (values.size() < 100 && System.nanoTime() < deadline)
                {
                    for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500)))
                    {
                        values.add(r.value());
                    }
                }
            }
            assertEquals(100, values.size());
            assertEquals("v99", values.get(99));

            server.destroy();
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
            // The JVM may end before the node's last words ("stopped"); that it began stopping is what shows here.
            final String output = Files.readString(log.toPath());
            assertTrue(output.contains("node 0 stopping"), output);
            assertThrows(IOException.class, () -> new Socket("127.0.0.1", kafkaPort).close(),
                "the Kafka port is closed with the server");
        }
        finally
        {
            if (server.isAlive())
            {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            TestCluster.deleteRecursively(dir);
        }
    }

    @Test
    void withAuthenticationOnKafkaClientsAuthenticateAsTheNodesUsers() throws Exception
    {
        final Path dir = Files.createTempDirectory("tributary-kafka-port-auth-");
        final int kafkaPort;
        try (ServerSocket probe = new ServerSocket(0))
        {
            kafkaPort = probe.getLocalPort();
        }
        final Path adminFile = dir.resolve("admin.properties");
        Files.createFile(adminFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(adminFile, "username=admin\npassword=admin-secret\n");
        final String members = "0=127.0.0.1:" + TestCluster.freeBasePorts(1).get(0);
        // The default worker slots: the single-node server's embedded worker runs beside the gateway.
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx512m", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"),
            "io.tributary.ops.TributaryCli", "server", "--members", members,
            "--data-dir", dir.resolve("data").toString(), "--auth", "--admin-credentials-file", adminFile.toString(),
            "--kafka-port", Integer.toString(kafkaPort)));
        final File log = dir.resolve("server.log").toFile();
        final Process server = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        try
        {
            final String bootstrap = "127.0.0.1:" + kafkaPort;
            try (io.tributary.log.Admin admin = io.tributary.log.Admin.create(members, java.time.Duration.ofSeconds(120),
                io.tributary.log.Credentials.fromFile(adminFile)))
            {
                admin.createTopic(new io.tributary.log.NewTopic("secured-through-server", 1));
                admin.upsertUser("alice", "alice-secret".toCharArray());
                admin.createAcl(io.tributary.log.Acl.topic("alice", "secured-through-server",
                    io.tributary.log.Acl.Operation.WRITE));
            }
            final Properties producerProps = new Properties();
            producerProps.put("bootstrap.servers", bootstrap);
            producerProps.put("security.protocol", "SASL_PLAINTEXT");
            producerProps.put("sasl.mechanism", "SCRAM-SHA-256");
            producerProps.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule " +
                "required username=\"alice\" password=\"alice-secret\";");
            producerProps.put("key.serializer", StringSerializer.class.getName());
            producerProps.put("value.serializer", StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps))
            {
                for (int i = 0; i < 10; i++)
                {
                    assertEquals(i, producer.send(new ProducerRecord<>("secured-through-server", "k" + i, "v" + i))
                        .get().offset());
                }
            }
            try (org.apache.kafka.clients.admin.AdminClient plain = org.apache.kafka.clients.admin.AdminClient.create(
                Map.of("bootstrap.servers", bootstrap, "default.api.timeout.ms", "5000", "request.timeout.ms", "3000")))
            {
                assertThrows(ExecutionException.class, () -> plain.listTopics().names().get(30, TimeUnit.SECONDS),
                    "a Kafka client without SASL gets nothing");
            }
            server.destroy();
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
        }
        finally
        {
            if (server.isAlive())
            {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            TestCluster.deleteRecursively(dir);
        }
    }
}

package io.tributary.kafka;

import io.tributary.log.Admin;
import io.tributary.log.NewTopic;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.testing.TestCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kafka-clients idempotent producer writes through the gateway to a three-node cluster while the cluster's
 * leader is SIGKILLed: every record is acknowledged, and the log holds each exactly once, in send order per
 * partition.
 */
@Tag("fault")
@Timeout(600)
class KafkaFailoverIT
{
    private static final int RECORDS = 20_000;

    @Test
    void leaderKilledDuringAnIdempotentProduceLosesAndDuplicatesNothing() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(3))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("failover", 2));
            }
            final List<Future<RecordMetadata>> acks = new ArrayList<>();
            final AtomicInteger sent = new AtomicInteger();
            final int leader;
            try (KafkaGateway gateway = KafkaGateway.launch(new KafkaGateway.Context().cluster(members).port(0)))
            {
                final Properties props = new Properties();
                props.put("bootstrap.servers", "127.0.0.1:" + gateway.port());
                props.put("key.serializer", StringSerializer.class.getName());
                props.put("value.serializer", StringSerializer.class.getName());
                props.put("enable.idempotence", "true");
                props.put("acks", "all");
                props.put("linger.ms", "2");
                props.put("compression.type", "lz4");
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(props))
                {
                    final Thread writer = new Thread(() ->
                    {
                        for (int i = 0; i < RECORDS; i++)
                        {
                            final Future<RecordMetadata> ack =
                                producer.send(new ProducerRecord<>("failover", i % 2, "k" + i, "v" + i));
                            synchronized (acks)
                            {
                                acks.add(ack);
                            }
                            sent.incrementAndGet();
                            if (i % 100 == 99)
                            {
                                TestCluster.sleep(10);
                            }
                        }
                    }, "kafka-writer");
                    writer.start();
                    while (sent.get() < RECORDS / 4)
                    {
                        TestCluster.sleep(10);
                    }
                    leader = cluster.awaitLeader(Duration.ofSeconds(30));
                    cluster.kill(leader);
                    assertTrue(sent.get() < RECORDS, "the leader died mid-stream");
                    writer.join();
                    producer.flush();
                    synchronized (acks)
                    {
                        for (final Future<RecordMetadata> ack : acks)
                        {
                            ack.get();
                        }
                    }
                }
            }
            assertNotEquals(leader, cluster.awaitLeader(Duration.ofSeconds(60)));

            final String survivor = ClusterMembers.parse(members).only((leader + 1) % 3);
            final List<List<String>> partitions = new ArrayList<>();
            long total = 0;
            try (Admin admin = Admin.create(members))
            {
                for (int p = 0; p < 2; p++)
                {
                    final long end = admin.describeTopic("failover").partitions().get(p).endOffset();
                    total += end;
                    partitions.add(GatewayRecords.readWithTributary(survivor, "failover", p, (int)end).stream()
                        .map(GatewayRecords::value).toList());
                }
            }
            assertEquals(RECORDS, total, "every record once: none lost, none written twice");
            for (int p = 0; p < 2; p++)
            {
                final List<String> values = partitions.get(p);
                assertEquals(RECORDS / 2, values.size());
                for (int j = 0; j < values.size(); j++)
                {
                    assertEquals("v" + (j * 2 + p), values.get(j), "partition " + p + " in send order");
                }
            }
            assertTrue(total > 0);
        }
    }
}

package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions while the leader of a three-node cluster is killed: every acknowledged transaction is there once,
 * each transaction's records are in both topics or in neither, and the committed offset never runs ahead of the
 * outputs written with it.
 */
@Tag("fault")
@Timeout(300)
class TransactionFailoverIT
{
    @Test
    void transactionsSurviveALeaderKillExactlyOnceAndWhole() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(3))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("tx-left", 1));
                admin.createTopic(new NewTopic("tx-right", 2));
                admin.createTopic(new NewTopic("tx-source", 1));
            }
            final TopicPartition source = new TopicPartition("tx-source", 0);
            final List<Integer> acknowledged = new ArrayList<>();
            final List<String> failures = new ArrayList<>();
            final AtomicBoolean killed = new AtomicBoolean();
            try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
            {
                final List<CompletableFuture<List<RecordMetadata>>> inFlight = new ArrayList<>();
                final List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < 3000; i++)
                {
                    inFlight.add(producer.beginTransaction()
                        .send(ProducerRecord.of("tx-left", 0, "k" + i, "t" + i))
                        .send(ProducerRecord.of("tx-right", i % 2, "k" + i, "t" + i))
                        .sendOffsets(Map.of(source, (long)i + 1), ConsumerGroupMetadata.of("tx-pipeline"))
                        .commit());
                    ids.add(i);
                    if (i == 1500 && killed.compareAndSet(false, true))
                    {
                        cluster.kill(cluster.awaitLeader(Duration.ofSeconds(10)));
                    }
                    if (i % 100 == 99)
                    {
                        Thread.sleep(20);
                    }
                }
                for (int i = 0; i < inFlight.size(); i++)
                {
                    try
                    {
                        inFlight.get(i).get(150, TimeUnit.SECONDS);
                        acknowledged.add(ids.get(i));
                    }
                    catch (final java.util.concurrent.ExecutionException ex)
                    {
                        failures.add(ids.get(i) + ": " + ex.getCause());
                    }
                }
            }
            assertTrue(failures.isEmpty(), "an idempotent producer retries across the failover: " +
                failures.subList(0, Math.min(5, failures.size())));

            final List<String> left = values(Records.readAll(members, "tx-left"));
            final List<String> right = values(Records.readAll(members, "tx-right"));
            assertEquals(3000, left.size(), "each transaction once in the left topic");
            for (int i = 0; i < 3000; i++)
            {
                assertEquals("t" + i, left.get(i), "in order, without duplicates");
            }
            assertEquals(new java.util.TreeSet<>(left), new java.util.TreeSet<>(right));
            assertEquals(3000, right.size());
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members).groupId("tx-pipeline").build()))
            {
                assertEquals(3000L, consumer.committed(List.of(source)).get(source));
            }
        }
    }

    private static List<String> values(final List<ConsumerRecord<String, String>> records)
    {
        final List<String> values = new ArrayList<>();
        records.forEach(r -> values.add(r.value()));
        return values;
    }
}

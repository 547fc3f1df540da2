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
 * Transactions, and many small batches of one partition, in flight while the leader of a three-node cluster is
 * killed: every acknowledged transaction and record is there once and in order, each transaction's records are in
 * both topics or in neither, and the committed offset is the last transaction's.
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
                admin.createTopic(new NewTopic("small-batches", 1));
            }
            final TopicPartition source = new TopicPartition("tx-source", 0);
            final List<Integer> acknowledged = new ArrayList<>();
            final List<String> failures = new ArrayList<>();
            final AtomicBoolean killed = new AtomicBoolean();
            final List<CompletableFuture<RecordMetadata>> plain = new ArrayList<>();
            try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build());
                Producer<String, String> small = Producer.create(ProducerConfig.builder().cluster(members)
                    .batchSize(256).linger(Duration.ZERO).build()))
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
                    for (int j = 0; j < 4; j++)
                    {
                        plain.add(small.send(ProducerRecord.of("small-batches", 0, "k", "p" + (i * 4 + j) + "-" +
                            "x".repeat(100))));
                    }
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
            for (final CompletableFuture<RecordMetadata> sent : plain)
            {
                try
                {
                    sent.get(150, TimeUnit.SECONDS);
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    failures.add("plain: " + ex.getCause());
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " failed; an idempotent producer retries across the " +
                "failover: " + failures.subList(0, Math.min(5, failures.size())));
            final List<String> smallBatches = values(Records.readAll(members, "small-batches"));
            assertEquals(12_000, smallBatches.size(), "each plain record once");
            for (int i = 0; i < 12_000; i++)
            {
                assertTrue(smallBatches.get(i).startsWith("p" + i + "-"), "in order at " + i);
            }

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

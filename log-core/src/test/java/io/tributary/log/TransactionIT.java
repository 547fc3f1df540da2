package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions against one real node in its own JVM: records of several topics and a group's offsets appended in
 * one log entry, all or nothing; a fenced member's transaction writes nothing; a transaction is ordered after what
 * the producer sent before it.
 */
@Timeout(180)
class TransactionIT
{
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1);
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic("tx-in", 2));
            admin.createTopic(new NewTopic("tx-out", 3));
            admin.createTopic(new NewTopic("tx-together", 3));
            admin.createTopic(new NewTopic("tx-state", 1));
        }
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
    void recordsOfSeveralTopicsAndOffsetsAreCommittedTogether() throws Exception
    {
        try (Producer<String, String> producer = producer())
        {
            final TopicPartition input = new TopicPartition("tx-in", 1);
            final Transaction<String, String> tx = producer.beginTransaction();
            for (int i = 0; i < 30; i++)
            {
                tx.send(ProducerRecord.of("tx-together", "k" + i, "v" + i));
            }
            tx.send(ProducerRecord.of("tx-state", "state", "30"));
            tx.sendOffsets(Map.of(input, 42L), ConsumerGroupMetadata.of("tx-group"));
            assertEquals(31, tx.recordCount());
            final List<RecordMetadata> written = tx.commit().get(60, TimeUnit.SECONDS);

            assertEquals(31, written.size());
            assertEquals("tx-state", written.get(30).topic());
            for (int i = 0; i < 30; i++)
            {
                assertEquals("tx-together", written.get(i).topic());
            }
            final List<ConsumerRecord<String, String>> out = Records.readAll(cluster.members(), "tx-together");
            assertEquals(30, out.size());
            for (final ConsumerRecord<String, String> record : out)
            {
                final RecordMetadata where = written.get(Integer.parseInt(record.key().substring(1)));
                assertEquals(where.partition(), record.partition());
                assertEquals(where.offset(), record.offset());
                assertEquals("v" + record.key().substring(1), record.value());
            }
            assertEquals(Map.of(input, 42L), committed("tx-group", input));
        }
    }

    @Test
    void aRefusedRecordRejectsTheWholeTransaction() throws Exception
    {
        try (Producer<String, String> producer = producer())
        {
            final long before = endOffset("tx-state", 0);
            final TopicPartition input = new TopicPartition("tx-in", 0);
            final CompletableFuture<List<RecordMetadata>> outcome = producer.beginTransaction()
                .send(ProducerRecord.of("tx-state", 0, "a", "written only with the rest"))
                .send(ProducerRecord.of("tx-out", 7, "b", "no partition 7"))
                .sendOffsets(Map.of(input, 5L), ConsumerGroupMetadata.of("tx-refused"))
                .commit();
            final TributaryException refused = cause(outcome);
            assertEquals(ErrorCode.PARTITION_OUT_OF_RANGE, refused.errorCode(), refused.getMessage());
            assertEquals(before, endOffset("tx-state", 0), "nothing of the refused transaction was appended");
            assertEquals(Map.of(), committed("tx-refused", input));

            // The producer goes on: its sequences were not left with a gap.
            producer.send(ProducerRecord.of("tx-state", 0, "c", "after")).join();
            assertEquals(before + 1, endOffset("tx-state", 0));
        }
    }

    @Test
    void aMemberThatLostItsPartitionCannotCommitOutputsForIt() throws Exception
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic("tx-fenced-in", 2));
        }
        try (Producer<String, String> producer = producer();
            Consumer<String, String> first = groupConsumer("tx-fenced");
            Consumer<String, String> second = groupConsumer("tx-fenced"))
        {
            first.subscribe(List.of("tx-fenced-in"));
            await("first holds both", () -> first.poll(Duration.ofMillis(100)) != null &&
                first.assignment().size() == 2);
            final ConsumerGroupMetadata stale = first.groupMetadata();
            assertTrue(stale.fenced());

            producer.beginTransaction()
                .send(ProducerRecord.of("tx-state", 0, "held", "1"))
                .sendOffsets(Map.of(new TopicPartition("tx-fenced-in", 0), 1L,
                    new TopicPartition("tx-fenced-in", 1), 1L), stale)
                .commit().get(60, TimeUnit.SECONDS);

            second.subscribe(List.of("tx-fenced-in"));
            await("they share", () -> first.poll(Duration.ofMillis(100)) != null &&
                second.poll(Duration.ofMillis(100)) != null &&
                first.assignment().size() == 1 && second.assignment().size() == 1);
            final TopicPartition moved = second.assignment().iterator().next();

            final long before = endOffset("tx-state", 0);
            final TributaryException fenced = cause(producer.beginTransaction()
                .send(ProducerRecord.of("tx-state", 0, "zombie", "must not appear"))
                .sendOffsets(Map.of(moved, 2L), first.groupMetadata())
                .commit());
            assertEquals(ErrorCode.FENCED_MEMBER, fenced.errorCode(), fenced.getMessage());
            assertEquals(before, endOffset("tx-state", 0));
            assertEquals(Map.of(moved, 1L), committed("tx-fenced", moved));

            producer.beginTransaction()
                .send(ProducerRecord.of("tx-state", 0, "owner", "2"))
                .sendOffsets(Map.of(moved, 2L), second.groupMetadata())
                .commit().get(60, TimeUnit.SECONDS);
            assertEquals(before + 1, endOffset("tx-state", 0));
            assertEquals(Map.of(moved, 2L), committed("tx-fenced", moved));
        }
    }

    @Test
    void aTransactionIsOrderedAfterRecordsSentBeforeItAndOffsetsAloneCommit() throws Exception
    {
        try (Producer<String, String> producer = producer())
        {
            final List<CompletableFuture<RecordMetadata>> before = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                before.add(producer.send(ProducerRecord.of("tx-out", 2, "order", "before" + i)));
            }
            final List<RecordMetadata> tx = producer.beginTransaction()
                .send(ProducerRecord.of("tx-out", 2, "order", "in-transaction"))
                .commit().get(60, TimeUnit.SECONDS);
            final RecordMetadata after = producer.send(ProducerRecord.of("tx-out", 2, "order", "after")).join();
            for (final CompletableFuture<RecordMetadata> sent : before)
            {
                assertTrue(sent.join().offset() < tx.get(0).offset());
            }
            assertEquals(tx.get(0).offset() + 1, after.offset());

            final TopicPartition input = new TopicPartition("tx-in", 0);
            assertEquals(List.of(), producer.beginTransaction()
                .sendOffsets(Map.of(input, 9L), ConsumerGroupMetadata.of("tx-offsets-only"))
                .commit().get(60, TimeUnit.SECONDS));
            assertEquals(Map.of(input, 9L), committed("tx-offsets-only", input));
        }
    }

    @Test
    void aTransactionLargerThanARequestIsRefusedBeforeSending() throws Exception
    {
        try (Producer<String, String> producer = producer())
        {
            final Transaction<String, String> tx = producer.beginTransaction();
            final String value = "x".repeat(100_000);
            final TributaryException tooLarge = assertThrows(TributaryException.class, () ->
            {
                for (int i = 0; i < 20; i++)
                {
                    tx.send(ProducerRecord.of("tx-out", "big" + i, value));
                }
            });
            assertEquals(ErrorCode.RECORD_TOO_LARGE, tooLarge.errorCode());
            assertTrue(tooLarge.getMessage().contains("maxRequestSize"), tooLarge.getMessage());
            assertEquals(tx.recordCount(), tx.commit().get(60, TimeUnit.SECONDS).size(), "what fitted is still committed whole");
        }
    }

    private static Producer<String, String> producer()
    {
        return Producer.create(ProducerConfig.builder().cluster(cluster.members()).build());
    }

    private static Consumer<String, String> groupConsumer(final String group)
    {
        return Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members())
            .groupId(group)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
            .sessionTimeout(Duration.ofSeconds(5))
            .enableAutoCommit(false)
            .build());
    }

    private static Map<TopicPartition, Long> committed(final String group, final TopicPartition tp)
    {
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members())
            .groupId(group)
            .build()))
        {
            final Map<TopicPartition, Long> committed = new java.util.HashMap<>(consumer.committed(List.of(tp)));
            committed.values().removeIf(v -> v == null || v < 0);
            return committed;
        }
    }

    private static long endOffset(final String topic, final int partition)
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            return admin.describeTopic(topic).partitions().get(partition).endOffset();
        }
    }

    private static TributaryException cause(final CompletableFuture<?> future)
    {
        final ExecutionException failed = assertThrows(ExecutionException.class, () -> future.get(60, TimeUnit.SECONDS));
        return assertInstanceOf(TributaryException.class, failed.getCause());
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }
}

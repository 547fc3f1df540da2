package io.tributary.connect.runtime;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerGroupMetadata;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TopicPartition;
import io.tributary.log.Transaction;
import io.tributary.log.TributaryException;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A source's lease on a real cluster: of two runners of one source only the holder writes, the other takes over when
 * it stops, and every reading lands once; an append fenced by a lease its member no longer holds is refused by the
 * cluster, records and all.
 */
@Timeout(180)
class SourceLeaseIT
{
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");
    private static TestCluster cluster;

    @BeforeAll
    static void start()
    {
        cluster = TestCluster.start(1);
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void twoRunnersOfOneSourceWriteEveryReadingOnce() throws Exception
    {
        final int count = 3_000;
        final ConnectorConfig config = new ConnectorFileParser(ConnectorTypes.load(), Map.of()).parse("gen.yaml", """
            name: leased-generator
            source:
              generator: { rate: 1000, sensors: 4, count: %d }
            to: { topic: leased-out, partitions: 1 }
            batching: { count: 50, period: 20ms }
            """.formatted(count)).get(0);
        final ConnectorRunner first = runner(config);
        ConnectorRunner second = null;
        try
        {
            await("the first runner holds the lease", () -> first.leaseHolder() != null);
            second = runner(config);
            final ConnectorRunner waiting = second;
            await("records from the first", () -> end("leased-out") > 300);
            assertNull(waiting.leaseHolder(), "two runners hold one lease");
            assertEquals(ConnectorStatus.State.STARTING, waiting.status().state());
            first.stop(Duration.ofSeconds(30));
            await("the second runner takes the lease over", () -> waiting.leaseHolder() != null);
            await("every reading", () -> end("leased-out") >= count);
            Thread.sleep(500);
            final Map<Long, Integer> seen = new HashMap<>();
            for (final ConsumerRecord<byte[], byte[]> record : readAll("leased-out"))
            {
                final Matcher m = SEQ.matcher(new String(record.value(), StandardCharsets.UTF_8));
                assertTrue(m.find());
                seen.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
            }
            assertEquals(count, seen.size(), "readings lost");
            assertEquals(0, seen.values().stream().filter(n -> n > 1).count(), "readings written twice");
            assertTrue(first.status().records() > 0 && waiting.status().records() > 0,
                "both runners wrote in turn: " + first.status().records() + ", " + waiting.status().records());
        }
        finally
        {
            first.stop(Duration.ofSeconds(30));
            if (second != null)
            {
                second.stop(Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void anAppendFencedByALostLeaseIsRefusedWithItsRecords() throws Exception
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic("fenced-out", 1));
        }
        final SourceLease first = SourceLease.acquire(cluster.members(), "fenced", Duration.ofSeconds(2), () -> true);
        assertNotNull(first);
        final String stale = first.holder();
        final AtomicBoolean waiting = new AtomicBoolean(true);
        final CompletableFuture<SourceLease> second = CompletableFuture.supplyAsync(() ->
            SourceLease.acquire(cluster.members(), "fenced", Duration.ofSeconds(2), waiting::get));
        try (Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder().cluster(cluster.members())
            .build(), Serializer.bytes(), Serializer.bytes()))
        {
            final Transaction<byte[], byte[]> held = producer.beginTransaction()
                .send(ProducerRecord.of("fenced-out", null, "by the holder".getBytes(StandardCharsets.UTF_8)));
            first.fence(held);
            held.commit().get(30, TimeUnit.SECONDS);
            assertEquals(1, end("fenced-out"));

            first.close();
            try (SourceLease taken = second.get(60, TimeUnit.SECONDS))
            {
                assertNotNull(taken);
                // The old holder's append, arriving late with its fence, is refused with its records.
                final Transaction<byte[], byte[]> late = producer.beginTransaction()
                    .send(ProducerRecord.of("fenced-out", null, "by a zombie".getBytes(StandardCharsets.UTF_8)))
                    .sendOffsets(Map.of(new TopicPartition(SourceLease.TOPIC, 0), 0L),
                        new ConsumerGroupMetadata(SourceLease.group("fenced"), stale, 1));
                final ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> late.commit().get(30, TimeUnit.SECONDS));
                assertTrue(SourceLease.isFenced(refused.getCause()), refused.getCause().toString());
                assertEquals(1, end("fenced-out"));
                // And the old holder's own check refuses before sending.
                final TributaryException lost = assertThrows(TributaryException.class,
                    () -> first.fence(producer.beginTransaction()));
                assertEquals(ErrorCode.FENCED_MEMBER, lost.errorCode());

                final Transaction<byte[], byte[]> current = producer.beginTransaction()
                    .send(ProducerRecord.of("fenced-out", null, "by the new holder".getBytes(StandardCharsets.UTF_8)));
                taken.fence(current);
                current.commit().get(30, TimeUnit.SECONDS);
                assertEquals(2, end("fenced-out"));
            }
        }
        finally
        {
            first.close();
            waiting.set(false);
            final SourceLease left = second.get(30, TimeUnit.SECONDS);
            if (left != null)
            {
                left.close();
            }
        }
    }

    private static ConnectorRunner runner(final ConnectorConfig config)
    {
        return new ConnectorRunner(config, ConnectorTypes.load(), new ConnectorContext(config.name(),
            cluster.members(), new PrintWriter(new StringWriter()))).withLease(Duration.ofSeconds(3)).start();
    }

    private static long end(final String topic)
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            if (!admin.listTopics().contains(topic))
            {
                return 0;
            }
            final TopicPartition tp = new TopicPartition(topic, 0);
            return admin.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(final String topic)
    {
        final TopicPartition tp = new TopicPartition(topic, 0);
        final long end = end(topic);
        final List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster.members())
            .build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp) < end && System.nanoTime() < deadline)
            {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}

package io.tributary.kafka;

import io.tributary.log.Admin;
import io.tributary.log.Header;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.RecordMetadata;
import io.tributary.log.Serializer;
import io.tributary.testing.TestCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's own producer and consumer (kafka-clients) against the gateway beside a real node: what one kind of client
 * writes, both kinds read the same, with the same offsets, keys, values, headers and timestamps.
 */
@Timeout(300)
class KafkaProducerIT
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

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void idempotentKafkaProducerWritesWhatBothConsumersReadTheSame(final String compression) throws Exception
    {
        final String topic = "codec-" + compression;
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(topic, 2));
        }
        final int count = 600;
        final long base = 1_700_000_000_000L;
        final Properties props = producerProps();
        props.put("enable.idempotence", "true");
        props.put("acks", "all");
        props.put("compression.type", compression);
        props.put("linger.ms", "5");
        props.put("batch.size", "4096");

        final List<List<GatewayRecords>> expected = List.of(new ArrayList<>(), new ArrayList<>());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props))
        {
            final List<Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new ArrayList<>();
            final List<GatewayRecords> sent = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                final String key = i % 10 == 0 ? null : "key-" + i;
                final String value = i % 13 == 0 ? null : "value-" + i + "-" + "x".repeat(i % 50);
                final List<org.apache.kafka.common.header.Header> headers = List.of(
                    new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("empty", new byte[0]));
                acks.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, i % 2,
                    base + i, bytes(key), bytes(value), headers)));
                sent.add(new GatewayRecords(-1, key, value, base + i, List.of("trace=t" + i, "empty=")));
            }
            for (int i = 0; i < count; i++)
            {
                final org.apache.kafka.clients.producer.RecordMetadata metadata = acks.get(i).get();
                final GatewayRecords r = sent.get(i);
                expected.get(metadata.partition()).add(
                    new GatewayRecords(metadata.offset(), r.key(), r.value(), r.timestamp(), r.headers()));
                assertEquals(r.timestamp(), metadata.timestamp());
            }
        }
        for (int p = 0; p < 2; p++)
        {
            final List<GatewayRecords> want = expected.get(p);
            for (int i = 0; i < want.size(); i++)
            {
                assertEquals(i, want.get(i).offset(), "offsets are dense and in send order");
            }
            assertEquals(want, GatewayRecords.readWithKafka(bootstrap, topic, p, want.size()));
            assertEquals(want, GatewayRecords.readWithTributary(cluster.members(), topic, p, want.size()));
        }
    }

    @Test
    void aBatchLargerThanMaxMessageBytesOnceDecompressedIsWrittenWholeAndOnce() throws Exception
    {
        // A producer whose values compress well closes batches by their compressed size (its compression ratio
        // estimate falls batch after batch): a 64 KiB batch can hold megabytes of records.
        final String topic = "well-compressed";
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(topic, 1));
        }
        try (RawKafkaConnection connection = new RawKafkaConnection("127.0.0.1", gateway.port()))
        {
            final InitProducerIdResponseData init = (InitProducerIdResponseData)connection.send(
                new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null)
                    .setTransactionTimeoutMs(Integer.MAX_VALUE)).build((short)4)).data();
            final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024),
                Compression.zstd().build(), 0L, init.producerId(), (short)0, 0, false);
            final int count = 30_000;
            for (int i = 0; i < count; i++)
            {
                builder.append(1_000L + i, null, bytes(i % 1000 + "x".repeat(100)));
            }
            final MemoryRecords records = builder.build();
            assertTrue(records.sizeInBytes() < 1024 * 1024, "compressed below max.message.bytes");
            final ProduceRequestData data = new ProduceRequestData().setAcks((short)-1).setTimeoutMs(30_000);
            data.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
            for (int attempt = 0; attempt < 2; attempt++)
            {
                final ProduceResponseData.PartitionProduceResponse partition =
                    ((ProduceResponseData)connection.send(ProduceRequest.builder(data).build((short)9)).data())
                        .responses().iterator().next().partitionResponses().get(0);
                assertEquals(Errors.NONE.code(), partition.errorCode(), String.valueOf(partition.errorMessage()));
                assertEquals(0, partition.baseOffset(), "sent again, answered with the first offsets");
            }
            final List<GatewayRecords> read = GatewayRecords.readWithKafka(bootstrap, topic, 0, count);
            for (int i = 0; i < count; i++)
            {
                assertEquals(i, read.get(i).offset());
                assertEquals(i % 1000 + "x".repeat(100), read.get(i).value());
            }
            try (Admin admin = Admin.create(cluster.members()))
            {
                assertEquals(count, admin.describeTopic(topic).partitions().get(0).endOffset(), "written once");
            }
        }
    }

    @Test
    void aRecordOverMaxMessageBytesFailsAloneAndTheOthersOfItsBatchArriveOnceInOrder() throws Exception
    {
        final String topic = "too-large";
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(topic, 1, java.util.Map.of("max.message.bytes", "20000")));
        }
        final Properties props = producerProps();
        props.put("enable.idempotence", "true");
        props.put("acks", "all");
        props.put("linger.ms", "50");
        props.put("batch.size", "262144");
        props.put("delivery.timeout.ms", "120000");
        final List<String> sent = new ArrayList<>();
        final List<Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new ArrayList<>();
        Future<org.apache.kafka.clients.producer.RecordMetadata> oversized = null;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props))
        {
            for (int i = 0; i < 101; i++)
            {
                final String value = i == 50 ? "x".repeat(50_000) : "small-" + i;
                final Future<org.apache.kafka.clients.producer.RecordMetadata> ack = producer.send(
                    new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, 1_000L + i, bytes("k" + i),
                    bytes(value)));
                if (i == 50)
                {
                    oversized = ack;
                }
                else
                {
                    acks.add(ack);
                    sent.add(value);
                }
            }
            producer.flush();
            final Future<org.apache.kafka.clients.producer.RecordMetadata> refused = oversized;
            final java.util.concurrent.ExecutionException ex =
                org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                    refused::get);
            org.junit.jupiter.api.Assertions.assertInstanceOf(
                org.apache.kafka.common.errors.RecordTooLargeException.class, ex.getCause(), ex.toString());
            for (int i = 0; i < acks.size(); i++)
            {
                assertEquals(i, acks.get(i).get().offset(), "the others are written once, densely, in send order");
            }
        }
        final List<GatewayRecords> read = GatewayRecords.readWithKafka(bootstrap, topic, 0, sent.size());
        assertEquals(sent, read.stream().map(GatewayRecords::value).toList());
        assertEquals(read, GatewayRecords.readWithTributary(cluster.members(), topic, 0, sent.size()));
    }

    @Test
    void largeRecordsSpanManyReadsOfTheSocket() throws Exception
    {
        final String topic = "large";
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(topic, 1));
        }
        final Properties props = producerProps();
        final List<GatewayRecords> expected = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props))
        {
            for (int i = 0; i < 5; i++)
            {
                final String value = Integer.toString(i).repeat(300_000 + i);
                final long offset = producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0,
                    1_000L + i, bytes("k" + i), bytes(value))).get().offset();
                expected.add(new GatewayRecords(offset, "k" + i, value, 1_000L + i, List.of()));
            }
        }
        assertEquals(expected, GatewayRecords.readWithKafka(bootstrap, topic, 0, expected.size()));
        assertEquals(expected, GatewayRecords.readWithTributary(cluster.members(), topic, 0, expected.size()));
    }

    @Test
    void recordsOfTributarysProducerReadTheSameThroughKafkasConsumer()
    {
        final String topic = "from-tributary";
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(topic, 1));
        }
        final List<GatewayRecords> expected = new ArrayList<>();
        try (Producer<byte[], byte[]> producer = Producer.create(
            ProducerConfig.builder().cluster(cluster.members()).build(), Serializer.bytes(), Serializer.bytes()))
        {
            final List<java.util.concurrent.CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < 400; i++)
            {
                final String key = i % 7 == 0 ? null : "k" + i;
                final String value = i % 11 == 0 ? null : "v" + i;
                acks.add(producer.send(new ProducerRecord<>(topic, 0, bytes(key), bytes(value), 1_600_000_000_000L + i,
                    List.of(new Header("h", ("x" + i).getBytes(StandardCharsets.UTF_8))))));
                expected.add(new GatewayRecords(i, key, value, 1_600_000_000_000L + i, List.of("h=x" + i)));
            }
            for (int i = 0; i < acks.size(); i++)
            {
                assertEquals(i, acks.get(i).join().offset());
            }
        }
        assertEquals(expected, GatewayRecords.readWithKafka(bootstrap, topic, 0, expected.size()));
        assertEquals(expected, GatewayRecords.readWithTributary(cluster.members(), topic, 0, expected.size()));
    }

    @Test
    void theSameIdempotentBatchSentTwiceIsAnsweredWithTheSameOffsets() throws Exception
    {
        final String topic = "duplicates";
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(topic, 1));
        }
        try (RawKafkaConnection connection = new RawKafkaConnection("127.0.0.1", gateway.port()))
        {
            final InitProducerIdResponseData init = (InitProducerIdResponseData)connection.send(
                new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(Integer.MAX_VALUE))
                    .build((short)4)).data();
            assertEquals(Errors.NONE.code(), init.errorCode());
            final long producerId = init.producerId();

            final long first = produce(connection, topic, producerId, 0, "a", "b", "c");
            assertEquals(first, produce(connection, topic, producerId, 0, "a", "b", "c"),
                "a batch sent again is answered with its first offsets");
            assertEquals(first + 3, produce(connection, topic, producerId, 3, "d", "e"));
            assertEquals(first, produce(connection, topic, producerId, 0, "a", "b", "c"));
        }
        final List<GatewayRecords> read = GatewayRecords.readWithTributary(cluster.members(), topic, 0, 5);
        assertEquals(List.of("a", "b", "c", "d", "e"), read.stream().map(GatewayRecords::value).toList());
        try (Admin admin = Admin.create(cluster.members()))
        {
            assertEquals(5, admin.describeTopic(topic).partitions().get(0).endOffset(), "nothing written twice");
        }
    }

    private static long produce(final RawKafkaConnection connection, final String topic, final long producerId,
        final int baseSequence, final String... values) throws Exception
    {
        final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.NONE, 0L,
            producerId, (short)0, baseSequence, false);
        for (final String value : values)
        {
            builder.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
        }
        final ProduceRequestData data = new ProduceRequestData().setAcks((short)-1).setTimeoutMs(30_000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
            new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(builder.build()))));
        final ProduceResponseData response = (ProduceResponseData)connection.send(
            ProduceRequest.builder(data).build((short)9)).data();
        final ProduceResponseData.PartitionProduceResponse partition =
            response.responses().iterator().next().partitionResponses().get(0);
        assertEquals(Errors.NONE.code(), partition.errorCode(), String.valueOf(partition.errorMessage()));
        return partition.baseOffset();
    }

    /**
     * @return a byte-array producer's settings for the gateway, to add to.
     */
    private static Properties producerProps()
    {
        final Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        return props;
    }

    private static byte[] bytes(final String s)
    {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}

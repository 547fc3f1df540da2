package io.tributary.kafka;

import io.tributary.testing.TestCluster;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's AdminClient, offset commits of an assign() consumer, and bad frames against the gateway beside a real
 * node.
 */
@Timeout(300)
class KafkaAdminIT
{
    private static TestCluster cluster;
    private static KafkaGateway gateway;
    private static String bootstrap;

    @BeforeAll
    static void start()
    {
        cluster = TestCluster.start(1);
        gateway = KafkaGateway.launch(new KafkaGateway.Context().cluster(cluster.members()).port(0)
            .maxFrameBytes(1024 * 1024));
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

    private static AdminClient admin()
    {
        return AdminClient.create(Map.of("bootstrap.servers", bootstrap));
    }

    @Test
    void adminClientCreatesListsAndDescribesTopicsWithStableIds() throws Exception
    {
        try (AdminClient admin = admin())
        {
            admin.createTopics(List.of(new NewTopic("orders", 3, (short)1)
                .configs(Map.of("retention.ms", "3600000", "cleanup.policy", "compact")))).all().get();
            final ExecutionException exists = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("orders", 1, (short)1))).all().get());
            assertInstanceOf(TopicExistsException.class, exists.getCause());

            assertTrue(admin.listTopics().names().get().contains("orders"));
            final java.util.Collection<org.apache.kafka.common.Node> nodes = admin.describeCluster().nodes().get();
            assertEquals(1, nodes.size(), "the gateway is the one broker");
            assertEquals(gateway.port(), nodes.iterator().next().port());

            final TopicDescription described = admin.describeTopics(List.of("orders")).allTopicNames().get()
                .get("orders");
            assertEquals(3, described.partitions().size());
            final io.tributary.log.TopicDescription tributary;
            try (io.tributary.log.Admin tributaryAdmin = io.tributary.log.Admin.create(cluster.members()))
            {
                tributary = tributaryAdmin.describeTopic("orders");
            }
            assertEquals(TopicNames.topicId(tributary.topicId()), described.topicId(),
                "the Kafka topic id is derived from the cluster's own topic id");
            assertNotEquals(org.apache.kafka.common.Uuid.ZERO_UUID, described.topicId());

            final TopicDescription byId = admin.describeTopics(TopicCollection.ofTopicIds(List.of(described.topicId())))
                .allTopicIds().get().get(described.topicId());
            assertEquals("orders", byId.name());

            admin.createTopics(List.of(new NewTopic("short-lived", 1, (short)1))).all().get();
            final org.apache.kafka.common.Uuid shortLived = admin.describeTopics(List.of("short-lived")).allTopicNames()
                .get().get("short-lived").topicId();
            admin.deleteTopics(TopicCollection.ofTopicIds(List.of(shortLived))).all().get();
            assertTrue(!admin.listTopics().names().get().contains("short-lived"), "deleted by topic id");

            final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
            final Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertEquals("3600000", config.get("retention.ms").value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get("retention.ms").source());
            assertEquals("compact", config.get("cleanup.policy").value());
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("segment.bytes").source());
        }
    }

    @Test
    void anAssignedConsumerCommitsAndReadsBackItsOffsets() throws Exception
    {
        try (AdminClient admin = admin())
        {
            admin.createTopics(List.of(new NewTopic("commits", 2, (short)1))).all().get();
        }
        final Properties props = GatewayRecords.kafkaConsumerProps(bootstrap);
        props.put("group.id", "assigned-readers");
        final TopicPartition p0 = new TopicPartition("commits", 0);
        final TopicPartition p1 = new TopicPartition("commits", 1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props))
        {
            consumer.assign(List.of(p0, p1));
            consumer.commitSync(Map.of(p0, new OffsetAndMetadata(0), p1, new OffsetAndMetadata(0)));
            assertEquals(Map.of(p0, new OffsetAndMetadata(0, ""), p1, new OffsetAndMetadata(0, "")),
                consumer.committed(java.util.Set.of(p0, p1)));
        }
        try (io.tributary.log.Admin tributaryAdmin = io.tributary.log.Admin.create(cluster.members()))
        {
            assertEquals(Map.of(new io.tributary.log.TopicPartition("commits", 0), 0L,
                new io.tributary.log.TopicPartition("commits", 1), 0L),
                tributaryAdmin.committedOffsets("assigned-readers"), "the same committed offsets as Tributary's");
        }
        try (AdminClient admin = admin())
        {
            assertEquals(new OffsetAndMetadata(0, ""),
                admin.listConsumerGroupOffsets("assigned-readers").partitionsToOffsetAndMetadata().get().get(p1));
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception
    {
        try (AdminClient admin = admin())
        {
            admin.createTopics(List.of(new NewTopic("quiet", 1, (short)1))).all().get();
        }
        try (RawKafkaConnection connection = new RawKafkaConnection("127.0.0.1", gateway.port()))
        {
            // Fetches at the end of an empty partition wait out their max wait; the requests between them are
            // answered by the cluster at once. 200 requests, more than a connection may have in flight.
            final List<org.apache.kafka.common.requests.RequestHeader> headers = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                headers.add(connection.write(switch (i % 4)
                {
                    case 0 -> emptyFetch("quiet", 200);
                    case 1 -> new org.apache.kafka.common.requests.ApiVersionsRequest.Builder().build((short)3);
                    case 2 -> org.apache.kafka.common.requests.MetadataRequest.Builder.allTopics().build((short)12);
                    default -> org.apache.kafka.common.requests.ListOffsetsRequest.Builder
                        .forConsumer(false, org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED)
                        .setTargetTimes(List.of(
                            new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic()
                                .setName("quiet").setPartitions(List.of(
                                    new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition()
                                        .setPartitionIndex(0).setTimestamp(-1L)))))
                        .build((short)6);
                }));
            }
            for (final org.apache.kafka.common.requests.RequestHeader header : headers)
            {
                // read() fails on an answer with another request's correlation id.
                assertEquals(header.apiKey(), connection.read(header).apiKey());
            }
        }
    }

    @Test
    void aFetchAtTheEndWaitsForTheNextRecord() throws Exception
    {
        try (AdminClient admin = admin())
        {
            admin.createTopics(List.of(new NewTopic("tail", 1, (short)1))).all().get();
        }
        try (RawKafkaConnection connection = new RawKafkaConnection("127.0.0.1", gateway.port()))
        {
            final org.apache.kafka.common.requests.RequestHeader header = connection.write(emptyFetch("tail", 30_000));
            final Properties props = new Properties();
            props.put("bootstrap.servers", bootstrap);
            props.put("key.serializer", StringSerializer.class.getName());
            props.put("value.serializer", StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props))
            {
                producer.send(new ProducerRecord<>("tail", "k", "late")).get();
            }
            final org.apache.kafka.common.message.FetchResponseData response =
                (org.apache.kafka.common.message.FetchResponseData)connection.read(header).data();
            final org.apache.kafka.common.message.FetchResponseData.PartitionData partition =
                response.responses().get(0).partitions().get(0);
            assertEquals(0, partition.errorCode());
            assertEquals(1, partition.highWatermark());
            final org.apache.kafka.common.record.internal.Record record =
                ((org.apache.kafka.common.record.internal.MemoryRecords)partition.records()).records().iterator().next();
            assertEquals(0, record.offset());
            assertEquals("late", StandardCharsets.UTF_8.decode(record.value()).toString());
        }
    }

    @Test
    void acksZeroGetsNoAnswerAndTheNextRequestIsAnsweredInTurn() throws Exception
    {
        try (AdminClient admin = admin())
        {
            admin.createTopics(List.of(new NewTopic("fire-and-forget", 1, (short)1))).all().get();
        }
        try (RawKafkaConnection connection = new RawKafkaConnection("127.0.0.1", gateway.port()))
        {
            final org.apache.kafka.common.record.internal.MemoryRecordsBuilder builder =
                org.apache.kafka.common.record.internal.MemoryRecords.builder(ByteBuffer.allocate(256),
                    org.apache.kafka.common.compress.Compression.NONE, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L);
            builder.append(7L, null, "unacknowledged".getBytes(StandardCharsets.UTF_8));
            final org.apache.kafka.common.message.ProduceRequestData produce =
                new org.apache.kafka.common.message.ProduceRequestData().setAcks((short)0).setTimeoutMs(30_000);
            produce.topicData().add(new org.apache.kafka.common.message.ProduceRequestData.TopicProduceData()
                .setName("fire-and-forget").setPartitionData(List.of(
                    new org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData()
                        .setIndex(0).setRecords(builder.build()))));
            connection.write(org.apache.kafka.common.requests.ProduceRequest.builder(produce).build((short)9));
            final org.apache.kafka.common.requests.RequestHeader versions = connection.write(
                new org.apache.kafka.common.requests.ApiVersionsRequest.Builder().build((short)3));
            // read() fails if the next answer on the connection is not the ApiVersions one.
            assertEquals(org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS, connection.read(versions).apiKey());
        }
        assertEquals(List.of("unacknowledged"), GatewayRecords.readWithTributary(cluster.members(), "fire-and-forget",
            0, 1).stream().map(GatewayRecords::value).toList());
    }

    @Test
    void produceAndFetchByTopicId() throws Exception
    {
        final org.apache.kafka.common.Uuid id;
        try (AdminClient admin = admin())
        {
            id = admin.createTopics(List.of(new NewTopic("by-id", 1, (short)1))).topicId("by-id").get();
        }
        try (RawKafkaConnection connection = new RawKafkaConnection("127.0.0.1", gateway.port()))
        {
            final org.apache.kafka.common.record.internal.MemoryRecordsBuilder builder =
                org.apache.kafka.common.record.internal.MemoryRecords.builder(ByteBuffer.allocate(256),
                    org.apache.kafka.common.compress.Compression.NONE, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L);
            builder.append(7L, null, "by id".getBytes(StandardCharsets.UTF_8));
            final org.apache.kafka.common.message.ProduceRequestData produce =
                new org.apache.kafka.common.message.ProduceRequestData().setAcks((short)-1).setTimeoutMs(30_000);
            produce.topicData().add(new org.apache.kafka.common.message.ProduceRequestData.TopicProduceData()
                .setTopicId(id).setPartitionData(List.of(
                    new org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData()
                        .setIndex(0).setRecords(builder.build()))));
            final org.apache.kafka.common.message.ProduceResponseData produced =
                (org.apache.kafka.common.message.ProduceResponseData)connection.send(
                    org.apache.kafka.common.requests.ProduceRequest.builder(produce).build((short)13)).data();
            final org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse topic =
                produced.responses().iterator().next();
            assertEquals(id, topic.topicId());
            assertEquals(0, topic.partitionResponses().get(0).errorCode());
            assertEquals(0, topic.partitionResponses().get(0).baseOffset());

            final org.apache.kafka.common.message.FetchResponseData fetched =
                (org.apache.kafka.common.message.FetchResponseData)connection.send(fetchById(id)).data();
            assertEquals(id, fetched.responses().get(0).topicId());
            final org.apache.kafka.common.record.internal.Record record =
                ((org.apache.kafka.common.record.internal.MemoryRecords)fetched.responses().get(0).partitions().get(0)
                    .records()).records().iterator().next();
            assertEquals("by id", StandardCharsets.UTF_8.decode(record.value()).toString());

            final org.apache.kafka.common.Uuid unknown = new org.apache.kafka.common.Uuid(TopicNames.TOPIC_ID_TAG, 999_999L);
            final org.apache.kafka.common.message.FetchResponseData missing =
                (org.apache.kafka.common.message.FetchResponseData)connection.send(fetchById(unknown)).data();
            assertEquals(org.apache.kafka.common.protocol.Errors.UNKNOWN_TOPIC_ID.code(),
                missing.responses().get(0).partitions().get(0).errorCode());
        }
    }

    private static org.apache.kafka.common.requests.FetchRequest fetchById(final org.apache.kafka.common.Uuid id)
    {
        final org.apache.kafka.common.message.FetchRequestData data = new org.apache.kafka.common.message.FetchRequestData()
            .setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1024 * 1024).setSessionId(0).setSessionEpoch(-1)
            .setTopics(List.of(new org.apache.kafka.common.message.FetchRequestData.FetchTopic().setTopicId(id)
                .setPartitions(List.of(new org.apache.kafka.common.message.FetchRequestData.FetchPartition()
                    .setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1024 * 1024).setLogStartOffset(-1)))));
        return new org.apache.kafka.common.requests.FetchRequest(data, (short)17);
    }

    private static org.apache.kafka.common.requests.FetchRequest emptyFetch(final String topic, final int maxWaitMs)
    {
        final org.apache.kafka.common.message.FetchRequestData data = new org.apache.kafka.common.message.FetchRequestData()
            .setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1024 * 1024)
            .setSessionId(0).setSessionEpoch(-1)
            .setTopics(List.of(new org.apache.kafka.common.message.FetchRequestData.FetchTopic().setTopic(topic)
                .setPartitions(List.of(new org.apache.kafka.common.message.FetchRequestData.FetchPartition()
                    .setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1024 * 1024).setLogStartOffset(-1)))));
        return new org.apache.kafka.common.requests.FetchRequest(data, (short)12);
    }

    @Test
    void badFramesCloseOnlyTheirOwnConnection() throws Exception
    {
        try (AdminClient admin = admin())
        {
            admin.createTopics(List.of(new NewTopic("steady", 1, (short)1))).all().get();
        }
        final Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        props.put("enable.idempotence", "true");
        props.put("linger.ms", "1");
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger failures = new AtomicInteger();
        final List<Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props))
        {
            final Thread writer = new Thread(() ->
            {
                for (int i = 0; i < 500 && !stop.get(); i++)
                {
                    synchronized (acks)
                    {
                        acks.add(producer.send(new ProducerRecord<>("steady", "k" + i, "v" + i)));
                    }
                    try
                    {
                        Thread.sleep(2);
                    }
                    catch (final InterruptedException ex)
                    {
                        return;
                    }
                }
            });
            writer.start();
            try
            {
                final Random random = new Random(42);
                // Not Kafka at all: an HTTP request's first bytes read as a size of about 1.2 GB.
                try (RawKafkaConnection http = new RawKafkaConnection("127.0.0.1", gateway.port()))
                {
                    http.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(http.closedByPeer(), "a frame above the maximum size closes the connection");
                }
                // A negative size.
                try (RawKafkaConnection negative = new RawKafkaConnection("127.0.0.1", gateway.port()))
                {
                    negative.sendRaw(ByteBuffer.allocate(4).putInt(-5).array());
                    assertTrue(negative.closedByPeer(), "a negative size closes the connection");
                }
                // A frame of the right size holding garbage.
                for (int attempt = 0; attempt < 20; attempt++)
                {
                    final byte[] garbage = new byte[8 + random.nextInt(200)];
                    random.nextBytes(garbage);
                    garbage[0] = 0x7F; // an api key no Kafka version knows
                    final ByteBuffer frame = ByteBuffer.allocate(4 + garbage.length).putInt(garbage.length).put(garbage);
                    try (RawKafkaConnection bad = new RawKafkaConnection("127.0.0.1", gateway.port()))
                    {
                        bad.sendRaw(frame.array());
                        assertTrue(bad.closedByPeer(), "a frame that is not a Kafka request closes the connection");
                    }
                }
            }
            catch (final Throwable ex)
            {
                stop.set(true);
                throw ex;
            }
            finally
            {
                writer.join();
            }
            producer.flush();
            synchronized (acks)
            {
                long last = -1;
                for (final Future<org.apache.kafka.clients.producer.RecordMetadata> ack : acks)
                {
                    try
                    {
                        final long offset = ack.get().offset();
                        assertEquals(last + 1, offset, "the other client's records are all written, in order");
                        last = offset;
                    }
                    catch (final ExecutionException ex)
                    {
                        failures.incrementAndGet();
                    }
                }
                assertEquals(0, failures.get());
                assertEquals(500, acks.size(), "the producer kept writing");
            }
        }
    }
}

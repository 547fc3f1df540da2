package io.tributary.log;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.cluster.TributaryNode;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.ProduceRequestEncoder;
import io.tributary.log.internal.fetch.FetchServer;
import io.tributary.testing.TestCluster;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gets a clear error and loses nothing, against one real node in its own JVM.
 */
@Timeout(300)
class BadInputIT
{
    private static TestCluster cluster;
    private static String members;
    private static Admin admin;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1);
        members = cluster.members();
        admin = Admin.create(members);
    }

    @AfterAll
    static void stopCluster()
    {
        CloseHelper.quietClose(admin);
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void invalidTopicNamesAreRefused()
    {
        for (final String name : List.of("", "has space", "a/b", ".", "..", "ü", "x".repeat(250)))
        {
            final TributaryException ex = assertThrows(TributaryException.class,
                () -> admin.createTopic(new NewTopic(name, 1)), name);
            assertEquals(ErrorCode.INVALID_TOPIC, ex.errorCode());
            assertTrue(ex.getMessage().contains("invalid topic name"), ex.getMessage());
        }
        admin.createTopic(new NewTopic("x".repeat(249), 1));
        assertTrue(admin.listTopics().contains("x".repeat(249)));
    }

    @Test
    void duplicateTopicsBadPartitionCountsAndConfigsAreRefused()
    {
        admin.createTopic(new NewTopic("dup", 2));
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS,
            assertThrows(TributaryException.class, () -> admin.createTopic(new NewTopic("dup", 2))).errorCode());
        assertEquals(ErrorCode.INVALID_PARTITIONS,
            assertThrows(TributaryException.class, () -> admin.createTopic(new NewTopic("zero", 0))).errorCode());

        final TributaryException unknownKey = assertThrows(TributaryException.class,
            () -> admin.createTopic(new NewTopic("cfg", 1, Map.of("retention.msx", "1"))));
        assertEquals(ErrorCode.INVALID_CONFIG, unknownKey.errorCode());
        assertTrue(unknownKey.getMessage().contains("retention.msx"), unknownKey.getMessage());

        final TributaryException badValue = assertThrows(TributaryException.class,
            () -> admin.createTopic(new NewTopic("cfg", 1, Map.of("cleanup.policy", "sometimes"))));
        assertTrue(badValue.getMessage().contains("cleanup.policy"), badValue.getMessage());
        assertFalse(admin.listTopics().contains("cfg"));
    }

    @Test
    void unknownTopicsAndPartitionsOutOfRangeAreRefusedAndNothingIsAppended()
    {
        admin.createTopic(new NewTopic("three", 3));
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
        {
            assertError(ErrorCode.UNKNOWN_TOPIC, producer.send(ProducerRecord.of("nope", "k", "v")));
            assertError(ErrorCode.UNKNOWN_TOPIC, producer.send(ProducerRecord.of("nope", 0, "k", "v")));
            final Throwable outOfRange = assertError(
                ErrorCode.PARTITION_OUT_OF_RANGE, producer.send(ProducerRecord.of("three", 9, "k", "v")));
            assertTrue(outOfRange.getMessage().contains("has 3 partitions"), outOfRange.getMessage());
        }
        assertEquals(ErrorCode.UNKNOWN_TOPIC,
            assertThrows(TributaryException.class, () -> admin.describeTopic("nope")).errorCode());
        for (final PartitionInfo partition : admin.describeTopic("three").partitions())
        {
            assertEquals(0, partition.endOffset());
        }
    }

    @Test
    void aBatchWithARecordOverMaxMessageBytesIsRejectedWhole()
    {
        admin.createTopic(new NewTopic("small", 1, Map.of("max.message.bytes", "1000")));
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder()
            .cluster(members).linger(Duration.ofSeconds(1)).build()))
        {
            final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 5; i++)
            {
                futures.add(producer.send(ProducerRecord.of("small", 0, "k", "fits-" + i)));
            }
            futures.add(producer.send(ProducerRecord.of("small", 0, "k", "x".repeat(2000))));
            producer.flush();
            for (final CompletableFuture<RecordMetadata> future : futures)
            {
                final Throwable ex = assertError(ErrorCode.RECORD_TOO_LARGE, future);
                assertTrue(ex.getMessage().contains("max.message.bytes=1000"), ex.getMessage());
            }
            assertEquals(0, admin.describeTopic("small").partitions().get(0).endOffset(), "nothing appended");

            assertEquals(0, producer.send(ProducerRecord.of("small", 0, "k", "alone")).join().offset());
        }
    }

    @Test
    void producingToADeletedTopicFails()
    {
        admin.createTopic(new NewTopic("doomed", 2));
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
        {
            producer.send(ProducerRecord.of("doomed", "k", "v")).join();
            admin.deleteTopic("doomed");
            assertFalse(admin.listTopics().contains("doomed"));
            assertError(ErrorCode.UNKNOWN_TOPIC, producer.send(ProducerRecord.of("doomed", "k", "again")));
            assertError(ErrorCode.UNKNOWN_TOPIC, producer.send(ProducerRecord.of("doomed", 1, "k", "again")));
        }
        assertEquals(ErrorCode.UNKNOWN_TOPIC,
            assertThrows(TributaryException.class, () -> admin.deleteTopic("doomed")).errorCode());

        admin.createTopic(new NewTopic("doomed", 1));
        assertEquals(0, admin.describeTopic("doomed").partitions().get(0).endOffset(), "recreated empty");
    }

    @Test
    void consumerErrorsAreClear()
    {
        admin.createTopic(new NewTopic("reads", 1));
        final TopicPartition tp = new TopicPartition("reads", 0);
        Records.produce(members, "reads", "r", 10, 1);

        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(members).groupId("strict").autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
        {
            consumer.assign(List.of(tp));
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertThrows(TributaryException.class, () -> consumer.poll(Duration.ofMillis(100))).errorCode());
            assertEquals(ErrorCode.UNKNOWN_TOPIC, assertThrows(TributaryException.class,
                () -> consumer.commitSync(Map.of(new TopicPartition("nope", 0), 1L))).errorCode());
        }

        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build()))
        {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 1_000);
            final List<ConsumerRecord<String, String>> records = new ArrayList<>();
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < 10 && System.nanoTime() < deadline)
            {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(10, records.size(), "out of range position reset to earliest");
            assertEquals(0, records.get(0).offset());
        }

        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder().cluster(members).build()))
        {
            consumer.assign(List.of(new TopicPartition("nope", 0)));
            assertEquals(ErrorCode.UNKNOWN_TOPIC,
                assertThrows(TributaryException.class, () -> consumer.poll(Duration.ofSeconds(1))).errorCode());
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused() throws Exception
    {
        final TributaryNode.Context ctx = new TributaryNode.Context()
            .nodeId(0)
            .members(ClusterMembers.parse(members))
            .dataDir(cluster.dataDir(0))
            .aeronDirectoryName(Files.createTempDirectory("second-node").toString());
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> TributaryNode.launch(ctx));
        assertTrue(ex.getMessage().contains("in use by another running server"), ex.getMessage());
        TestCluster.deleteRecursively(java.nio.file.Path.of(ctx.aeronDirectoryName()));
        assertTrue(cluster.isRunning(0));
    }

    @Test
    void garbageOnIngressAndFetchPortsLeavesTheNodeServing() throws Exception
    {
        admin.createTopic(new NewTopic("survivor", 1));
        Records.produce(members, "survivor", "before", 100, 1);

        final ClusterMembers.Member member = ClusterMembers.parse(members).member(0);
        final Random random = new Random(42);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            for (int i = 0; i < 2_000; i++)
            {
                final byte[] bytes = new byte[1 + random.nextInt(1400)];
                random.nextBytes(bytes);
                for (int offset = 0; offset < ClusterMembers.ARCHIVE_CONTROL_PORT_OFFSET + 2; offset++)
                {
                    socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                        member.basePort() + offset));
                }
            }
        }

        final String aeronDir = Files.createTempDirectory("garbage-client").toString();
        try (MediaDriver driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(aeronDir)
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())))
        {
            // Well-formed Aeron frames with garbage payloads, to the fetch server.
            try (Publication fetch = aeron.addPublication(
                "aeron:udp?endpoint=" + member.endpoint(ClusterMembers.FETCH_PORT_OFFSET), FetchServer.REQUEST_STREAM_ID))
            {
                awaitConnected(fetch);
                for (int i = 0; i < 1_000; i++)
                {
                    final byte[] bytes = new byte[1 + random.nextInt(3000)];
                    random.nextBytes(bytes);
                    if (i % 2 == 0 && bytes.length > 8)
                    {
                        bytes[2] = 40;
                        bytes[3] = 0;
                        bytes[4] = (byte)0xe9;
                        bytes[5] = 0x1c;
                    }
                    offer(fetch, bytes);
                }
            }

            // Garbage through a real cluster session: it is in the replicated log, and must be refused, not obeyed.
            final ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
            final EgressListener listener = new EgressListener()
            {
                public void onMessage(
                    final long sessionId, final long timestamp, final DirectBuffer buffer, final int offset,
                    final int length, final Header header)
                {
                    final MessageHeaderDecoder messageHeader = new MessageHeaderDecoder().wrap(buffer, offset);
                    if (messageHeader.templateId() == AdminResponseDecoder.TEMPLATE_ID)
                    {
                        final AdminResponseDecoder decoder =
                            new AdminResponseDecoder().wrapAndApplyHeader(buffer, offset, messageHeader);
                        refusals.add(decoder.correlationId() + " " + decoder.errorCode() + " " + decoder.errorMessage());
                    }
                }
            };
            try (AeronCluster session = AeronCluster.connect(new AeronCluster.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .ingressChannel("aeron:udp")
                .ingressEndpoints(ClusterMembers.parse(members).ingressEndpoints())
                .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
                .egressListener(listener)))
            {
                for (int i = 0; i < 500; i++)
                {
                    final byte[] bytes = new byte[1 + random.nextInt(2000)];
                    random.nextBytes(bytes);
                    offer(session, new UnsafeBuffer(bytes), bytes.length);
                }

                // A produce request cut short: a known correlation id, so the refusal can be checked.
                final UnsafeBuffer truncated = new UnsafeBuffer(new byte[64]);
                new ProduceRequestEncoder().wrapAndApplyHeader(truncated, 0, new MessageHeaderEncoder())
                    .correlationId(777_777L)
                    .partitionsCount(3);
                offer(session, truncated, MessageHeaderEncoder.ENCODED_LENGTH + 16);

                final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (refusals.stream().noneMatch(r -> r.startsWith("777777 INVALID_REQUEST")) &&
                    System.nanoTime() < deadline)
                {
                    session.pollEgress();
                    Thread.sleep(1);
                }
                assertTrue(refusals.stream().anyMatch(r -> r.startsWith("777777 INVALID_REQUEST malformed request")),
                    refusals.toString());
            }
        }
        finally
        {
            TestCluster.deleteRecursively(java.nio.file.Path.of(aeronDir));
        }

        assertTrue(cluster.isRunning(0));
        Records.produce(members, "survivor", "after", 100, 1);
        final List<ConsumerRecord<String, String>> all = Records.readAll(members, "survivor");
        assertEquals(200, all.size());
        assertEquals("before0", all.get(0).value());
        assertEquals("after99", all.get(199).value());
    }

    private static void awaitConnected(final Publication publication) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!publication.isConnected() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertTrue(publication.isConnected());
    }

    private static void offer(final Publication publication, final byte[] bytes) throws InterruptedException
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        while (publication.offer(buffer, 0, bytes.length) < 0)
        {
            Thread.sleep(1);
        }
    }

    private static void offer(final AeronCluster session, final DirectBuffer buffer, final int length)
        throws InterruptedException
    {
        while (session.offer(buffer, 0, length) < 0)
        {
            session.pollEgress();
            Thread.sleep(1);
        }
    }

    private static Throwable assertError(final ErrorCode expected, final CompletableFuture<RecordMetadata> future)
    {
        final CompletionException ex = assertThrows(CompletionException.class, future::join);
        final TributaryException cause = assertInstanceOf(TributaryException.class, ex.getCause());
        assertEquals(expected, cause.errorCode(), cause.getMessage());
        return cause;
    }
}

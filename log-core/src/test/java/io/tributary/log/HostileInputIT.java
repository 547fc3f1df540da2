package io.tributary.log;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.cluster.ServiceHarness;
import io.tributary.log.internal.codecs.FetchRequestEncoder;
import io.tributary.log.internal.codecs.ListOffsetsRequestEncoder;
import io.tributary.log.internal.codecs.NodeStatusRequestEncoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.log.internal.codecs.SegmentListRequestEncoder;
import io.tributary.log.internal.codecs.SegmentReadRequestEncoder;
import io.tributary.log.internal.fetch.FetchServer;
import io.tributary.log.internal.record.RecordBatches;
import io.tributary.testing.TestCluster;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input at a real node's endpoints: while an honest client produces and consumes, a raw Aeron publication
 * sends hostile requests to the fetch server and a raw cluster session offers hostile requests to the ingress (so
 * they are sequenced into the cluster log and applied). The honest records are all there in order, every segment's
 * batches are whole and pass their CRC, the node answers, and a restart that replays the cluster log, garbage and
 * all, rebuilds the same segment store, as does a restart from a snapshot taken after it. The seed is printed;
 * {@code -Dfuzz.seed=N} replays the inputs and {@code -Dfuzz.endpoint.count=N} sets their number.
 */
@Tag("fault")
@Timeout(600)
class HostileInputIT
{
    private static final int COUNT = Integer.getInteger("fuzz.endpoint.count", 300_000);
    /** Refused by the fetch server ("endpoint ... :0"), so hostile requests cannot make it open many channels. */
    private static final String UNANSWERABLE = "aeron:udp?endpoint=127.0.0.1:0";

    @Test
    void theNodeKeepsServingHonestClientsThroughHostileInputAndReplaysItToTheSameState() throws Exception
    {
        // No retention check runs during the test: the hostile requests may set any retention on the topics they
        // reach, and a check after the restart would then delete segments by the later time, legitimately, where
        // the test compares the replayed store with the one before the kill.
        try (TestCluster cluster = TestCluster.start(1, List.of("--retention-check-interval-ms", "3600000")))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("honest", 2));
                admin.createTopic(new NewTopic("fuzz-topic", 2, Map.of("segment.bytes", "65536")));
                admin.createTopic(new NewTopic("fuzz-altered", 1));
            }
            RestartIT.commit(members, "honest-group", new TopicPartition("honest", 1), 3);

            final AtomicBoolean hostileDone = new AtomicBoolean();
            final List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
            final AtomicLong consumed = new AtomicLong();
            final CompletableFuture<String> consumerProblem = new CompletableFuture<>();
            final Thread consumerThread = new Thread(() -> tail(members, hostileDone, consumed, consumerProblem));
            consumerThread.start();
            long fetchSent;
            long ingressSent;
            final long seed;
            try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
            {
                final Thread honest = new Thread(() ->
                {
                    int i = 0;
                    while (!hostileDone.get())
                    {
                        synchronized (acks)
                        {
                            acks.add(producer.send(ProducerRecord.of("honest", i % 2, "k" + i, "h" + i)));
                        }
                        i++;
                        if (i % 50 == 0)
                        {
                            TestCluster.sleep(50);
                        }
                    }
                });
                honest.start();
                final String aeronDir = Files.createTempDirectory("hostile-client").toString();
                try (MediaDriver driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                        .aeronDirectoryName(aeronDir)
                        .threadingMode(ThreadingMode.SHARED)
                        .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true));
                    Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())))
                {
                    final ClusterMembers.Member member = ClusterMembers.parse(members).member(0);
                    final HostileInput fetchInput = new HostileInput(11, fetchCorpus());
                    final HostileInput ingressInput = new HostileInput(12,
                        ServiceHarness.ingressCorpus("fuzz-topic", "fuzz-altered"));
                    seed = fetchInput.seed();
                    fetchSent = sendToFetchServer(aeron, member, fetchInput, COUNT * 2 / 3);
                    ingressSent = offerToIngress(aeron, members, ingressInput, COUNT - COUNT * 2 / 3);
                }
                finally
                {
                    TestCluster.deleteRecursively(Path.of(aeronDir));
                }
                TestCluster.sleep(500);
                hostileDone.set(true);
                honest.join();
                producer.flush();
            }
            final List<CompletableFuture<RecordMetadata>> sent;
            synchronized (acks)
            {
                sent = new ArrayList<>(acks);
            }
            for (final CompletableFuture<RecordMetadata> ack : sent)
            {
                ack.join();
            }
            consumerThread.join(TimeUnit.MINUTES.toMillis(2));
            assertTrue(consumerProblem.isDone(), "the honest consumer finished");
            assertNull(consumerProblem.get());

            // Afterwards: everything the honest producer sent, in order, and the node still serving.
            final List<ConsumerRecord<String, String>> honest = Records.readAll(members, "honest");
            assertEquals(sent.size(), honest.size());
            assertInOrder(honest);
            assertEquals(sent.size(), consumed.get(), "the tailing consumer read every honest record");
            assertEquals(3L, RestartIT.committed(members, "honest-group", new TopicPartition("honest", 1)));
            try (Admin admin = Admin.create(members))
            {
                final List<NodeStatus> status = admin.clusterStatus();
                assertEquals(NodeStatus.Role.LEADER, status.get(0).role(), status.toString());
            }
            assertTrue(cluster.isRunning(0));

            // A restart replays the whole cluster log, hostile entries included, to the same segment store.
            cluster.kill(0);
            final Map<String, byte[]> before = segments(cluster.dataDir(0));
            cluster.restart(0);
            cluster.awaitLeader(Duration.ofSeconds(60));
            cluster.awaitCaughtUp(0, "honest", Duration.ofSeconds(60));
            final List<ConsumerRecord<String, String>> afterRestart = Records.readAll(members, "honest");
            assertEquals(honest.size(), afterRestart.size());
            assertInOrder(afterRestart);
            final Map<String, byte[]> after = segments(cluster.dataDir(0));
            assertEquals(before.keySet(), after.keySet(), "the same partitions and segments");
            for (final String file : before.keySet())
            {
                assertTrue(java.util.Arrays.equals(before.get(file), after.get(file)), file + " differs after replay");
            }

            // And a snapshot of that state (topics and groups the hostile requests made included) loads to it too.
            assertTrue(cluster.snapshot(0));
            cluster.awaitSnapshotRecorded(0, Duration.ofSeconds(30));
            cluster.kill(0);
            cluster.restart(0);
            cluster.awaitLeader(Duration.ofSeconds(60));
            cluster.awaitCaughtUp(0, "honest", Duration.ofSeconds(60));
            assertEquals(honest.size(), Records.readAll(members, "honest").size());
            final Map<String, byte[]> afterSnapshot = segments(cluster.dataDir(0));
            assertEquals(before.keySet(), afterSnapshot.keySet(), "the same partitions and segments from the snapshot");
            for (final String file : before.keySet())
            {
                assertTrue(java.util.Arrays.equals(before.get(file), afterSnapshot.get(file)),
                    file + " differs after loading the snapshot");
            }
            assertEquals(3L, RestartIT.committed(members, "honest-group", new TopicPartition("honest", 1)));
            Records.produce(members, "honest", "after", 100, 2);
            System.out.println("fuzz endpoints: " + (fetchSent + ingressSent) + " inputs (" + fetchSent +
                " to the fetch server, " + ingressSent + " through the cluster log), seed " + seed +
                " (rerun with -Dfuzz.seed=" + seed + "); " + sent.size() + " honest records intact, " +
                before.size() + " segment files replayed identically over " + before.keySet().stream()
                .map(f -> f.substring(0, f.indexOf('/'))).distinct().count() + " partitions");
        }
    }

    private static long sendToFetchServer(
        final Aeron aeron, final ClusterMembers.Member member, final HostileInput input, final int count)
    {
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        try (Publication publication = aeron.addExclusivePublication("aeron:udp?endpoint=" +
            member.endpoint(ClusterMembers.FETCH_PORT_OFFSET) + "|term-length=1m", FetchServer.REQUEST_STREAM_ID))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!publication.isConnected() && System.nanoTime() < deadline)
            {
                idle.idle();
            }
            assertTrue(publication.isConnected());
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
            for (int i = 0; i < count; i++)
            {
                final byte[] bytes = input.next();
                if (bytes.length == 0)
                {
                    continue;
                }
                buffer.wrap(bytes);
                idle.reset();
                while (publication.offer(buffer, 0, bytes.length) < 0)
                {
                    idle.idle();
                }
            }
        }
        return count;
    }

    private static long offerToIngress(
        final Aeron aeron, final String members, final HostileInput input, final int count)
    {
        final AtomicLong responses = new AtomicLong();
        final EgressListener listener = (sessionId, timestamp, buffer, offset, length, header) ->
            responses.incrementAndGet();
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        try (AeronCluster session = AeronCluster.connect(new AeronCluster.Context()
            .aeron(aeron)
            .ownsAeronClient(false)
            .ingressChannel("aeron:udp?term-length=16m|sparse=true")
            .ingressEndpoints(ClusterMembers.parse(members).ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=127.0.0.1:0|term-length=16m|sparse=true")
            .egressListener(listener)))
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
            for (int i = 0; i < count; i++)
            {
                final byte[] bytes = capPartitionCount(input.next());
                if (bytes.length == 0)
                {
                    continue;
                }
                buffer.wrap(bytes);
                idle.reset();
                while (session.offer(buffer, 0, bytes.length) < 0)
                {
                    session.pollEgress();
                    idle.idle();
                }
                session.pollEgress();
            }
            // Every entry applied: each hostile request is answered or dropped in log order, so wait for the answers
            // to stop coming.
            long seen = -1;
            while (seen != responses.get())
            {
                seen = responses.get();
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (System.nanoTime() < until)
                {
                    session.pollEgress();
                    idle.idle();
                }
            }
        }
        return count;
    }

    /**
     * A CreateTopic mutated into a valid one with thousands of partitions is legitimate, but would make the run about
     * the file system: such counts are made invalid (as in IngressFuzzTest).
     */
    private static byte[] capPartitionCount(final byte[] bytes)
    {
        if (bytes.length >= 20 && ((bytes[2] & 0xFF) | (bytes[3] & 0xFF) << 8) == 20 && (bytes[0] & 0xFF) >= 12)
        {
            final int count = (bytes[16] & 0xFF) | (bytes[17] & 0xFF) << 8 | (bytes[18] & 0xFF) << 16 |
                (bytes[19] & 0xFF) << 24;
            if (count > 8)
            {
                java.util.Arrays.fill(bytes, 16, 20, (byte)0);
            }
        }
        return bytes;
    }

    private static void tail(
        final String members, final AtomicBoolean producing, final AtomicLong consumed,
        final CompletableFuture<String> problem)
    {
        final long[] next = new long[2];
        final int[] lastSeq = {-2, -1};
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build());
            Admin admin = Admin.create(members))
        {
            consumer.assign(List.of(new TopicPartition("honest", 0), new TopicPartition("honest", 1)));
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
            while (System.nanoTime() < deadline)
            {
                final boolean done = producing.get();
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100)))
                {
                    final int p = record.partition();
                    final int seq = Integer.parseInt(record.value().substring(1));
                    if (record.offset() != next[p] || seq <= lastSeq[p])
                    {
                        problem.complete("out of order in partition " + p + ": offset " + record.offset() +
                            " value " + record.value() + " after offset " + (next[p] - 1) + " value h" + lastSeq[p]);
                        return;
                    }
                    next[p]++;
                    lastSeq[p] = seq;
                    consumed.incrementAndGet();
                }
                if (done)
                {
                    final Map<TopicPartition, Long> ends = admin.endOffsets(List.of(
                        new TopicPartition("honest", 0), new TopicPartition("honest", 1)));
                    if (ends.get(new TopicPartition("honest", 0)) == next[0] &&
                        ends.get(new TopicPartition("honest", 1)) == next[1])
                    {
                        // The producer may still be flushing: caught up twice a second apart means done.
                        TestCluster.sleep(1_000);
                        final Map<TopicPartition, Long> again = admin.endOffsets(List.copyOf(ends.keySet()));
                        if (again.equals(ends))
                        {
                            problem.complete(null);
                            return;
                        }
                    }
                }
            }
            problem.complete("the consumer did not catch up");
        }
        catch (final RuntimeException ex)
        {
            problem.complete("consumer failed: " + ex);
        }
    }

    private static void assertInOrder(final List<ConsumerRecord<String, String>> records)
    {
        final int[] last = {-2, -1};
        for (final ConsumerRecord<String, String> record : records)
        {
            final int seq = Integer.parseInt(record.value().substring(1));
            assertEquals(seq % 2, record.partition(), record.toString());
            assertTrue(seq > last[record.partition()], "in send order: " + record);
            last[record.partition()] = seq;
        }
    }

    /**
     * @return every segment's batches, by partition directory and file name; each batch checked whole (header,
     *         lengths, records, CRC) as the cluster checks a produced one.
     */
    private static Map<String, byte[]> segments(final Path dataDir) throws IOException
    {
        final Path logDir = dataDir.resolve("log");
        final Map<String, byte[]> result = new TreeMap<>();
        try (Stream<Path> files = Files.walk(logDir))
        {
            for (final Path file : files.filter(p -> p.toString().endsWith(".log")).sorted().toList())
            {
                final byte[] bytes = Files.readAllBytes(file);
                final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
                int position = 0;
                while (position + RecordBatches.FIRST_RECORD_OFFSET <= bytes.length)
                {
                    final int length = RecordBatches.batchLength(buffer, position);
                    if (length == 0)
                    {
                        break;
                    }
                    final String problem = length < 0 || position + length > bytes.length ? "torn" :
                        RecordBatches.validate(buffer, position, length);
                    assertNull(problem, file + " at " + position);
                    position += length;
                }
                result.put(logDir.relativize(file).toString(), java.util.Arrays.copyOf(bytes, position));
            }
        }
        return result;
    }

    private static List<byte[]> fetchCorpus()
    {
        final List<byte[]> corpus = new ArrayList<>();
        corpus.add(ServiceHarness.encode(1, (b, h) -> new FetchRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(1).partition(0).fetchOffset(0).maxBytes(4096).maxWaitMs(100).responseStreamId(7)
            .topic("honest").responseChannel(UNANSWERABLE).encodedLength()));
        corpus.add(ServiceHarness.encode(2, (b, h) -> new ListOffsetsRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(2).partition(1).spec(OffsetSpec.LATEST).timestamp(0).responseStreamId(7)
            .topic("honest").responseChannel(UNANSWERABLE).encodedLength()));
        corpus.add(ServiceHarness.encode(3, (b, h) -> new NodeStatusRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(3).responseStreamId(7).responseChannel(UNANSWERABLE).encodedLength()));
        corpus.add(ServiceHarness.encode(4, (b, h) -> new SegmentListRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(4).responseStreamId(7).responseChannel(UNANSWERABLE).encodedLength()));
        corpus.add(ServiceHarness.encode(5, (b, h) -> new SegmentReadRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(5).partition(0).baseOffset(0).segmentId(1).position(0).maxBytes(4096)
            .responseStreamId(7).topic("honest").responseChannel(UNANSWERABLE).encodedLength()));
        return corpus;
    }
}

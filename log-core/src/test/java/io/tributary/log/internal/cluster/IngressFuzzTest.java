package io.tributary.log.internal.cluster;

import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MetadataRequestEncoder;
import io.tributary.log.internal.codecs.OffsetFetchRequestEncoder;
import io.tributary.log.internal.codecs.ProduceRequestEncoder;
import io.tributary.log.internal.codecs.ProduceResponseDecoder;
import io.tributary.log.internal.record.RecordBatches;
import io.tributary.log.internal.storage.FetchSlice;
import io.tributary.log.internal.storage.PartitionLog;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.tributary.log.internal.cluster.ServiceHarness.batch;
import static io.tributary.log.internal.cluster.ServiceHarness.createTopic;
import static io.tributary.log.internal.cluster.ServiceHarness.deleteTopic;
import static io.tributary.log.internal.cluster.ServiceHarness.encode;
import static io.tributary.log.internal.cluster.ServiceHarness.offsetCommit;
import static io.tributary.log.internal.cluster.ServiceHarness.produceRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every message the clustered service accepts on ingress, fed hostile: random bytes, valid headers with random
 * bodies and mutations of valid requests of every template. Nothing may escape {@code onSessionMessage} (the node
 * would stop), no input may take long (a hang), and nothing but an accepted request may change the state another
 * client depends on: the honest topic's bytes and end offsets, its group's committed offsets, the set of topics.
 * <p>
 * The service runs on a real partition store in a temporary directory; the cluster is a stand-in that answers only
 * what the service asks of it (time, idle strategy, timers, log position) and the session records the responses.
 */
@Timeout(300)
class IngressFuzzTest
{
    private static final String HONEST = "honest";
    private static final String HONEST_GROUP = "honest-group";
    /** What the valid requests mutated name: never the honest topic or group, which only the honest client uses. */
    private static final String FUZZ = "fuzz-topic";
    /** A whole input; far above any single request, far below what a hang would take. */
    private static final long HANG_BOUND_NS = TimeUnit.SECONDS.toNanos(5);

    @TempDir
    Path dir;

    private final PartitionRegistry registry = new PartitionRegistry();
    private final ServiceHarness.RecordingSession session = new ServiceHarness.RecordingSession();
    private PartitionLogService service;
    private long correlationIds = 1;
    private long now = 1_000;

    @BeforeEach
    void start()
    {
        service = new PartitionLogService(0, dir.resolve("log"), registry, 60_000, null,
            new SecurityView(SecurityConfig.DISABLED));
        service.onStart(ServiceHarness.cluster(), null);
    }

    @AfterEach
    void stop()
    {
        service.onTerminate(null);
    }

    @Test
    void hostileRequestsAreRefusedAndLeaveOtherClientsDataAlone()
    {
        assertEquals(ErrorCode.NONE, admin(createTopic(correlationIds++, HONEST, 2)));
        assertEquals(ErrorCode.NONE, admin(createTopic(correlationIds++, "fuzz-altered", 1)));
        assertEquals(ErrorCode.NONE, admin(createTopic(correlationIds++, FUZZ, 2)));
        final List<byte[]> honestBatches = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            final byte[] batch = batch("honest-" + i);
            honestBatches.add(batch);
            assertEquals(ErrorCode.NONE, produce(produceRequest(correlationIds++, HONEST, i % 2, batch, false)));
        }
        assertEquals(ErrorCode.NONE, admin(offsetCommit(correlationIds++, HONEST_GROUP, HONEST, 0, 7)));
        final byte[][] honestBytes = {readAll(0), readAll(1)};
        final byte[] honestOffsets = honestGroupOffsets();

        final HostileInput input = new HostileInput(1, ServiceHarness.ingressCorpus(FUZZ, "fuzz-altered"));
        final int count = HostileInput.count(0.25);
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
        long accepted = 0;
        long slowestNs = 0;
        for (int i = 0; i < count; i++)
        {
            final byte[] bytes = input.next();
            capPartitionCount(bytes);
            final long[] endsBefore = {log(0).endOffset(), log(1).endOffset()};
            final Set<String> topicsBefore = new TreeSet<>(registry.topics().keySet());
            final long malformedBefore = service.malformedRequests();
            // At an offset, with bytes of another message after it: nothing past the length may be read.
            buffer.putBytes(64, bytes);
            buffer.putBytes(64 + bytes.length, honestBatches.get(i % honestBatches.size()));
            session.last = null;
            final long startNs = System.nanoTime();
            try
            {
                service.onSessionMessage(session, now++, buffer, 64, bytes.length, null);
            }
            catch (final RuntimeException ex)
            {
                throw new AssertionError("escaped the service: " + ex + "; " + input.describe(bytes), ex);
            }
            slowestNs = Math.max(slowestNs, System.nanoTime() - startNs);
            if (System.nanoTime() - startNs > HANG_BOUND_NS)
            {
                fail("took " + (System.nanoTime() - startNs) / 1_000_000 + " ms; " + input.describe(bytes));
            }
            if (service.malformedRequests() == malformedBefore)
            {
                accepted++;
            }

            for (int p = 0; p < 2; p++)
            {
                final long end = log(p).endOffset();
                if (end != endsBefore[p])
                {
                    fail("honest-" + p + " went from " + endsBefore[p] + " to " + end + "; " + input.describe(bytes));
                }
            }
            final Set<String> topicsAfter = new TreeSet<>(registry.topics().keySet());
            assertTrue(topicsAfter.contains(HONEST), () -> "honest topic gone; " + input.describe(bytes));
            if (!topicsAfter.equals(topicsBefore))
            {
                final ErrorCode code = session.last == null ? null : adminCode(session.last);
                assertEquals(ErrorCode.NONE, code, () -> "topics changed " + topicsBefore + " -> " + topicsAfter +
                    " without a successful create or delete; " + input.describe(bytes));
                deleteTopicsBut(topicsBefore);
                for (final String topic : List.of(FUZZ, "fuzz-altered"))
                {
                    if (!registry.topics().containsKey(topic))
                    {
                        assertEquals(ErrorCode.NONE, admin(createTopic(correlationIds++, topic, 2)), topic);
                    }
                }
            }
        }

        assertArrayEquals(honestOffsets, honestGroupOffsets(), "honest group's offsets");
        for (int p = 0; p < 2; p++)
        {
            final byte[] now = readAll(p);
            assertTrue(now.length >= honestBytes[p].length);
            assertArrayEquals(honestBytes[p], java.util.Arrays.copyOf(now, honestBytes[p].length),
                "honest-" + p + " bytes");
        }
        // The honest client is still served.
        final long end = log(0).endOffset();
        assertEquals(ErrorCode.NONE, produce(produceRequest(correlationIds++, HONEST, 0, batch("after"), false)));
        assertEquals(end + 1, log(0).endOffset());
        assertTrue(service.malformedRequests() > 0);
        input.report("cluster ingress (PartitionLogService, GroupCoordinator, RecordBatches)", count,
            service.malformedRequests() + " refused as malformed, " + accepted + " decoded, slowest " +
            slowestNs / 1_000_000 + " ms");
    }

    /**
     * Before the service read its messages bounded to their length, a topic name whose length ran past the end of
     * the message was read from whatever followed it in the log buffer: different bytes on different nodes and on
     * replay, so a topic could be created on one node and not another.
     */
    @Test
    void aLengthRunningPastTheMessageIsRefusedNotReadFromTheBytesAfterIt()
    {
        final byte[] whole = createTopic(77, "evil-topic", 1);
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        buffer.putBytes(0, whole);
        // The message ends five bytes into the name; the rest of the name lies after it.
        session.last = null;
        service.onSessionMessage(session, now++, buffer, 0, whole.length - 5, null);
        assertNotNull(session.last);
        assertEquals(ErrorCode.INVALID_REQUEST, adminCode(session.last));
        assertFalse(registry.topics().containsKey("evil-topic"));
        assertFalse(registry.topics().containsKey("evil-"));
        assertEquals(1, service.malformedRequests());

        final byte[] produce = produceRequest(78, HONEST, 0, batch("x"), false);
        buffer.putBytes(0, produce);
        service.onSessionMessage(session, now++, buffer, 0, produce.length - 10, null);
        assertEquals(ErrorCode.INVALID_REQUEST, adminCode(session.last));
        assertEquals(2, service.malformedRequests());
    }

    /**
     * The largest counts the schema allows, with every byte they promise present: answered, bounded, nothing applied.
     */
    @Test
    void theLargestGroupCountsAreAnsweredWithoutEffect()
    {
        assertEquals(ErrorCode.NONE, admin(createTopic(1, HONEST, 1)));
        final byte[] produce = encode(2, (b, h) ->
        {
            final ProduceRequestEncoder e = new ProduceRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(2).atomic(BooleanType.TRUE);
            final ProduceRequestEncoder.PartitionsEncoder partitions = e.partitionsCount(65_534);
            for (int i = 0; i < 65_534; i++)
            {
                partitions.next().partition(i).topic(HONEST).putBatch(new byte[0], 0, 0);
            }
            e.offsetsCount(0);
            return e.groupId("").memberId("").encodedLength();
        });
        session.last = null;
        service.onSessionMessage(session, now++, new UnsafeBuffer(produce), 0, produce.length, null);
        final ProduceResponseDecoder response = new ProduceResponseDecoder()
            .wrapAndApplyHeader(new UnsafeBuffer(session.last), 0, new MessageHeaderDecoder());
        assertEquals(ErrorCode.CORRUPT_BATCH, response.errorCode());
        assertEquals(65_534, response.partitions().count());
        assertEquals(0, log(0).endOffset());

        final byte[] metadata = encode(3, (b, h) ->
        {
            final MetadataRequestEncoder e = new MetadataRequestEncoder().wrapAndApplyHeader(b, 0, h).correlationId(3);
            final MetadataRequestEncoder.TopicsEncoder topics = e.topicsCount(65_534);
            for (int i = 0; i < 65_534; i++)
            {
                topics.next().topic(HONEST);
            }
            return e.encodedLength();
        });
        session.last = null;
        service.onSessionMessage(session, now++, new UnsafeBuffer(metadata), 0, metadata.length, null);
        assertNotNull(session.last);
        assertTrue(session.last.length < 1024, "one topic described once: " + session.last.length + " bytes");
        assertEquals(0, service.malformedRequests());
    }

    /**
     * A CreateTopic mutated into a valid one with thousands of partitions is a legitimate request, but creating them
     * again and again would make the run about the file system: such counts are made invalid.
     */
    private static void capPartitionCount(final byte[] bytes)
    {
        if (bytes.length >= 20 && ((bytes[2] & 0xFF) | (bytes[3] & 0xFF) << 8) == 20 &&
            (bytes[0] & 0xFF) >= 12)
        {
            final int count = (bytes[16] & 0xFF) | (bytes[17] & 0xFF) << 8 | (bytes[18] & 0xFF) << 16 |
                (bytes[19] & 0xFF) << 24;
            if (count > 8)
            {
                java.util.Arrays.fill(bytes, 16, 20, (byte)0);
            }
        }
    }

    /**
     * @return the service's answer to an OffsetFetch of the honest group, correlation id and all.
     */
    private byte[] honestGroupOffsets()
    {
        final byte[] request = encode(0, (b, h) ->
        {
            final OffsetFetchRequestEncoder e = new OffsetFetchRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(0);
            e.partitionsCount(0);
            return e.groupId(HONEST_GROUP).encodedLength();
        });
        session.last = null;
        service.onSessionMessage(session, now, new UnsafeBuffer(request), 0, request.length, null);
        assertNotNull(session.last);
        return session.last;
    }

    private void deleteTopicsBut(final Set<String> keep)
    {
        for (final String topic : new ArrayList<>(registry.topics().keySet()))
        {
            if (!keep.contains(topic))
            {
                assertEquals(ErrorCode.NONE, admin(deleteTopic(correlationIds++, topic)), topic);
            }
        }
    }

    private PartitionLog log(final int partition)
    {
        return registry.partitions(HONEST)[partition];
    }

    private byte[] readAll(final int partition)
    {
        final PartitionLog log = log(partition);
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        final FetchSlice slice = new FetchSlice();
        long offset = log.startOffset();
        while (offset < log.endOffset())
        {
            log.read(offset, 1 << 20, slice);
            final byte[] bytes = HostileInput.copy(slice.buffer(), slice.offset(), slice.length());
            out.writeBytes(bytes);
            int position = 0;
            while (position < bytes.length)
            {
                final UnsafeBuffer b = new UnsafeBuffer(bytes);
                offset = RecordBatches.baseOffset(b, position) + RecordBatches.lastOffsetDelta(b, position) + 1;
                position += RecordBatches.batchLength(b, position);
            }
        }
        return out.toByteArray();
    }

    private ErrorCode admin(final byte[] request)
    {
        session.last = null;
        final UnsafeBuffer buffer = new UnsafeBuffer(request);
        service.onSessionMessage(session, now++, buffer, 0, request.length, null);
        return adminCode(session.last);
    }

    private ErrorCode produce(final byte[] request)
    {
        session.last = null;
        service.onSessionMessage(session, now++, new UnsafeBuffer(request), 0, request.length, null);
        final ProduceResponseDecoder decoder = new ProduceResponseDecoder()
            .wrapAndApplyHeader(new UnsafeBuffer(session.last), 0, new MessageHeaderDecoder());
        ErrorCode code = decoder.errorCode();
        for (final ProduceResponseDecoder.PartitionsDecoder p : decoder.partitions())
        {
            code = code == ErrorCode.NONE ? p.errorCode() : code;
        }
        return code;
    }

    private static int templateId(final byte[] message)
    {
        return (message[2] & 0xFF) | (message[3] & 0xFF) << 8;
    }

    private static ErrorCode adminCode(final byte[] response)
    {
        if (response == null || templateId(response) != AdminResponseDecoder.TEMPLATE_ID)
        {
            return null;
        }
        return new AdminResponseDecoder().wrapAndApplyHeader(new UnsafeBuffer(response), 0, new MessageHeaderDecoder())
            .errorCode();
    }

}

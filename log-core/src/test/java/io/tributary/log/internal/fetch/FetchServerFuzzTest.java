package io.tributary.log.internal.fetch;

import io.aeron.ChannelUri;
import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.cluster.PartitionLogService;
import io.tributary.log.internal.cluster.PartitionRegistry;
import io.tributary.log.internal.cluster.ServiceHarness;
import io.tributary.log.internal.codecs.FetchAuthRequestEncoder;
import io.tributary.log.internal.codecs.FetchRequestEncoder;
import io.tributary.log.internal.codecs.ListOffsetsRequestEncoder;
import io.tributary.log.internal.codecs.NodeStatusRequestEncoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.log.internal.codecs.SegmentListRequestEncoder;
import io.tributary.log.internal.codecs.SegmentReadRequestEncoder;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.tributary.log.internal.cluster.ServiceHarness.batch;
import static io.tributary.log.internal.cluster.ServiceHarness.createTopic;
import static io.tributary.log.internal.cluster.ServiceHarness.encode;
import static io.tributary.log.internal.cluster.ServiceHarness.produceRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every request the fetch server decodes (Fetch, ListOffsets, NodeStatus, SegmentList, SegmentRead), fed hostile:
 * a malformed one is counted and dropped, a decoded one queues at most one answer and opens a response channel only
 * to a UDP endpoint; no input takes long or changes the partition it reads. The reads the server makes with decoded
 * values (offset, byte limit, timestamp, segment position) are fed the same hostile values on the real log.
 */
@Timeout(300)
class FetchServerFuzzTest
{
    private static final String CHANNEL = "aeron:udp?endpoint=127.0.0.1:40123";
    private static final long HANG_BOUND_NS = TimeUnit.SECONDS.toNanos(5);

    private static final SecurityView SECURED = new SecurityView(new SecurityConfig(true, java.util.Set.of("fuzz"),
        java.util.Map.of("fuzz", io.tributary.log.internal.security.Scram.credential("fuzz-pw".toCharArray(),
            io.tributary.log.internal.security.Scram.MIN_ITERATIONS))));

    @TempDir
    Path dir;

    private final PartitionRegistry registry = new PartitionRegistry();
    private final ServiceHarness.RecordingSession session = new ServiceHarness.RecordingSession();
    private final List<String> opened = new ArrayList<>();
    private PartitionLogService service;

    @BeforeEach
    void start()
    {
        SECURED.markLoaded();
        service = new PartitionLogService(0, dir.resolve("log"), registry, 60_000, null,
            new SecurityView(SecurityConfig.DISABLED));
        service.onStart(ServiceHarness.cluster(), null);
        apply(createTopic(1, "honest", 2));
        for (int i = 0; i < 50; i++)
        {
            apply(produceRequest(2 + i, "honest", i % 2, batch("honest-" + i), false));
        }
        assertEquals(25, registry.partitions("honest")[0].endOffset());
    }

    @AfterEach
    void stop()
    {
        service.onTerminate(null);
    }

    @Test
    void hostileRequestsAreDroppedOrAnsweredAndReadNothingOutOfBounds()
    {
        final PartitionLog log = registry.partitions("honest")[0];
        final byte[] before = read(log);
        final HostileInput input = new HostileInput(2, corpus(log));
        final int count = HostileInput.count(0.25);
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
        final FetchSlice slice = new FetchSlice();
        FetchServer server = server();
        long malformed = 0;
        long decoded = 0;
        long slowestNs = 0;
        for (int i = 0; i < count; i++)
        {
            if (i % 10_000 == 0)
            {
                // Every other server authenticates: requests then meet the session checks and SCRAM parsing too.
                malformed += server.malformedRequests();
                server = i / 10_000 % 2 == 1 ? server(SECURED) : server();
            }
            final byte[] bytes = input.next();
            buffer.putBytes(32, bytes);
            buffer.putBytes(32 + bytes.length, before, 0, Math.min(before.length, 512));
            final int pendingBefore = server.pendingRequests();
            final int openedBefore = opened.size();
            final long startNs = System.nanoTime();
            final boolean answered = server.onRequest(buffer, 32, bytes.length);
            final long tookNs = System.nanoTime() - startNs;
            slowestNs = Math.max(slowestNs, tookNs);
            if (tookNs > HANG_BOUND_NS)
            {
                fail("took " + tookNs / 1_000_000 + " ms; " + input.describe(bytes));
            }
            assertEquals(answered ? pendingBefore + 1 : pendingBefore, server.pendingRequests(),
                () -> input.describe(bytes));
            decoded += answered ? 1 : 0;
            for (int c = openedBefore; c < opened.size(); c++)
            {
                final ChannelUri uri = ChannelUri.parse(opened.get(c));
                assertEquals("udp", uri.media(), opened.get(c));
                assertTrue(uri.get("endpoint") != null && !uri.get("endpoint").endsWith(":0"), opened.get(c));
            }
            if (opened.size() > 1_000)
            {
                opened.clear();
            }

            // The server's reads, with the values a hostile request could carry.
            final Random random = input.random();
            final long offset = hostileLong(random, log.endOffset());
            final int maxBytes = Math.max(1, Math.min(FetchServer.MAX_FETCH_BYTES, (int)hostileLong(random, 4096)));
            try
            {
                if (log.read(offset, maxBytes, slice) != PartitionLog.OFFSET_OUT_OF_RANGE && slice.length() > 0)
                {
                    assertTrue(RecordBatches.batchLength(slice.buffer(), slice.offset()) > 0);
                }
                log.offsetForTimestamp(hostileLong(random, 2_000));
                final PartitionLog.SegmentFile file = log.segmentFiles().get(0);
                log.readSegmentFile(random.nextBoolean() ? file.baseOffset() : offset,
                    random.nextBoolean() ? file.id() : random.nextLong(), (int)hostileLong(random, file.length()),
                    maxBytes, slice);
            }
            catch (final RuntimeException ex)
            {
                throw new AssertionError("read at " + offset + " for " + maxBytes + " bytes threw " + ex, ex);
            }
        }
        malformed += server.malformedRequests();
        assertArrayEquals(before, read(log), "the partition served is unchanged");
        assertTrue(malformed > 0 && decoded > 0);
        input.report("fetch server requests and partition reads", count,
            malformed + " dropped as malformed, " + decoded + " answered, slowest " + slowestNs / 1_000_000 + " ms");
    }

    /**
     * A reply waits up to 5 s for a response channel that may never connect: a flood of requests naming one must not
     * queue without bound.
     */
    @Test
    void requestsWaitingForTheirChannelAreBounded()
    {
        final FetchServer server = server();
        final byte[] status = encode(3, (b, h) -> new NodeStatusRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(3).responseStreamId(7).responseChannel(CHANNEL).encodedLength());
        final UnsafeBuffer buffer = new UnsafeBuffer(status);
        for (int i = 0; i < FetchServer.MAX_PENDING + 1_000; i++)
        {
            server.onRequest(buffer, 0, status.length);
        }
        assertEquals(FetchServer.MAX_PENDING, server.pendingRequests());
        assertEquals(1_000, server.malformedRequests());
        assertEquals(1, opened.size(), "one response channel for them all");
    }

    private FetchServer server()
    {
        return server(new SecurityView(SecurityConfig.DISABLED));
    }

    private FetchServer server(final SecurityView security)
    {
        return new FetchServer(null, (channel, streamId) ->
        {
            opened.add(channel);
            return null;
        }, "127.0.0.1:40100", 0, registry, security);
    }

    private static long hostileLong(final Random random, final long near)
    {
        return switch (random.nextInt(6))
        {
            case 0 -> -1 - random.nextInt(10);
            case 1 -> Long.MAX_VALUE - random.nextInt(10);
            case 2 -> Long.MIN_VALUE;
            case 3 -> Integer.MAX_VALUE;
            case 4 -> random.nextLong();
            default -> near + random.nextInt(21) - 10;
        };
    }

    private void apply(final byte[] request)
    {
        service.onSessionMessage(session, 1_000, new UnsafeBuffer(request), 0, request.length, null);
    }

    private static byte[] read(final PartitionLog log)
    {
        final FetchSlice slice = new FetchSlice();
        assertTrue(log.read(0, FetchServer.MAX_FETCH_BYTES, slice) != PartitionLog.OFFSET_OUT_OF_RANGE);
        return HostileInput.copy(slice.buffer(), slice.offset(), slice.length());
    }

    private static List<byte[]> corpus(final PartitionLog log)
    {
        final PartitionLog.SegmentFile file = log.segmentFiles().get(0);
        final List<byte[]> corpus = new ArrayList<>();
        corpus.add(encode(1, (b, h) -> new FetchRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(1).partition(0).fetchOffset(3).maxBytes(4096).maxWaitMs(100).responseStreamId(7)
            .topic("honest").responseChannel(CHANNEL).encodedLength()));
        corpus.add(encode(2, (b, h) -> new ListOffsetsRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(2).partition(1).spec(OffsetSpec.TIMESTAMP).timestamp(1_000).responseStreamId(7)
            .topic("honest").responseChannel(CHANNEL).encodedLength()));
        corpus.add(encode(3, (b, h) -> new NodeStatusRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(3).responseStreamId(7).responseChannel(CHANNEL).encodedLength()));
        corpus.add(encode(4, (b, h) -> new SegmentListRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(4).responseStreamId(7).responseChannel(CHANNEL).encodedLength()));
        corpus.add(encode(5, (b, h) -> new SegmentReadRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(5).partition(0).baseOffset(file.baseOffset()).segmentId(file.id()).position(0)
            .maxBytes(4096).responseStreamId(7).topic("honest").responseChannel(CHANNEL).encodedLength()));
        final byte[] clientFirst = "n,,n=fuzz,r=abcdefghijklmnop".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        corpus.add(encode(6, (b, h) -> new FetchAuthRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(6).step(1).responseStreamId(7).exchangeId(0).putMessage(clientFirst, 0, clientFirst.length)
            .responseChannel(CHANNEL).encodedLength()));
        return corpus;
    }
}

package io.tributary.log;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.client.HostileResponses;
import io.tributary.log.internal.codecs.FetchRequestDecoder;
import io.tributary.log.internal.codecs.FetchResponseEncoder;
import io.tributary.log.internal.codecs.ListOffsetsRequestDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.NodeStatusRequestDecoder;
import io.tributary.log.internal.fetch.FetchServer;
import io.tributary.testing.TestCluster;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A broken or hostile server must not crash or hang a client. A stand-in fetch server on a real Aeron endpoint
 * answers every fetch, offset and status request of a real consumer and admin client with a hostile response
 * (random bytes, mutations of valid responses of every template, some under the request's own correlation id);
 * every call returns or fails with a {@link TributaryException}, none waits past its timeout, and once the server
 * answers properly the same consumer reads records again. The seed is printed; {@code -Dfuzz.seed=N} replays it.
 */
@Timeout(300)
class HostileServerIT
{
    /** At most this many hostile responses, in at most 30 s: most requests end in their timeout. */
    private static final int RESPONSES = Integer.getInteger("fuzz.server.count", 5_000);

    @Test
    void clientsFailCleanlyOnHostileResponsesAndRecoverWhenTheServerIsHonest() throws Exception
    {
        final int basePort = TestCluster.freeBasePorts(1).get(0);
        final String members = "0=127.0.0.1:" + basePort;
        final String aeronDir = Files.createTempDirectory("hostile-server").toString();
        final HostileInput input = new HostileInput(21, HostileResponses.corpus());
        final AtomicBoolean honest = new AtomicBoolean();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong served = new AtomicLong();
        try (MediaDriver driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(aeronDir)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())))
        {
            final Thread server = new Thread(() -> serve(aeron, basePort, input, honest, stop, served));
            server.start();
            int polls = 0;
            int refused = 0;
            long records = 0;
            long slowestMs = 0;
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                    .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
                    .requestTimeout(Duration.ofSeconds(1)).build());
                Admin admin = Admin.create(members, Duration.ofSeconds(1)))
            {
                final TopicPartition tp = new TopicPartition("t", 0);
                consumer.assign(List.of(tp));
                consumer.seek(tp, 0);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (served.get() < RESPONSES && System.nanoTime() < deadline)
                {
                    final long startNs = System.nanoTime();
                    try
                    {
                        switch (polls++ % 3)
                        {
                            case 0 -> assertEquals(1, admin.clusterStatus().size());
                            case 1 -> admin.endOffsets(List.of(tp));
                            default -> records += consumer.poll(Duration.ofMillis(20)).count();
                        }
                    }
                    catch (final TributaryException ex)
                    {
                        refused++;
                        if (ex.errorCode() == ErrorCode.OFFSET_OUT_OF_RANGE || ex.errorCode() == ErrorCode.UNKNOWN_TOPIC)
                        {
                            consumer.seek(tp, 0);
                        }
                    }
                    catch (final RuntimeException ex)
                    {
                        fail("a call failed with " + ex + " instead of a TributaryException (seed " + input.seed() +
                            ")", ex);
                    }
                    final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
                    slowestMs = Math.max(slowestMs, tookMs);
                    // Generous: a request's timeout is 1 s; anything near this is a hang.
                    assertTrue(tookMs < 30_000, "a call took " + tookMs + " ms (seed " + input.seed() + ")");
                }
                assertTrue(served.get() >= Math.min(RESPONSES, 100), "served " + served.get());

                // The same clients, now answered properly, work again.
                honest.set(true);
                consumer.seek(tp, 0);
                long read = 0;
                final long honestDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (read == 0 && System.nanoTime() < honestDeadline)
                {
                    try
                    {
                        read += consumer.poll(Duration.ofMillis(100)).count();
                    }
                    catch (final TributaryException ex)
                    {
                        consumer.seek(tp, 0);
                    }
                }
                assertTrue(read > 0, "the consumer reads again from an honest server");
            }
            finally
            {
                stop.set(true);
                server.join(10_000);
            }
            input.report("responses of a hostile fetch server to a real consumer and admin client", served.get(),
                polls + " calls, " + refused + " failed with a TributaryException, " + records +
                " records read from valid batches, slowest call " + slowestMs + " ms");
        }
        finally
        {
            TestCluster.deleteRecursively(Path.of(aeronDir));
        }
    }

    private static void serve(
        final Aeron aeron, final int basePort, final HostileInput input, final AtomicBoolean honest,
        final AtomicBoolean stop, final AtomicLong served)
    {
        final Map<String, ExclusivePublication> publications = new HashMap<>();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final BackoffIdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[0]);
        final byte[] honestFetch = honestFetchResponse();
        try (Subscription requests = aeron.addSubscription(
            "aeron:udp?endpoint=127.0.0.1:" + (basePort + 5), FetchServer.REQUEST_STREAM_ID))
        {
            final FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, h) ->
            {
                header.wrap(buffer, offset);
                final long correlationId;
                final int streamId;
                final String channel;
                boolean fetch = false;
                switch (header.templateId())
                {
                    case FetchRequestDecoder.TEMPLATE_ID ->
                    {
                        final FetchRequestDecoder d = new FetchRequestDecoder().wrapAndApplyHeader(buffer, offset, header);
                        correlationId = d.correlationId();
                        streamId = d.responseStreamId();
                        d.topic();
                        channel = d.responseChannel();
                        fetch = true;
                    }
                    case ListOffsetsRequestDecoder.TEMPLATE_ID ->
                    {
                        final ListOffsetsRequestDecoder d =
                            new ListOffsetsRequestDecoder().wrapAndApplyHeader(buffer, offset, header);
                        correlationId = d.correlationId();
                        streamId = d.responseStreamId();
                        d.topic();
                        channel = d.responseChannel();
                    }
                    case NodeStatusRequestDecoder.TEMPLATE_ID ->
                    {
                        final NodeStatusRequestDecoder d =
                            new NodeStatusRequestDecoder().wrapAndApplyHeader(buffer, offset, header);
                        correlationId = d.correlationId();
                        streamId = d.responseStreamId();
                        channel = d.responseChannel();
                    }
                    default ->
                    {
                        return;
                    }
                }
                final ExclusivePublication publication = publications.computeIfAbsent(channel + "#" + streamId,
                    k -> aeron.addExclusivePublication(channel + "|term-length=1m", streamId));
                final byte[] response;
                if (honest.get())
                {
                    response = fetch ? honestFetch.clone() : null;
                }
                else
                {
                    response = input.next();
                }
                if (response == null || response.length == 0)
                {
                    return;
                }
                // Most answers claim to answer the request; the rest are matched to nothing and time out.
                if (response.length >= 16 && (honest.get() || input.random().nextInt(16) != 0))
                {
                    new UnsafeBuffer(response).putLong(8, correlationId, ByteOrder.LITTLE_ENDIAN);
                }
                out.wrap(response);
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (publication.offer(out, 0, response.length) < 0 && System.nanoTime() < until)
                {
                    idle.idle();
                }
                served.incrementAndGet();
            });
            while (!stop.get())
            {
                idle.idle(requests.poll(assembler, 16));
            }
        }
        finally
        {
            publications.values().forEach(CloseHelper::quietClose);
        }
    }

    private static byte[] honestFetchResponse()
    {
        final byte[] records = HostileResponses.batch(3);
        return HostileResponses.encode((b, h) -> new FetchResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(0).errorCode(io.tributary.log.internal.codecs.ErrorCode.NONE).partition(0)
            .startOffset(0).endOffset(3).errorMessage("").putRecords(records, 0, records.length).encodedLength());
    }
}
